"""Check the CSS our templates write against classic Outlook for Windows support (caniemail data).

What is checked: the declarations, selectors and at-rules of a stylesheet, or a bare declaration
list (a `style` attribute). What is not:

- The inside of at-rules. Outlook ignores an unsupported at-rule (`@media`, `@supports`) as a
  whole, so the at-rule is the feature to allow; `@font-face` holds descriptors, not properties.
- Selector combinators and `:first-child`, `:last-child`, `:nth-child`: premailer resolves those
  while inlining, so Outlook only ever sees the resulting `style` attributes.

Support levels: "n" fails unless `OUTLOOK_ALLOWANCES` names the feature; "a" (partial) passes,
because the limits are caveats (padding only on table cells, no negative margins) rather than a
lost declaration, and `outlook_css_warnings` lists its notes for review; "y" and "u" (untested)
pass, as does anything caniemail does not describe (`color`, `font-family`, `mso-*`).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import cssutils

# cssutils logs every property it does not know (all of Outlook's mso-* ones) through one global
# logger, on every parse; those messages are noise to anyone reading render output.
cssutils.log.setLevel(logging.CRITICAL)

DATA_FILE = "data/outlook-windows-css.json"
ALLOW_HINT = "OUTLOOK_ALLOWANCES in campaigns/outlook_css.py"

# premailer copies rules with these pseudo-classes into style attributes (FILTER_PSEUDOSELECTORS).
INLINED_BY_PREMAILER = frozenset({"first-child", "last-child", "nth-child"})

VENDOR_PREFIX = re.compile(r"^-(?:webkit|moz|ms|o)-")
STRINGS_AND_URLS = re.compile(r"\"[^\"]*\"|'[^']*'|url\([^)]*\)", re.IGNORECASE)
FUNCTION = re.compile(r"([a-z-]+)\(")
# A number directly followed by its unit; the look-behind keeps hex colours (#1e3a5f) out.
UNIT = re.compile(r"(?<![\w#-])[-+]?(?:\d*\.)?\d+([a-z]+|%)")
WORD = re.compile(r"[a-z][a-z0-9-]*")
PSEUDO = re.compile(r"::?([a-z-]+)")


@dataclass(frozen=True)
class OutlookAllowance:
    """An unsupported feature we use on purpose, with what Outlook readers see instead."""

    feature: str  # caniemail slug, e.g. "css-border-radius"
    fallback: str  # what classic Outlook for Windows shows instead
    reason: str  # why the enhancement is worth having elsewhere


OUTLOOK_ALLOWANCES: tuple[OutlookAllowance, ...] = (
    OutlookAllowance(
        feature="css-at-media",
        fallback="the 600px desktop layout that MJML's mso tables fix in place",
        reason="phones stack the columns and get larger text",
    ),
    OutlookAllowance(
        feature="css-border-radius",
        fallback="square corners on buttons and key-figure call-outs",
        reason="purely cosmetic rounding elsewhere",
    ),
    OutlookAllowance(
        feature="css-color-scheme",
        fallback="the light design, as every client without dark mode shows it",
        reason="clients with dark mode use our dark colours instead of inverting the light ones",
    ),
)


@dataclass(frozen=True)
class Feature:
    """One caniemail feature as classic Outlook for Windows supports it."""

    slug: str
    title: str
    support: str  # "y", "n", "a" (partial) or "u" (untested)
    notes: tuple[str, ...]


@dataclass
class OutlookSupport:
    """caniemail's Outlook for Windows features, indexed by the CSS syntax each one covers."""

    properties: dict[str, Feature] = field(default_factory=dict)
    property_values: dict[str, list[tuple[frozenset[str], Feature]]] = field(default_factory=dict)
    functions: dict[str, Feature] = field(default_factory=dict)
    units: dict[str, Feature] = field(default_factory=dict)
    keywords: dict[str, Feature] = field(default_factory=dict)
    at_rules: dict[str, Feature] = field(default_factory=dict)
    pseudo: dict[str, Feature] = field(default_factory=dict)
    important: Feature | None = None

    @classmethod
    def from_features(cls, features: dict[str, dict[str, Any]]) -> OutlookSupport:
        index = cls()
        for slug, entry in features.items():
            feature = Feature(slug, entry["title"], entry["support"], tuple(entry["notes"]))
            index._add(feature, entry["covers"])
        return index

    def _add(self, feature: Feature, covers: dict[str, list[str]]) -> None:
        if "values" in covers:
            for name in covers["properties"]:
                entry = (frozenset(covers["values"]), feature)
                self.property_values.setdefault(name, []).append(entry)
            return
        for kind in ("properties", "functions", "units", "keywords", "at_rules"):
            getattr(self, kind).update(dict.fromkeys(covers.get(kind, []), feature))
        # Stored without colons: the legacy `:before` is the same pseudo-element as `::before`.
        names = [pseudo.lstrip(":") for pseudo in covers.get("pseudo", [])]
        self.pseudo.update(dict.fromkeys(names, feature))
        if "important" in covers:
            self.important = feature

    def in_declaration(self, name: str, value: str, important: bool) -> Iterator[Feature]:
        """Every feature one declaration uses: its property, functions, units and keywords."""
        prop = VENDOR_PREFIX.sub("", name.lower())
        value = value.lower()
        bare_value = STRINGS_AND_URLS.sub(" ", value)
        words = set(WORD.findall(bare_value))
        by_value = [f for values, f in self.property_values.get(prop, []) if values & words]
        yield from by_value or _present([self.properties.get(prop)])
        # The shorthand carries an image as well as a colour: that part is background-image.
        if prop == "background" and "url(" in value:
            yield from _present([self.properties.get("background-image")])
        yield from _present(self.functions.get(f) for f in FUNCTION.findall(value))
        yield from _present(self.units.get(unit) for unit in UNIT.findall(bare_value))
        yield from _present(self.keywords.get(word) for word in words)
        if important:
            yield from _present([self.important])

    def in_selector(self, selector: str) -> Iterator[Feature]:
        for name in PSEUDO.findall(STRINGS_AND_URLS.sub(" ", selector.lower())):
            if name not in INLINED_BY_PREMAILER:
                yield from _present([self.pseudo.get(name)])

    def at_rule(self, keyword: str) -> Feature | None:
        return self.at_rules.get("@" + VENDOR_PREFIX.sub("", keyword.lower().lstrip("@")))


