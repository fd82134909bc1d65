"""A list the briefing itself calls its themes: `listed_themes(lines, headings)`.

SAR and CSPR learning briefs often write "Key Learning Themes:" (a label line or a heading) over
bullets, each "Theme: text" or "Theme – text". The author has named those items as the themes, so
they are, whatever other headings the briefing has (a Word or PDF brief's styled headings would
otherwise win, and the themes would be one section's list). "Key messages" over the same bullets
is a digest of the themes, not them (campaigns/briefing_parts.py's summaries), so it is not used.
"""

from __future__ import annotations

from briefcast.campaigns.furniture import Line
from briefcast.campaigns.headings import (
    Heading,
    Kind,
    is_summary_title,
    list_marker,
    looks_like_title,
    names_the_themes,
)

__all__ = ["listed_themes"]

_MIN_ITEMS = 2  # one titled bullet is a list item with a lead-in, not a list of themes


def listed_themes(lines: list[Line], headings: dict[int, Heading]) -> dict[int, Heading]:
    """`headings` with the titled items of a list labelled as the themes made Kind.LISTED, and a
    label that is only a line ("Key Learning Themes:") made a heading so it can be left out with
    a warning like any heading that introduces the themes."""
    result = dict(headings)
    for index, line in enumerate(lines):
        label = _label(line, headings.get(index))
        if label is None:
            continue
        items = _titled_items(lines, headings, index + 1)
        if len(items) < _MIN_ITEMS:
            continue
        result[index] = label
        for at in items:
            item = headings[at]
            result[at] = Heading(Kind.LISTED, item.title, item.body, item.line)
    return result


def _label(line: Line, heading: Heading | None) -> Heading | None:
    """The heading naming the themes at this line: a heading ("## Key learning themes") or a
    line ending in a colon ("Key Learning Themes:"), which is not a heading by itself."""
    if heading is not None and heading.kind is not Kind.MARKDOWN and heading.kind is not Kind.BARE:
        return None
    title = heading.title if heading else line.text.removesuffix(":")
    if heading is None and (not line.text.endswith(":") or list_marker(line.text)):
        return None
    if not looks_like_title(title) or not names_the_themes(title) or is_summary_title(title):
        return None
    return heading or Heading(Kind.BARE, title, "", line.number)


def _titled_items(lines: list[Line], headings: dict[int, Heading], start: int) -> list[int]:
    """The indexes of the list right after a label when every item is "Title: text" and the
    list is all the label holds (the next thing is a heading, or the end); else []."""
    items: list[int] = []
    previous_blank = False
    for index in range(start, len(lines)):
        text = lines[index].text
        heading = headings.get(index)
        if not text:
            previous_blank = True
            continue
        if list_marker(text):
            if heading is None or heading.kind not in (Kind.BULLETED, Kind.NUMBERED):
                return []
            if not heading.body:
                return []  # "• Police": an item without a title of its own
            items.append(index)
        elif heading is not None and (previous_blank or not items):
            return items  # the next heading: the list was all the label held
        elif not items or previous_blank:
            return []  # text of the label's own: the list is part of it
        # else: the wrapped rest of the item above
        previous_blank = False
    return items
