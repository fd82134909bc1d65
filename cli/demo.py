"""`briefcast demo`: the whole pipeline on the shipped example, on embedded defaults.

Lists imported, the series previewed, scheduled with its issues a few seconds apart, and sent
by a worker running in this process to the Maildir outbox while the link pages are served
(cli/demo_pages.py); then the dissemination report is written. A second run keeps what the first
did (the import then changes nothing) and schedules the series again under a fresh name
("national-panel-2020-2"), so nothing recorded as sent is ever sent again and each run still
ends with a whole series delivered.
"""

from __future__ import annotations

import contextlib
import shlex
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click
from rich.table import Table
from sqlalchemy import Engine

from briefcast.cli.app import app, console
from briefcast.settings import Settings
from briefcast.store.engine import read

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "national-panel-2020"
APPROVED_BY = "briefcast demo"
SPACING = timedelta(seconds=3)  # between the demo's issues, instead of a week
# Between parts 2 and 3 a new starter joins (and gets a catch-up with part 3): time to import them.
JOIN_GAP = timedelta(seconds=8)
DEADLINE = timedelta(seconds=90)  # the series is normally delivered in well under a minute


@app.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("briefcast-demo"),
    show_default=True,
    help="Where the demo keeps its database, reports and preview.",
)
@click.option(
    "--every",
    type=click.FloatRange(min=0.5, max=60),
    default=SPACING.total_seconds(),
    show_default=True,
    help="Seconds between the demo's issues.",
)
@click.option(
    "--no-serve",
    "no_serve",
    is_flag=True,
    help="Do not serve the link pages (unsubscribe, I've read this, web view, archive) "
    "or the staff console.",
)
def demo(folder: Path, every: float, no_serve: bool) -> None:
    """Run the example series end to end: import the lists, schedule and send every issue,
    serve the pages behind the emails' links, write the dissemination report.

    The six issues go a few seconds apart to a Maildir outbox (DIR/var/outbox unless
    BRIEFCAST_OUTBOX is set), sent by a worker running in this process, while the link pages
    are served on BRIEFCAST_BASE_URL's port (http://localhost:8025 unless set); in a terminal
    they stay served until Ctrl-C, as is the staff console on BRIEFCAST_CONSOLE_URL's port
    (http://localhost:8026), with a set-up link for each of three demo people (an author, an
    approver, an admin). The report goes to DIR/report-CAMPAIGN.html. Uses SQLite
    under DIR/var/ unless BRIEFCAST_DATABASE_URL is set. Safe to run again: the import then
    changes nothing and the series is scheduled afresh under a new name.

    Example: briefcast demo --dir /tmp/briefcast-demo
    """
    from briefcast.cli.context import command_context
    from briefcast.cli.demo_console import demo_people, print_people
    from briefcast.cli.demo_pages import (
        example_links,
        interactive,
        print_evidence,
        serve_until_interrupted,
        serving,
        write_demo_report,
    )
    from briefcast.console import create_app as create_console
    from briefcast.delivery.preview import preview_campaign
    from briefcast.recipients.csv_import import import_lists_folder

    folder = folder.resolve()
    settings = Settings.from_env(workdir=folder)
    if settings.transport in ("smtp", "graph"):
        # The demo sends to fictional people: never to a real relay by accident.
        settings = _with_outbox(settings)
    ctx = command_context()
    ctx.use_settings(settings)

    console.print(f"[bold]1. Distribution lists[/bold] from {EXAMPLE / 'lists'}")
    # The demo's own database: made if missing, brought up to date.
    engine = ctx.open_database(migrate=True, create=True)
    reports = import_lists_folder(
        engine,
        EXAMPLE / "lists",
        secret_key=settings.secret_key,
        report_folder=settings.reports,
    )
    console.print(_imports_table(reports))

    console.print(f"[bold]2. The series[/bold] from {EXAMPLE / 'campaign.yaml'}")
    # today=date.min: the demo sends at its own times, so the example's dates going by (spring
    # 2027) must not turn into "would be sent in the past" errors.
    result = preview_campaign(
        EXAMPLE / "campaign.yaml", folder / "preview", base_url=settings.base_url, today=date.min
    )
    console.print(_issues_table(result))
    for warning in result.warnings:
        console.print(f"  warning: {warning}", markup=False)
    if not result.ok:
        raise click.ClickException("some issues failed their checks; see the preview index")

    with contextlib.ExitStack() as stack:
        server = None if no_serve else stack.enter_context(serving(settings, engine))
        staff_console = None
        if not no_serve:
            staff_console = stack.enter_context(
                serving(
                    settings,
                    engine,
                    label="Staff console",
                    url=settings.console_url,
                    make_app=create_console,
                )
            )
        spacing = timedelta(seconds=every)
        name = _schedule(engine, settings, spacing)
        console.print(
            f"[bold]3. Sending[/bold] {name}: a worker in this process sends each issue "
            f"at its time, {every:g} seconds apart"
        )
        sent = _send_series(engine, settings, name, folder)
        report = write_demo_report(engine, name, folder)
        links = example_links(engine, settings, name)

        # Paths with click, not rich: rich would wrap a long path across lines.
        click.echo(f"Issues: {len(sent)} sent, as campaign {name}")
        # What went: the issues' messages and the new starter's catch-up, counted apart.
        caught_up = _catch_up_messages(engine, name)
        click.echo(
            f"Messages: {sum(sent.values()) + caught_up} "
            f"(one per person per issue, and {caught_up} catch-up)"
        )
        click.echo(f"Outbox: {settings.outbox}")
        click.echo(f"Database: {_safe_url(settings.database_url)}")
        if any(r.rejected_report for r in reports):
            click.echo(f"Rejected rows: {settings.reports}")
        click.echo(f"Preview: {result.index}")
        print_evidence(folder, name, report, links, server is not None, settings.base_url)
        click.echo(f"See where it stands: cd {shlex.quote(str(folder))} && briefcast status {name}")
        people = demo_people(engine, settings)
        print_people(people, settings.console_url, staff_console is not None)
        if server is not None and interactive():
            serve_until_interrupted(server, settings.base_url)
        elif staff_console is not None and interactive():
            serve_until_interrupted(staff_console, settings.console_url)