def _present(features: Iterable[Feature | None]) -> Iterator[Feature]:
    return (feature for feature in features if feature is not None)


@functools.cache
def outlook_support() -> OutlookSupport:
    """The carried caniemail subset, read once per process."""
    text = resources.files("briefcast.campaigns").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return OutlookSupport.from_features(json.loads(text)["features"])


@dataclass(frozen=True)
class Use:
    """One place the CSS uses a caniemail feature."""

    feature: Feature
    where: str  # the CSS as written, e.g. ".card { display: flex }"


def _no_fetch(url: str) -> None:
    # cssutils would otherwise download (or open from disk) every @import it parses.
    return None


def feature_uses(css: str) -> Iterator[Use]:
    """Each use of a caniemail feature in a stylesheet or a bare declaration list."""
    support = outlook_support()
    parser = cssutils.CSSParser(fetcher=_no_fetch, validate=False)
    if "{" not in css and not css.lstrip().startswith("@"):
        yield from _declaration_uses(support, parser.parseStyle(css), selector=None)
        return
    for rule in parser.parseString(css).cssRules:
        if rule.type == rule.STYLE_RULE:
            selector = rule.selectorText
            for feature in support.in_selector(selector):
                yield Use(feature, selector)
            yield from _declaration_uses(support, rule.style, selector)
        elif feature := support.at_rule(getattr(rule, "atkeyword", None) or ""):
            yield Use(feature, _at_rule_prelude(rule.cssText))


def _declaration_uses(
    support: OutlookSupport, style: cssutils.css.CSSStyleDeclaration, selector: str | None
) -> Iterator[Use]:
    """Uses in a rule's declarations, or in a style attribute when there is no selector."""
    for declaration in style.getProperties(all=True):
        important = declaration.priority == "important"
        written = f"{declaration.name}: {declaration.value}" + (" !important" if important else "")
        where = f'style="{written}"' if selector is None else f"{selector} {{ {written} }}"
        for feature in support.in_declaration(declaration.name, declaration.value, important):
            yield Use(feature, where)


def _at_rule_prelude(css_text: str) -> str:
    return " ".join(css_text.split("{", 1)[0].split()).rstrip(";")


def _by_feature(uses: Iterable[Use], support: str) -> dict[Feature, list[str]]:
    """Group the places each feature with this support level is used, in order of first use."""
    grouped: dict[Feature, list[str]] = {}
    for use in uses:
        if use.feature.support == support:
            places = grouped.setdefault(use.feature, [])
            if use.where not in places:
                places.append(use.where)
    return grouped


def _places(where: list[str], limit: int = 3) -> str:
    shown = ", ".join(f"`{place}`" for place in where[:limit])
    return shown + (f" and {len(where) - limit} more" if len(where) > limit else "")


def check_outlook_css(
    css: str, *, allowances: Iterable[OutlookAllowance] = OUTLOOK_ALLOWANCES
) -> list[str]:
    """One message per feature classic Outlook for Windows does not support and we have not allowed.

    `css` is a stylesheet or the content of a `style` attribute, written by our own templates.
    """
    allowed = {allowance.feature for allowance in allowances}
    unsupported = _by_feature(feature_uses(css), support="n")
    return [
        f"classic Outlook for Windows does not support {feature.title} "
        f"(caniemail {feature.slug}), used in {_places(where)}: remove it, or if Outlook readers "
        f'get an acceptable fallback, add OutlookAllowance("{feature.slug}", fallback=..., '
        f"reason=...) to {ALLOW_HINT}"
        for feature, where in unsupported.items()
        if feature.slug not in allowed
    ]


def outlook_css_warnings(css: str) -> list[str]:
    """The caniemail notes of every partly supported feature the CSS uses, for review."""
    partial = _by_feature(feature_uses(css), support="a")
    return [
        f"classic Outlook for Windows supports {feature.title} only partly "
        f"(caniemail {feature.slug}), used in {_places(where)}: {' '.join(feature.notes)}".rstrip()
        for feature, where in partial.items()
    ]
