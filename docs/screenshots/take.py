"""Regenerate the screenshots of issue 2 of the example series, as a reader sees it.

    python docs/screenshots/take.py

Renders the example campaign with `preview_campaign` into a temporary folder and photographs
issue 2 in headless Chromium (Debian's /usr/bin/chromium) at 600 px (desktop) and 375 px (phone),
full page, in the light colour scheme and the dark one (issue-2-600-dark.png: what mail clients
with dark mode show, from templates/digest-dark.css). Look at the results before committing them.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from chromium import launch
from playwright.sync_api import sync_playwright

from briefcast.delivery.preview import preview_campaign

HERE = Path(__file__).resolve().parent
CAMPAIGN = HERE.parents[1] / "examples" / "national-panel-2020" / "campaign.yaml"
WIDTHS = (600, 375)
SCHEMES = {"light": "", "dark": "-dark"}  # colour scheme -> file name suffix


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        result = preview_campaign(
            CAMPAIGN, Path(folder), base_url="https://briefcast.example.org", today=date(2027, 1, 4)
        )
        page = next(Path(folder).glob("02-*.html"))
        with sync_playwright() as playwright:
            browser = launch(playwright)
            for (scheme, suffix), width in ((s, w) for s in SCHEMES.items() for w in WIDTHS):
                context = browser.new_context(
                    viewport={"width": width, "height": 900}, color_scheme=scheme
                )
                tab = context.new_page()
                tab.goto(page.as_uri())
                scroll_width = tab.evaluate("document.documentElement.scrollWidth")
                target = HERE / f"issue-2-{width}{suffix}.png"
                tab.screenshot(path=str(target), full_page=True)
                print(f"{target} (scroll width {scroll_width} px for a {width} px window)")
                context.close()
            browser.close()
    if not result.ok:
        raise SystemExit("the example has failing checks: see `briefcast check`")


if __name__ == "__main__":
    main()
