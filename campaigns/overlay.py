"""The author's edits to how a briefing was read, kept apart from the briefing itself.

    overlay = Overlay().rename("domestic-abuse", "Domestic abuse and coercive control")
    apply_overlay(read_briefing_text(text, source), overlay) -> Briefing

The stored briefing text is never changed: reading it again and applying the same overlay gives
the same Briefing, so the reader can improve without losing what an author decided. An edit
whose theme the reader no longer finds is skipped and reported as a warning, never guessed at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from briefcast.campaigns.model import Briefing, Section, Theme
from briefcast.errors import BriefcastError

EditKind = Literal["rename", "merge", "section"]
OVERLAY_VERSION = 1


class OverlayError(BriefcastError):
    """An edit that cannot be made to this briefing as it stands."""


@dataclass(frozen=True)
class Edit:
    """One change: rename a theme, merge it with the theme after it, or make it a section.

    Themes are named by slug, which a rename keeps, so a campaign file naming the theme still
    finds it.
    """

    kind: EditKind
    slug: str
    title: str | None = None  # the new title, for a rename


@dataclass(frozen=True)
class Overlay:
    edits: tuple[Edit, ...] = ()

    def rename(self, slug: str, title: str) -> Overlay:
        return Overlay((*self.edits, Edit("rename", slug, title.strip())))

    def merge_with_next(self, slug: str) -> Overlay:
        return Overlay((*self.edits, Edit("merge", slug)))

    def mark_as_section(self, slug: str) -> Overlay:
        return Overlay((*self.edits, Edit("section", slug)))

    def to_json(self) -> dict[str, Any]:
        return {
            "version": OVERLAY_VERSION,
            "edits": [
                {"kind": e.kind, "slug": e.slug, **({"title": e.title} if e.title else {})}
                for e in self.edits
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Overlay:
        if not data:
            return cls()
        if data.get("version") != OVERLAY_VERSION:
            raise OverlayError(
                f"the briefing edits were saved by another briefcast (version "
                f"{data.get('version')!r}, this one reads {OVERLAY_VERSION}): upgrade briefcast"
            )
        return cls(tuple(Edit(e["kind"], e["slug"], e.get("title")) for e in data["edits"]))


def apply_overlay(briefing: Briefing, overlay: Overlay) -> Briefing:
    """The briefing with the overlay's edits made in order; skipped edits become warnings."""
    warnings = list(briefing.warnings)
    for edit in overlay.edits:
        try:
            briefing = _apply(briefing, edit)
        except OverlayError as error:
            warnings.append(f"your edit was not applied: {error}")
    return replace(briefing, warnings=tuple(warnings))


def check_edit(briefing: Briefing, edit: Edit) -> None:
    """Raise OverlayError, in words for the author, if `edit` cannot be made to `briefing`."""
    _apply(briefing, edit)


def _apply(briefing: Briefing, edit: Edit) -> Briefing:
    themes = list(briefing.themes)
    position = _position(themes, edit.slug)
    theme = themes[position]
    if edit.kind == "rename":
        if not edit.title:
            raise OverlayError(f"give the theme {theme.title!r} a new title")
        themes[position] = replace(theme, title=edit.title)
        return replace(briefing, themes=tuple(themes))
    if edit.kind == "merge":
        if position + 1 >= len(themes):
            raise OverlayError(f"{theme.title!r} is the last theme: there is none after it")
        themes[position : position + 2] = [_merged(theme, themes[position + 1])]
        return replace(briefing, themes=tuple(themes))
    if edit.kind == "section":
        if len(themes) == 1:
            raise OverlayError(f"{theme.title!r} is the only theme left; a series needs one")
        del themes[position]
        section = Section(theme.title, theme.paragraphs, theme.figures)
        return replace(briefing, themes=tuple(themes), sections=(*briefing.sections, section))
    raise OverlayError(f"unknown kind of edit {edit.kind!r}")


def _position(themes: Sequence[Theme], slug: str) -> int:
    for position, theme in enumerate(themes):
        if theme.slug == slug:
            return position
    raise OverlayError(f"the briefing has no theme {slug!r} any more")


def _merged(first: Theme, second: Theme) -> Theme:
    # The second theme's title opens its paragraphs, so a reader still sees where it began.
    return replace(
        first,
        paragraphs=(*first.paragraphs, second.title, *second.paragraphs),
        figures=(*first.figures, *second.figures),
        quotes=(*first.quotes, *second.quotes),
    )
