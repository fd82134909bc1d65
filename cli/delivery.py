"""Commands for the send side: schedule, worker, status, and steering a campaign by its name."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from briefcast.cli.app import app, console, print_json
from briefcast.cli.context import command_context
from briefcast.delivery.control import SteeringError
from briefcast.delivery.status import resend_command, unknown_meaning
from briefcast.store.engine import read, write
from briefcast.store.schema import IssueState

ISSUE = click.option("--issue", "number", type=click.IntRange(min=1), help="Only this issue.")
ONE_ISSUE = click.option(
    "--issue", "number", type=click.IntRange(min=1), required=True, help="The issue's number."
)


@app.command()
@click.argument("campaign", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--approved-by", required=True, help="Who approved the series (kept with it).")
def schedule(campaign: Path, approved_by: str) -> None:
    """Check and render every issue, store the series and put each issue on the calendar.

    Any failed check stops it and nothing is stored. Run it again on an edited file to update
    the issues not yet sent; it prints what changed. Sent issues are never altered.

    Example: briefcast schedule examples/national-panel-2020/campaign.yaml --approved-by "A. Lee"
    """
    from briefcast.campaigns.preview import CampaignProblemsError
    from briefcast.delivery.schedule import ScheduleRequest, schedule_campaign
    from briefcast.delivery.windows import LatePolicy
    from briefcast.scheduler import sync_jobs

    ctx = command_context()
    settings, engine = ctx.settings, ctx.open_database(create=True)
    try:
        result = schedule_campaign(
            engine,
            campaign,
            ScheduleRequest(approved_by, LatePolicy.from_settings(settings), actor=ctx.actor),
        )
    except CampaignProblemsError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise
    sync_jobs(engine, settings)
    for warning in result.warnings:
        click.echo(f"warning: {warning}")
    verb = "scheduled" if result.created else "updated"
    click.echo(f"{result.campaign}: {verb}, approved by {approved_by.strip()}")
    for change in result.changes:
        if change.action == "unchanged" and result.created:
            continue
        click.echo(f"  issue {change.number}: {change.action}")
        for detail in change.details:
            click.echo(f"    {detail}")
    click.echo("Each issue goes out at its time while `briefcast worker` runs.")


@app.command()
@click.option("--once", is_flag=True, help="Send what is due now, then exit (for cron).")
@click.option(
    "--no-scheduler",
    "send_only",
    is_flag=True,
    help="Only send issues that are being sent; never run the scheduler (PostgreSQL).",
)
def worker(once: bool, send_only: bool) -> None:
    """Run the scheduler: send each issue at its time until stopped (SIGTERM or Ctrl-C).

    On start it re-creates lost jobs, resumes an issue a crash left half-sent, and applies the
    missed-window policy to issues whose time passed while no worker ran. The same as
    `python scheduler.py`. On PostgreSQL any number of workers can run: one runs the scheduler
    (another takes over if it stops) and all of them send; give each its own
    BRIEFCAST_WORKER_ID. SQLite takes one worker.

    Example: briefcast worker --no-scheduler
    """
    from briefcast.scheduler import configure_logging
    from briefcast.worker import Worker

    configure_logging()
    ctx = command_context()
    runner = Worker(ctx.settings, engine=ctx.engine, schedule=not send_only)
    if once:
        runner.run_once()
    else:
        runner.run_forever()


@app.command()
@click.argument("campaign", required=False)
@ISSUE
@click.option("--history", is_flag=True, help="What was done to it, from the audit trail.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead.")
def status(campaign: str | None, number: int | None, history: bool, as_json: bool) -> None:
    """Show every issue: planned time, state, ledger counts, expected finish, reasons.

    With --history, how a campaign's issue got there instead: each move (when, who, from -> to,
    why) and each edit, oldest first; without --issue, the whole campaign's.

    Example: briefcast status national-panel-2020 --issue 2 --history
    """
    from briefcast.delivery.status import campaign_status, status_json

    if (history or number) and not campaign:
        raise click.UsageError("--issue and --history need a campaign's name")
    if history:
        _history(campaign, number, as_json)
        return
    ctx = command_context()
    settings, engine = ctx.settings, ctx.engine
    found = campaign_status(engine, settings.limits, campaign, number=number)
    if as_json:
        print_json(status_json(found))
        return
    if not found:
        click.echo("No campaign is scheduled yet: `briefcast schedule CAMPAIGN_FILE` adds one.")
    for entry in found:
        console.print(
            f"[bold]{escape(entry.name)}[/bold]  {escape(entry.title)}  "
            f"(approved by {escape(entry.approved_by)})"
        )
        console.print(_status_table(entry))
        for note in _status_notes(entry):
            click.echo(note)


def _history(campaign: str, number: int | None, as_json: bool) -> None:
    from briefcast.delivery.status import history_json, issue_history

    found = issue_history(command_context().engine, campaign, number)
    if as_json:
        print_json(history_json(found))
        return
    label = f"{found.campaign} issue {number}" if number else found.campaign
    if not found.entries:
        click.echo(f"{label}: nothing recorded yet")
        return
    zone = ZoneInfo(found.timezone)
    click.echo(label)
    for entry in found.entries:
        # Lines, not a table: reasons are sentences, and a narrow terminal would cut them.
        what = entry.action if number else f"{entry.subject} {entry.action}"
        if entry.to_state and entry.from_state != entry.to_state:
            what += f"  {entry.from_state} -> {entry.to_state}" if entry.from_state else ""
        when = f"{entry.at.astimezone(zone):%a %d %b %Y %H:%M:%S %Z}"
        reason = f": {entry.reason}" if entry.reason else ""
        click.echo(f"  {when}  {what}  by {entry.actor}{reason}")


def _status_table(entry) -> Table:  # type: ignore[no-untyped-def]
    zone = ZoneInfo(entry.timezone)
    table = Table(box=None)
    for name in ("issue", "planned", "state", "queued", "sent", "failed", "bounced"):
        table.add_column(name, no_wrap=True)
    for issue in entry.issues:
        counts = issue.counts
        table.add_row(
            str(issue.number),
            f"{issue.planned_at.astimezone(zone):%a %d %b %Y %H:%M}",
            issue.state.value,
            str(counts["queued"] + counts["sending"]),
            str(counts["sent"]),
            str(counts["failed"]),
            str(counts["bounced"]),
        )
    return table


def _status_notes(entry) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Reasons and expected finishes, below the table: they are too long for a cell."""
    zone = ZoneInfo(entry.timezone)
    for issue in entry.issues:
        if issue.expected_finish:
            finish = issue.expected_finish.astimezone(zone)
            yield f"  issue {issue.number}: expected to finish {finish:%a %d %b %Y %H:%M}"
        if issue.reason:
            yield f"  issue {issue.number}: {issue.reason}"
        if issue.counts.get("unknown"):
            yield (
                f"  issue {issue.number}: {unknown_meaning(issue.counts['unknown'])}: "
                f"`{resend_command(entry.name, issue.number)}`"
            )
        if issue.counts.get("came_back"):  # delivery reports read back (bounces/)
            yield (
                f"  issue {issue.number}: {issue.counts['came_back']} came back after the relay "
                "accepted them (in failed, bounced or queued again): `briefcast bounces list`"
            )
    catch_ups = entry.catch_ups
    if catch_ups and (catch_ups.waiting or catch_ups.in_flight):
        due = catch_ups.next_due.astimezone(zone) if catch_ups.next_due else None
        yield (
            f"  catch-ups: {catch_ups.waiting} new starter(s) waiting"
            + (f", the next due {due:%a %d %b %Y %H:%M}" if due else "")
            + f"; {catch_ups.in_flight} message(s) being sent (`briefcast catch-up "
            f"{entry.name} --dry-run` lists them)"
        )


