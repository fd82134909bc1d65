"""Inline SVG bar charts for the HTML report: no script, no outside assets, printable.

Each chart is a grouped horizontal bar chart of percentages (0-100), one group per line of a
table the report prints beneath it, so the numbers are readable without the picture too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

LABEL_WIDTH = 250  # px for the group labels on the left
PLOT_WIDTH = 380  # px for 0-100 %
VALUE_WIDTH = 140  # px for the value printed after each bar ("Acknowledged 100%")
BAR = 16
GAP = 14
LEGEND = 34
AXIS = 22  # px below the bars for the 0-100 % scale
LABEL_CHARACTERS = 32  # about 7 px each at 13 px: fits LABEL_WIDTH


@dataclass(frozen=True)
class Series:
    name: str  # "Reached"
    colour: str  # at least 3:1 against white (WCAG 1.4.11), darker still for text


def bar_chart(
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, Sequence[float | None]]],
    series: Sequence[Series],
) -> Markup:
    """An <svg> of `rows` (label, one percentage per series); None draws no bar and says "n/a"."""
    group_height = len(series) * BAR + GAP
    height = LEGEND + len(rows) * group_height + AXIS
    width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-title" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">',
        f'<title id="{chart_id}-title">{escape(title)} (the table below gives the numbers)</title>',
        *_legend(series),
        *_gridlines(height),
    ]
    for index, (label, values) in enumerate(rows):
        parts.extend(_group(LEGEND + index * group_height, label, values, series))
    parts.append("</svg>")
    return Markup("\n".join(parts))


def _legend(series: Sequence[Series]) -> list[str]:
    parts, x = [], LABEL_WIDTH
    for item in series:
        parts.append(f'<rect x="{x}" y="6" width="14" height="14" fill="{item.colour}"/>')
        parts.append(f'<text x="{x + 20}" y="18" class="legend">{escape(item.name)}</text>')
        x += 40 + 8 * len(item.name)
    return parts


def _gridlines(height: int) -> list[str]:
    parts = []
    bottom = height - AXIS + 4
    for percent in (0, 25, 50, 75, 100):
        x = LABEL_WIDTH + PLOT_WIDTH * percent / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="{LEGEND - 6}" x2="{x:.1f}" y2="{bottom}" class="grid"/>'
        )
        parts.append(f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle">{percent}%</text>')
    return parts


def _group(
    top: int, label: str, values: Sequence[float | None], series: Sequence[Series]
) -> list[str]:
    short = label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"
    centre = top + len(series) * BAR / 2 + 4
    parts = [
        f'<text x="{LABEL_WIDTH - 8}" y="{centre:.1f}" text-anchor="end" class="label">'
        f"<title>{escape(label)}</title>{escape(short)}</text>"
    ]
    for index, (value, item) in enumerate(zip(values, series, strict=True)):
        y = top + index * BAR
        length = PLOT_WIDTH * (value or 0) / 100
        if value is not None:
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR - 3}" '
                f'fill="{item.colour}"/>'
            )
        text = "n/a" if value is None else f"{value:g}%"
        parts.append(
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + BAR - 5}" class="value">'
            f"{escape(item.name)} {text}</text>"
        )
    return parts
