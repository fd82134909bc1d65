"""axe-core in a Playwright page: the accessibility check every console page test runs.

    from accessibility import assert_accessible
    assert_accessible(page)   # no serious or critical WCAG 2.2 AA violation, and one h1

axe-core comes from the axe-playwright-python test dependency, which carries axe.min.js (no
download at run time). It is evaluated through the DevTools protocol, which the page's CSP
(script-src 'self') does not govern, so the pages are checked under their real policy.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")


@cache
def axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text("utf-8")


def violations(page, impacts: tuple[str, ...] = BLOCKING) -> list[dict]:  # type: ignore[no-untyped-def]
    """axe-core's WCAG 2.2 AA violations on the page as it is now, of the given impacts."""
    page.evaluate(axe_source())
    results = page.evaluate(
        "options => axe.run(document, options)",
        {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]},
    )
    return [v for v in results["violations"] if v.get("impact") in impacts]


def describe(found: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        for v in found
    )


def assert_accessible(page) -> None:  # type: ignore[no-untyped-def]
    """No serious or critical axe violation, and exactly one h1, on the page as it is now."""
    found = violations(page)
    assert not found, f"{page.url}:\n{describe(found)}"
    assert page.locator("h1").count() == 1, f"{page.url}: a page has exactly one h1"


def every_violation(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """Every rule axe-core runs by default (WCAG A to AAA and best practice), any impact."""
    page.evaluate(axe_source())
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return list(results["violations"])


def assert_flawless(page) -> None:  # type: ignore[no-untyped-def]
    """Zero axe violations of any impact, best practice included: the readers' pages' bar."""
    found = every_violation(page)
    assert not found, f"{page.url}:\n{describe(found)}"
