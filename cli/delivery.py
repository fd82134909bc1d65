"""Commands for the send side: schedule, worker and status (steering.py steers a campaign by its
name; sending.py sends by hand)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from rich.markup import escape
from rich.table import Table

from briefcast.cli.app import app, console, print_json
from briefcast.cli.context import command_context
from briefcast.delivery.status import resend_command, unknown_meaning
from briefcast.wording import counted

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
            f"  catch-ups: {counted(catch_ups.waiting, 'new starter')} waiting"
            + (f", the next due {due:%a %d %b %Y %H:%M}" if due else "")
            + f"; {counted(catch_ups.in_flight, 'message')} being sent (`briefcast catch-up "
            f"{entry.name} --dry-run` lists them)"
        )
    if catch_ups and catch_ups.unknown:
        yield (
            f"  catch-ups: {unknown_meaning(catch_ups.unknown)}: "
            f"`{resend_command(entry.name, None)}`"
        )