def _with_outbox(settings: Settings) -> Settings:
    from dataclasses import replace

    return replace(settings, transport="outbox", smtp=None, graph=None)


def _schedule(engine: Engine, settings: Settings, spacing: timedelta) -> str:
    """Schedule the example under the first name not yet used, its issues seconds apart."""
    from briefcast.campaigns.campaign_file import load_campaign
    from briefcast.delivery.schedule import ScheduleRequest, schedule_campaign
    from briefcast.delivery.windows import LatePolicy
    from briefcast.scheduler import sync_jobs
    from briefcast.store.campaigns import find_campaign

    campaign = load_campaign(EXAMPLE / "campaign.yaml")
    with read(engine) as conn:
        run = 1
        while find_campaign(conn, _run_name(campaign.name, run)) is not None:
            run += 1
    name = _run_name(campaign.name, run)
    start = datetime.now(UTC) + spacing
    times = {
        issue.number: start + spacing * i + (JOIN_GAP if i >= 2 else timedelta(0))
        for i, issue in enumerate(campaign.issues)
    }
    schedule_campaign(
        engine,
        EXAMPLE / "campaign.yaml",
        ScheduleRequest(APPROVED_BY, LatePolicy.from_settings(settings), times=times, name=name),
    )
    sync_jobs(engine, settings)
    return name


def _run_name(name: str, run: int) -> str:
    return name if run == 1 else f"{name}-{run}"


