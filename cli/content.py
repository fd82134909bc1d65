"""Commands for the content side: read a briefing, plan a series, preview and check it, the demo."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import click

from briefcast.cli.app import app, console, print_json


def jsonable(value: Any) -> Any:
    """Frozen dataclasses (tuples, paths, dates inside) -> plain JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, Path | date):
        return str(value)
    return value


@app.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a summary.")
def briefing(file: Path, as_json: bool) -> None:
    """Show how a briefing was understood: title, sections, themes with key figures, warnings.

    Example: briefcast briefing examples/national-panel-2020/briefing.txt
    """
    from briefcast.campaigns.briefing import read_briefing

    result = read_briefing(file)
    if as_json:
        print_json(jsonable(result))
        return
    console.print(f"[bold]{result.title}[/bold]  ({file})")
    for section in result.sections:
        console.print(f"  section  {section.title}  ({len(section.paragraphs)} paragraphs, {len(section.figures)} figures)")
    for number, theme in enumerate(result.themes, 1):
        console.print(f"  theme {number:>2} [bold]{theme.title}[/bold]  [dim]{theme.slug}[/dim]  {theme.word_count} words")
        for figure in theme.figures:
            console.print(f"           [cyan]{figure.value}[/cyan]  {figure.text}")
    for warning in result.warnings:
        console.print(f"  [yellow]warning[/yellow]  {warning}")
