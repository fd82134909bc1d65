"""Commands for the content side: read a briefing, plan a series, preview and check it, the demo."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from briefcast.cli.app import app, console, print_json
from rich.markup import escape

if TYPE_CHECKING:
    from briefcast.campaigns.preview import CampaignRender


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
    # Briefing text is printed literally: "[Draft]" in a title is not rich markup.
    console.print(f"[bold]{escape(result.title)}[/bold]  ({escape(str(file))})")
    for section in result.sections:
        console.print(
            f"  section  {escape(section.title)}  "
            f"({len(section.paragraphs)} paragraphs, {len(section.figures)} figures)"
        )
    for number, theme in enumerate(result.themes, 1):
        console.print(
            f"  theme {number:>2} [bold]{escape(theme.title)}[/bold]  [dim]{theme.slug}[/dim]  "
            f"{theme.word_count} words"
        )
        for figure in theme.figures:
            console.print(f"           [cyan]{escape(figure.value)}[/cyan]  {escape(figure.text)}")
        for quote in theme.quotes:
            console.print(f"           [italic]“{escape(quote)}”[/italic]")
    for warning in result.warnings:
        console.print(f"  [yellow]warning[/yellow]  {escape(warning)}")


@app.command()
@click.argument("campaign", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder to write into (default: preview/<campaign name>/ here).",
)
def preview(campaign: Path, out: Path | None) -> None:
    """Render every issue for a sample reader: NN-slug.html, .txt and .eml, and an index.html.

    Files are written even when a check fails, so you can see what failed; the exit code is 1 then.

    Example: briefcast preview examples/national-panel-2020/campaign.yaml
    """
    from briefcast.campaigns.preview import preview_campaign
    from briefcast.settings import Settings

    settings = Settings.from_env()
    result = _report_campaign_problems(
        campaign, lambda: preview_campaign(campaign, out, base_url=settings.base_url)
    )
    _report_issues(result)
    console.print(f"wrote {len(result.issues)} issues to {result.out_dir}/ (open {result.index})")
    if not result.ok:
        raise click.exceptions.Exit(1)


@app.command()
@click.argument("campaign", type=click.Path(path_type=Path))
def check(campaign: Path) -> None:
    """Check a campaign and every rendered issue without writing files; exit 1 on any failure.

    Example: briefcast check examples/national-panel-2020/campaign.yaml
    """
    from briefcast.campaigns.preview import check_campaign_file

    result = _report_campaign_problems(campaign, lambda: check_campaign_file(campaign))
    _report_issues(result)
    if not result.ok:
        raise click.exceptions.Exit(1)


def _report_campaign_problems(campaign: Path, run: Callable[[], CampaignRender]) -> CampaignRender:
    """Run a preview or check; print the campaign's errors one a line (then exit 1) or warnings."""
    from briefcast.campaigns.preview import CampaignProblemsError

    try:
        result = run()
    except CampaignProblemsError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise
    for warning in result.warnings:
        console.print(escape(str(warning)), style="yellow")
    return result


def _report_issues(result: CampaignRender) -> None:
    """One line per issue, OK or FAILED, and under a failed one each of its problems."""
    for issue in result.issues:
        label = escape(f"{issue.digest.part_label}  {issue.digest.title}")
        if issue.ok:
            console.print(f"[green]OK[/green]      {label}")
            continue
        console.print(f"[red]FAILED[/red]  {label}")
        for problem in issue.problems:
            console.print(f"        {problem}", markup=False)