def _send_series(engine: Engine, settings: Settings, name: str, folder: Path) -> dict[int, int]:
    """Run a worker until every issue is sent, and the catch-up of a person who joins the health
    list after part 2; returns messages sent per issue number."""
    from briefcast.delivery.status import campaign_status
    from briefcast.store.schema import IssueState
    from briefcast.worker import Worker

    worker = Worker(settings, engine=engine, poll_seconds=0.5)
    worker.start()
    deadline = time.monotonic() + DEADLINE.total_seconds()
    reported: dict[int, int] = {}
    joiner: str | None = None
    try:
        while True:
            (status,) = campaign_status(engine, settings.limits, name)
            # As soon as part 2 has started going out: JOIN_GAP later, part 3 goes.
            if joiner is None and status.issues[1].state in (IssueState.SENDING, IssueState.SENT):
                joiner = _late_joiner(engine, settings, name, folder)
            for issue in status.issues:
                if issue.state is IssueState.SENT and issue.number not in reported:
                    reported[issue.number] = issue.counts["sent"]
                    console.print(
                        f"  part {issue.number} of {len(status.issues)} sent to "
                        f"{issue.counts['sent']} people"
                    )
                elif issue.state in (IssueState.PAUSED, IssueState.MISSED):
                    raise click.ClickException(
                        f"issue {issue.number} is {issue.state.value}: {issue.reason}"
                    )
            catch_ups = status.catch_ups
            soon = datetime.now(UTC) + timedelta(minutes=1)
            if (
                len(reported) == len(status.issues)
                and catch_ups is not None
                and not catch_ups.in_flight
                and (catch_ups.next_due is None or catch_ups.next_due > soon)
            ):
                _print_catch_up(joiner, catch_ups)
                return reported
            if time.monotonic() > deadline:
                raise click.ClickException(
                    f"the series was not delivered within {DEADLINE.seconds} seconds; "
                    f"`briefcast status {name}` shows where it stands"
                )
            time.sleep(0.25)
    finally:
        worker.stop()


def _catch_up_messages(engine: Engine, name: str) -> int:
    """Catch-up messages sent in the campaign (the series' count leaves them out)."""
    from briefcast.store.campaigns import find_campaign
    from briefcast.store.report import catch_up_counts

    with read(engine) as conn:
        campaign = find_campaign(conn, name)
        return sum(c.sent for c in catch_up_counts(conn, campaign.id)) if campaign else 0


def _print_catch_up(joiner: str | None, catch_ups) -> None:  # type: ignore[no-untyped-def]
    if joiner is None:
        return
    if catch_ups.waiting:  # the machine was too slow: they joined after part 3 had gone
        console.print(f"  {joiner}: catch-up due {catch_ups.next_due:%Y-%m-%d %H:%M} UTC")
        return
    console.print(
        f"  {joiner} joined the health list after part 2: one catch-up digest of parts 1 "
        "and 2 went with part 3 (the report counts it)"
    )


def _late_joiner(engine: Engine, settings: Settings, name: str, folder: Path) -> str:
    """A fictional health visitor who joins the health list between parts 2 and 3."""
    from briefcast.recipients.csv_import import import_list

    address = f"new.starter.{name}@example.org"
    path = folder / "var" / f"late-joiner-{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "email_address,first_name,last_name,organization,job_title\n"
        f"{address},Noor,Newstart,Northshire NHS Trust,Health visitor\n",
        encoding="utf-8",
    )
    import_list(engine, path, "health", secret_key=settings.secret_key)
    console.print(f"  {address} joins the health list (a new starter)")
    return address


def _imports_table(reports) -> Table:
    table = Table("list", "rows", "added", "unchanged", "suppressed", "rejected", box=None)
    for report in reports:
        counts = report.counts
        table.add_row(
            report.list_slug,
            *(str(n) for n in (counts.rows, counts.added, counts.unchanged, counts.suppressed)),
            str(counts.rejected + counts.erased),
        )
    return table


def _issues_table(result) -> Table:
    table = Table("part", "send", "subject", "checks", box=None)
    for issue in result.issues:
        digest = issue.digest
        table.add_row(
            f"{digest.number} of {digest.total}",
            f"{digest.send_at:%a %d %b %Y %H:%M}",
            digest.subject,
            "passed" if issue.ok else f"{len(issue.problems)} problems",
        )
    return table


def _safe_url(url: str) -> str:
    """The database URL without its password, fit to print."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