# -- steering ----------------------------------------------------------------------------------


def _report(campaign: str, outcomes) -> None:  # type: ignore[no-untyped-def]
    for outcome in outcomes:
        click.echo(f"{campaign} issue {outcome.number}: {outcome.message}")


def _steer(action, campaign: str, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
    from briefcast.scheduler import sync_jobs

    ctx = command_context()
    settings, engine = ctx.settings, ctx.engine
    outcomes = action(engine, campaign, *args, actor=ctx.actor, **kwargs)
    sync_jobs(engine, settings)
    _report(campaign, outcomes if isinstance(outcomes, list) else [outcomes])


@app.command()
@click.argument("campaign")
@ISSUE
def pause(campaign: str, number: int | None) -> None:
    """Hold a campaign's unsent issues (or one); an issue being sent stops after messages in flight.

    Example: briefcast pause national-panel-2020 --issue 3
    """
    from briefcast.delivery.control import pause as pause_issues

    _steer(pause_issues, campaign, number)


@app.command()
@click.argument("campaign")
@ISSUE
def resume(campaign: str, number: int | None) -> None:
    """Let paused or missed issues go again: at their time, or at once if it has passed.

    Example: briefcast resume national-panel-2020 --issue 3
    """
    from briefcast.delivery.control import resume as resume_issues

    _steer(resume_issues, campaign, number)


@app.command()
@click.argument("campaign")
@ISSUE
def cancel(campaign: str, number: int | None) -> None:
    """Never send a campaign's unsent issues (or one). Messages already sent stay sent.

    Example: briefcast cancel national-panel-2020 --issue 6
    """
    from briefcast.delivery.control import cancel as cancel_issues

    _steer(cancel_issues, campaign, number)


@app.command()
@click.argument("campaign")
@ONE_ISSUE
@click.option("--at", "when", required=True, help='"2027-04-20 09:30" (campaign time) or ISO.')
def reschedule(campaign: str, number: int, when: str) -> None:
    """Move one unsent issue to a new time, in the campaign's time zone unless an offset is given.

    Example: briefcast reschedule national-panel-2020 --issue 3 --at "2027-04-28 09:30"
    """
    from briefcast.delivery.control import reschedule as reschedule_issue

    _steer(reschedule_issue, campaign, number, when)


# -- sending by hand ---------------------------------------------------------------------------


@app.command(name="send-now")
@click.argument("campaign")
@ONE_ISSUE
@click.option(
    "--resend-unknown",
    is_flag=True,
    help="Also send again the messages whose outcome is unknown (the relay took them but never "
    "answered): some people may get a second copy. Recorded in the audit trail.",
)
def send_now(campaign: str, number: int, resend_unknown: bool) -> None:
    """Send one issue now, in the foreground, with a progress bar.

    Run it again after an interruption: it sends only what is not yet sent. Ctrl-C lets the
    message in flight finish, then stops and pauses the issue. Exits 1 if the issue ends paused.
    Messages whose outcome is unknown are left unsent and counted, unless --resend-unknown.

    Example: briefcast send-now national-panel-2020 --issue 2 --resend-unknown
    """
    from briefcast.delivery.control import find_campaign, find_issue
    from briefcast.delivery.control import resend_unknown as queue_unknown_again
    from briefcast.delivery.transports import open_transport
    from briefcast.scheduler import issue_label

    ctx = command_context()
    settings, engine = ctx.settings, ctx.engine
    label = issue_label(campaign, number)
    if resend_unknown:
        outcome = queue_unknown_again(engine, campaign, number, actor=ctx.actor)
        click.echo(f"{label}: {outcome.message}")
    with read(engine) as conn:
        issue = find_issue(conn, find_campaign(conn, campaign), number)
    if issue.state is IssueState.SENT:
        click.echo(f"{label}: already sent; nothing to send")
        _unknown_left(engine, campaign, number, issue.id)
        return
    if issue.state is IssueState.CANCELLED:
        raise SteeringError(f"{label} is cancelled; it will not be sent")
    transport = open_transport(settings)
    stop = threading.Event()
    with _stop_on_ctrl_c(stop), _progress_bar(label) as progress:
        report = _send(engine, issue.id, transport, settings, stop=stop, progress=progress)
    _after_send(engine, settings, label, issue.id, report, interrupted=stop.is_set())
    _unknown_left(engine, campaign, number, issue.id)
    with read(engine) as conn:
        ended = find_issue(conn, find_campaign(conn, campaign), number).state
    if ended not in (IssueState.SENT, IssueState.SENDING):  # sending: waits for the relay's limit
        raise SystemExit(1)  # a paused or failed issue: cron and scripts see it by the exit code


def _unknown_left(engine, campaign, number, issue_id):  # type: ignore[no-untyped-def]
    """How many messages of the issue have an unknown outcome, left unsent, and how to resend."""
    from briefcast.store.ledger import delivery_counts

    with read(engine) as conn:
        unknown = delivery_counts(conn, issue_id).unknown
    if unknown:
        click.echo(f"{unknown_meaning(unknown)}: `{resend_command(campaign, number)}`")


def _send(engine, issue_id, transport, settings, **options):  # type: ignore[no-untyped-def]
    from briefcast.delivery.sender import send_issue

    return send_issue(
        engine,
        issue_id,
        transport,
        settings,
        worker_id=f"{settings.worker_id}:send-now",
        actor=command_context().actor,
        **options,
    )


@contextmanager
def _stop_on_ctrl_c(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C asks the loop to stop after the message in flight, instead of killing it."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals can only be caught on the main thread (not under some test runners)
        return
    previous = signal.signal(signal.SIGINT, lambda _signum, _frame: stop.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _progress_bar(label: str) -> Iterator:  # type: ignore[type-arg]
    columns = (
        TextColumn(escape(label)),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(label, total=None, detail="")

        def progress(counts) -> None:  # type: ignore[no-untyped-def]
            done = counts.total - counts.remaining
            detail = f"failed {counts.failed}, bounced {counts.bounced}"
            if counts.unknown:
                detail += f", unknown {counts.unknown}"
            bar.update(task, completed=done, total=counts.total or None, detail=detail)

        yield progress


def _after_send(engine, settings, label, issue_id, report, *, interrupted):  # type: ignore[no-untyped-def]
    from briefcast.scheduler import add_job, job_store, reconcile
    from briefcast.store import issue_states
    from briefcast.store.schema import utcnow

    counts = report.counts
    summary = f"sent {counts.sent}, failed {counts.failed}, bounced {counts.bounced}"
    if counts.unknown:
        summary += f", unknown {counts.unknown}"
    if interrupted and counts.remaining:
        with write(engine) as conn:
            issue_states.transition(
                conn,
                issue_id,
                IssueState.PAUSED,
                actor=command_context().actor,
                reason="interrupted during send-now; send-now again sends only the rest",
                only_from=(IssueState.SENDING,),
            )
        click.echo(f"{label}: stopped with {counts.remaining} to send ({summary}); paused.")
        click.echo("Run the same send-now again to send only the rest.")
    elif report.paused_reason:
        click.echo(f"{label}: paused: {report.paused_reason} ({summary})")
    elif report.waiting_until:
        zone_time = report.waiting_until.astimezone(UTC)
        click.echo(
            f"{label}: {counts.remaining} wait for the relay's limit until "
            f"{zone_time:%Y-%m-%d %H:%M} UTC; the worker sends them then ({summary})"
        )
    else:
        click.echo(f"{label}: done ({summary})")
    with job_store(engine, settings) as scheduler:
        reconcile(scheduler, engine, now=utcnow())  # a sent or paused issue needs no job
        if report.waiting_until and not interrupted and not report.paused_reason:
            add_job(scheduler, issue_id, report.waiting_until, label)


@app.command(name="send-test")
@click.argument("campaign")
@ONE_ISSUE
@click.option("--to", "address", required=True, help="Who receives the test message.")
def send_test(campaign: str, number: int, address: str) -> None:
    """Send one issue to one address through the real transport, subject prefixed [TEST].

    Nothing is recorded in the ledger; the links are sample links.

    Example: briefcast send-test national-panel-2020 --issue 1 --to comms@example.org
    """
    from briefcast.delivery.send_test import send_test_message

    ctx = command_context()
    settings, engine = ctx.settings, ctx.engine
    sent_to = send_test_message(engine, settings, campaign, number, address)
    click.echo(f"{campaign} issue {number}: test message sent to {sent_to} ({settings.transport})")
