"""Headless Chromium as the screenshot scripts start it (Debian's /usr/bin/chromium)."""

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking switches Chromium keeps calling home, and this machine's
# closed network refuses it many times over; the sandbox needs a user namespace root lacks here.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch(playwright):  # type: ignore[no-untyped-def]
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
