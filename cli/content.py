"""Commands for the content side: read a briefing, plan a series, preview and check it, the demo."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape

from briefcast.cli.app import app, console, print_json
from briefcast.errors import BriefcastError

if TYPE_CHECKING:
    from briefcast.campaigns.model import Briefing, Campaign, HeadingNote
    from briefcast.campaigns.plan import Problem
    from briefcast.campaigns.preview import CampaignRender


STDIN = Path("-")  # `briefcast briefing -`: the briefing is pasted on standard input


def read_briefing_argument(file: Path) -> Briefing:
    """The briefing named on the command line, or pasted on standard input for "-"."""
    from briefcast.campaigns.briefing import STDIN_SOURCE, read_briefing, read_briefing_data

    if file == STDIN:
        return read_briefing_data(sys.stdin.buffer.read(), STDIN_SOURCE)
    return read_briefing(file)


@app.command()
@click.argument("file", type=click.Path(path_type=Path, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a summary.")
def briefing(file: Path, as_json: bool) -> None:
    """Show how a briefing was understood: title, sections, themes with key figures, how sure
    the reader is of each heading and why, and warnings. FILE "-" reads pasted text from
    standard input (end it with Ctrl-D, or Ctrl-Z then Enter on Windows).

    Example: briefcast briefing examples/national-panel-2020/briefing.txt
    """
    result = read_briefing_argument(file)
    if as_json:
        print_json(result)
        return
    # Briefing text is printed literally: "[Draft]" in a title is not rich markup.
    console.print(f"[bold]{escape(result.title)}[/bold]  ({escape(str(result.source))})")
    notes = {(note.role, note.title): note for note in result.headings}
    for section in result.sections:
        console.print(
            f"  section  {escape(section.title)}  "
            f"({len(section.paragraphs)} paragraphs, {len(section.figures)} figures)"
        )
        if note := notes.get(("section", section.title)):
            console.print(f"           [dim]{escape(_confidence(note))}[/dim]")
    theme_notes = [note for note in result.headings if note.role == "theme"]
    for number, (theme, note) in enumerate(zip(result.themes, theme_notes, strict=True), 1):
        console.print(
            f"  theme {number:>2} [bold]{escape(theme.title)}[/bold]  [dim]{theme.slug}[/dim]  "
            f"{theme.word_count} words"
        )
        console.print(f"           [dim]{escape(_confidence(note))}[/dim]")
        for figure in theme.figures:
            console.print(f"           [cyan]{escape(figure.value)}[/cyan]  {escape(figure.text)}")
        for quote in theme.quotes:
            console.print(f"           [italic]“{escape(quote)}”[/italic]")
    for note in result.headings:
        if note.role == "left out":
            console.print(
                f"  left out {escape(repr(note.title))}  [dim]{escape(_confidence(note))}[/dim]"
            )
    for warning in result.warnings:
        console.print(f"  [yellow]warning[/yellow]  {escape(warning)}")


def _confidence(note: HeadingNote) -> str:
    """How sure the reader is of a heading: "high (line 12): Markdown heading"."""
    return f"{note.confidence} (line {note.line}): {note.reason}"


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
    from briefcast.cli.context import command_context
    from briefcast.delivery.preview import preview_campaign

    settings = command_context().settings
    result = _report_campaign_problems(
        campaign, lambda: preview_campaign(campaign, out, base_url=settings.base_url)
    )
    _report_issues(result)
    # click.echo, not rich: a long path must not be wrapped or read as markup.
    click.echo(f"wrote {len(result.issues)} issues to {result.out_dir}/ (open {result.index})")
    if not result.ok:
        raise click.exceptions.Exit(1)


@app.command()
@click.argument("campaign", type=click.Path(path_type=Path))
def check(campaign: Path) -> None:
    """Check a campaign and every rendered issue without writing files; exit 1 on any failure.

    Example: briefcast check examples/national-panel-2020/campaign.yaml
    """
    from briefcast.delivery.preview import check_for_sending

    result = _report_campaign_problems(campaign, lambda: check_for_sending(campaign))
    for warning in _missing_lists(result.campaign):
        click.echo(str(warning))  # click, not rich: a long path must stay on its line
    _report_issues(result)
    _report_outlook_notes()
    if not result.ok:
        raise click.exceptions.Exit(1)


def _report_outlook_notes() -> None:
    """The partly supported CSS, once for the whole series (every issue uses the same)."""
    from briefcast.campaigns.render import outlook_notes

    notes = outlook_notes()
    if notes:
        click.echo("\nNotes, not failures: classic Outlook for Windows supports these only partly.")
        for note in notes:
            click.echo(f"- {note}")  # click, not rich: each note stays one line


def _missing_lists(campaign: Campaign) -> list[Problem]:
    """Lists the campaign names that the database lacks (`schedule` refuses them), as warnings;
    none when there is no database to ask: `check` needs none."""
    from briefcast.campaigns.plan import missing_list_problems, named_lists
    from briefcast.cli.context import command_context
    from briefcast.store.engine import read
    from briefcast.store.ledger import missing_lists

    try:
        engine = command_context().engine
    except BriefcastError:
        return []
    with read(engine) as conn:
        missing = missing_lists(conn, [slug for slug, _ in named_lists(campaign)])
    return missing_list_problems(campaign, missing, "warning")


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


@app.command()
@click.argument(
    "briefing_file", metavar="BRIEFING", type=click.Path(path_type=Path, allow_dash=True)
)
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="First send date, YYYY-MM-DD (default: the first Tuesday at least a week from today).",
)
@click.option(
    "--every",
    default="1w",
    show_default=True,
    help="Cadence: 1w weekly, 2w fortnightly, or 7d, 14d.",
)
@click.option(
    "--lists", default="", help="Lists every issue goes to, comma-separated: police,health."
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the draft campaign file here (default: print it).",
)
@click.option("--force", is_flag=True, help="Replace the --out file if it exists.")
def plan(
    briefing_file: Path,
    start: datetime | None,
    every: str,
    lists: str,
    out: Path | None,
    force: bool,
) -> None:
    """Draft a campaign file from a briefing, for comms staff to edit and check.

    The draft opens with the briefing's introduction and first theme, then carries the other
    themes in document order, related ones together, two or three minutes' reading per issue,
    each with a subject of at most 60 characters, a preview line and the briefing's own
    questions, all in the briefing's words. What a person must write is marked "TODO: write",
    and `briefcast check` refuses the file until it is written. BRIEFING "-" reads a pasted
    briefing from standard input; with --out it is saved beside the campaign file.

    Example: briefcast plan briefing.txt --start 2027-04-13 --out campaign.yaml
    """
    from briefcast.campaigns.briefing import STDIN_SOURCE, read_briefing, read_briefing_data
    from briefcast.campaigns.calendar import parse_cadence
    from briefcast.campaigns.draft import draft_campaign
    from briefcast.campaigns.plan import CampaignFileError, assemble, load_campaign

    try:
        every_days = parse_cadence(every)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--every") from None
    if out is not None and out.exists() and not force:
        raise CampaignFileError(f"{out}: already exists; use --force to replace it")
    if start is None:  # the first Tuesday at least a week away: time to edit, a good day to land
        soon = date.today() + timedelta(days=7)
        first_day = soon + timedelta(days=(1 - soon.weekday()) % 7)
    else:
        first_day = start.date()
    if out is not None and not out.parent.is_dir():
        raise CampaignFileError(f"{out}: the folder {out.parent} does not exist")
    if briefing_file == STDIN:
        data = sys.stdin.buffer.read()
        briefing = read_briefing_data(data, STDIN_SOURCE)
        briefing_file = _save_pasted_briefing(data, out, force)
    else:
        briefing = read_briefing(briefing_file)
    # The campaign file finds its briefing relative to itself, so write the path that way
    # (unless the two share nothing but the root, when an absolute path reads better).
    source, base = briefing_file.resolve(), (out.resolve().parent if out else Path.cwd())
    relative = os.path.commonpath([source, base]) != source.anchor
    text = draft_campaign(
        briefing,
        Path(os.path.relpath(source, base)) if relative else source,
        start=first_day,
        every_days=every_days,
        lists=[name.strip() for name in lists.split(",") if name.strip()],
    )
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CampaignFileError(f"{out}: cannot write the draft: {error.strerror}") from None
    digests = assemble(load_campaign(out), briefing)
    if briefing.source == Path(STDIN_SOURCE):
        click.echo(f"wrote {briefing_file}: the pasted briefing", err=True)
    click.echo(f"wrote {out}: {len(digests)} issues, every {every_days} days", err=True)
    for digest in digests:
        click.echo(
            f"  {digest.part_label}  {digest.send_at:%a %d %b %Y %H:%M}  {digest.title}", err=True
        )


def _save_pasted_briefing(data: bytes, out: Path | None, force: bool) -> Path:
    """Where a pasted briefing lives for the campaign file: beside --out, or to be saved."""
    from briefcast.campaigns.plan import CampaignFileError

    if out is None:
        click.echo(
            "note: the pasted briefing is not saved; save it as briefing.txt beside the "
            "campaign file, or run again with --out",
            err=True,
        )
        return Path("briefing.txt")
    saved = out.with_name(f"{out.stem}.briefing.txt")
    if saved.exists() and not force:
        raise CampaignFileError(f"{saved}: already exists; use --force to replace it")
    try:
        saved.write_bytes(data)  # as pasted: the campaign file reads it back the same way
    except OSError as error:
        raise CampaignFileError(
            f"{saved}: cannot save the pasted briefing: {error.strerror}"
        ) from None
    return saved
