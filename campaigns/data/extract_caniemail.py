"""Extract classic Outlook for Windows CSS support from caniemail's features.json.

Writes `outlook-windows-css.json` beside this script: for every `css-*` feature, its title, the
support of the newest tested Outlook for Windows version ("y", "n", "a" or "u"), the notes that
support cites, and what CSS syntax the feature covers, so `campaigns/outlook_css.py` can look a
declaration up without knowing caniemail's slugs.

How a feature's title becomes what it covers (first rule that applies wins):

1. `OVERRIDES` below, for the few titles that name values or HTML rather than properties.
2. An at-rule title (`@media`, `@font-face`) covers that at-rule; `@media (hover)` titles cover
   those media features (inside `@media`) instead.
3. A title starting with `:` covers that pseudo-class or pseudo-element.
4. `property:value` (`display:flex`) covers that property only with that value.
5. `X unit` covers the unit X; titles naming `f()` cover those functions.
6. Otherwise the title is a list of property names (split on `,` and `&`, with suffixes such as
   " property" or " shorthand" removed). Keywords that extend one of those names (`margin-left`
   for `margin`) are longhands and are covered too, as are the longhands in `LONGHANDS` for
   shorthands whose keywords do not list them (`padding-left` for `padding`).
7. A title that names no property falls back to its hyphenated keywords (the logical-property and
   column families). Anything else (selectors, comments, nesting) covers nothing.

Every property must end up covered by at most one feature (value-specific features aside); the
script stops with an error otherwise, so a new caniemail release cannot silently make a lookup
ambiguous.

Regenerate after updating the shared data:

    python campaigns/data/extract_caniemail.py /work/shared/data/caniemail/features.json
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).with_name("outlook-windows-css.json")
USAGE = "usage: python campaigns/data/extract_caniemail.py PATH/TO/caniemail/features.json"

# Titles that the rules above would misread.
OVERRIDES: dict[str, dict[str, list[str]]] = {
    # "initial unit" is the CSS-wide keyword, not a unit.
    "css-unit-initial": {"keywords": ["initial"]},
    # These titles list values (sizing keywords, font-family names), not properties.
    "css-intrinsic-size": {"keywords": ["fit-content", "min-content", "max-content"]},
    "css-sytem-ui": {
        "keywords": ["system-ui", "ui-serif", "ui-sans-serif", "ui-rounded", "ui-monospace"]
    },
    # inline-flex and inline-grid are the same layout models as flex and grid.
    "css-display-flex": {"properties": ["display"], "values": ["flex", "inline-flex"]},
    "css-display-grid": {"properties": ["display"], "values": ["grid", "inline-grid"]},
    "css-pseudo-class-lang": {"pseudo": [":lang"]},
    # Custom properties only matter once read back with var().
    "css-variables": {"functions": ["var"]},
    "css-important": {"important": ["!important"]},
    # An HTML attribute filed among the CSS features.
    "css-inert-attribute": {},
    # inline-size has a feature of its own (css-inline-size).
    "css-block-inline-size": {"properties": ["block-size"]},
    # Its keywords repeat column-count and column-gap, which have features of their own.
    "css-column-layout-properties": {
        "properties": [
            "column-fill",
            "column-rule",
            "column-rule-color",
            "column-rule-style",
            "column-rule-width",
            "column-span",
            "column-width",
        ]
    },
}

# Longhands of shorthands whose caniemail keywords do not list them.
LONGHANDS: dict[str, list[str]] = {
    "padding": ["padding-top", "padding-right", "padding-bottom", "padding-left"],
    "border-radius": [
        "border-top-left-radius",
        "border-top-right-radius",
        "border-bottom-right-radius",
        "border-bottom-left-radius",
    ],
    "outline": ["outline-color", "outline-style", "outline-width"],
    "overflow": ["overflow-x", "overflow-y"],
    "text-emphasis": ["text-emphasis-color", "text-emphasis-style"],
    "transition": [
        "transition-property",
        "transition-duration",
        "transition-timing-function",
        "transition-delay",
    ],
    "animation": [
        "animation-name",
        "animation-duration",
        "animation-timing-function",
        "animation-delay",
        "animation-iteration-count",
        "animation-direction",
        "animation-fill-mode",
        "animation-play-state",
    ],
}

PROPERTY_NAME = re.compile(r"-?[a-z][a-z-]*")
TITLE_SUFFIXES = (" CSS property", " property", " properties", " shorthand")


def newest_support(feature: dict[str, Any]) -> tuple[str, str]:
    """Return (version, raw support) for the newest tested classic Outlook for Windows."""
    versions: dict[str, str] = feature["stats"].get("outlook", {}).get("windows", {})
    if not versions:
        return "", "u"
    # Keys are years or year-months ("2019", "2023-12"); compare them as numbers.
    newest = max(versions, key=lambda key: [int(part) for part in re.findall(r"\d+", key)])
    return newest, versions[newest]


def support_and_notes(raw: str, notes_by_num: dict[str, str]) -> tuple[str, list[str]]:
    """Split "a #1 #2" into ("a", [note 1, note 2])."""
    letter, *refs = raw.split()
    return letter, [notes_by_num[ref.lstrip("#")] for ref in refs]


def _title_properties(title: str) -> list[str]:
    for suffix in TITLE_SUFFIXES:
        title = title.removesuffix(suffix)
    names = [part.strip() for part in re.split(r"[,&]", title)]
    if all(PROPERTY_NAME.fullmatch(name) for name in names):
        return names
    return []


def _keywords(feature: dict[str, Any]) -> list[str]:
    return [word.strip() for word in (feature.get("keywords") or "").split(",") if word.strip()]


def _property_covers(feature: dict[str, Any]) -> dict[str, list[str]]:
    keywords = _keywords(feature)
    properties = _title_properties(feature["title"].strip())
    if not properties:
        hyphenated = [word for word in keywords if "-" in word and PROPERTY_NAME.fullmatch(word)]
        return {"properties": hyphenated} if hyphenated else {}
    longhands = [
        word
        for word in keywords
        if any(word.startswith(name + "-") for name in properties) and word not in properties
    ]
    for name in properties:
        longhands += [word for word in LONGHANDS.get(name, []) if word not in longhands]
    return {"properties": properties + longhands}


def covers(slug: str, feature: dict[str, Any]) -> dict[str, list[str]]:
    """What CSS syntax a caniemail feature is about (see the module docstring for the rules)."""
    if slug in OVERRIDES:
        return OVERRIDES[slug]
    title = feature["title"].strip()
    if title.startswith("@"):
        media_features = re.findall(r"\(([-a-z]+)\)", title)
        if media_features:
            return {"media_features": media_features}
        return {"at_rules": [title]}
    if title.startswith(":"):
        return {"pseudo": [title.removesuffix("()")]}
    if match := re.fullmatch(r"([-a-z]+)\s*:\s*([-a-z]+)", title):
        return {"properties": [match[1]], "values": [match[2]]}
    if match := re.fullmatch(r"(\S+) unit", title):
        return {"units": [match[1]]}
    if functions := re.findall(r"([-a-z]+)\(\)", title):
        return {"functions": functions}
    return _property_covers(feature)


def _check_unambiguous(features: dict[str, dict[str, Any]]) -> None:
    owner: dict[str, str] = {}
    for slug, feature in features.items():
        if "values" in feature["covers"]:
            continue
        for name in feature["covers"].get("properties", []):
            if name in owner:
                raise SystemExit(
                    f"property {name!r} is covered by both {owner[name]} and {slug}: "
                    "add an entry to OVERRIDES in extract_caniemail.py"
                )
            owner[name] = slug


def extract(document: dict[str, Any]) -> dict[str, Any]:
    """Build the carried Outlook for Windows subset from caniemail's features.json document."""
    features: dict[str, dict[str, Any]] = {}
    for slug, feature in sorted(document["features"].items()):
        if not slug.startswith("css-"):
            continue
        version, raw = newest_support(feature)
        support, notes = support_and_notes(raw, feature.get("notes_by_num") or {})
        features[slug] = {
            "title": feature["title"].strip(),
            "support": support,
            "version": version,
            "notes": notes,
            "covers": covers(slug, feature),
        }
    _check_unambiguous(features)
    return {
        "source": document["source"],
        "commit": document["commit"],
        "license": document["license"],
        "client": "classic Outlook for Windows (Word engine): newest of stats.outlook.windows",
        "generated_by": "campaigns/data/extract_caniemail.py",
        "features": features,
    }


def dumps(subset: dict[str, Any]) -> str:
    """Serialise exactly as the carried file is written, so a regeneration diff is meaningful."""
    return json.dumps(subset, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(USAGE, file=sys.stderr)
        return 2
    document = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    OUTPUT.write_text(dumps(extract(document)), encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(document['features'])} features read)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
