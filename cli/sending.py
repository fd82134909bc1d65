"""Sending by hand: `send-now` (an issue in the foreground, or resending unknown outcomes) and
`send-test`."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from briefcast.cli.app import app, console
from briefcast.cli.context import command_context
from briefcast.cli.delivery import ONE_ISSUE
from briefcast.delivery.control import SteeringError
from briefcast.delivery.status import resend_command, unknown_meaning
from briefcast.store.engine import read, write
from briefcast.store.schema import IssueState


@app.command(name="send-now")
@click.argument("campaign")
@click.option("--issue", "number", type=click.IntRange(min=1), help="The issue's number.")
@click.option(
    "--catch-ups",
    is_flag=True,
    help="Instead of an issue, the campaign's catch-ups planned and not yet sent.",
)
@click.option(
    "--resend-unknown",
    is_flag=True,
    help="Also send again the messages whose outcome is unknown (the relay took them but never "
    "answered): some people may get a second copy. Recorded in the audit trail.",
)
def send_now(campaign: str, number: int | None, catch_ups: bool, resend_unknown: bool) -> None:
    """Send one issue now, in the foreground, with a progress bar; or, with --catch-ups, the
    catch-ups of new starters already planned (`briefcast catch-up` plans the due ones).

    Run it again after an interruption: it sends only what is not yet sent. Ctrl-C lets the
    message in flight finish, then stops and pauses the issue (a catch-up is left sending, for
    the worker). Exits 1 if the issue ends paused. Messages whose outcome is unknown are left
    unsent and counted, unless --resend-unknown (`--issue 2 --resend-unknown` for an issue's).

    Example: briefcast send-now national-panel-2020 --catch-ups --resend-unknown
    """
    if (number is None) == (not catch_ups):
        raise click.UsageError("give --issue N or --catch-ups (one of the two)")
    ctx = command_context()
    if resend_unknown:
        from briefcast.delivery.control import resend_unknown as queue_unknown_again
        from briefcast.scheduler import issue_label

        outcome = queue_unknown_again(
            ctx.engine, campaign, number, actor=ctx.actor, catch_ups=catch_ups
        )
        label = issue_label(campaign, number) if number else f"{campaign} catch-ups"
        click.echo(f"{label}: {outcome.message}")
    ended = _send_catch_ups(campaign) if number is None else _send_one_issue(campaign, number)
    if not ended:
        raise SystemExit(1)  # a paused or failed issue: cron and scripts see it by the exit code


def _send_one_issue(campaign: str, number: int) -> bool:
    """Issue `number` sent in the foreground; whether it ended sent (or waits for the relay)."""
    from briefcast.delivery.control import find_campaign, find_issue
    from briefcast.scheduler import issue_label

    ctx = command_context()
    engine = ctx.engine
    label = issue_label(campaign, number)
    with read(engine) as conn:
        issue = find_issue(conn, find_campaign(conn, campaign), number)
    if issue.state is IssueState.SENT:
        click.echo(f"{label}: already sent; nothing to send")
        unknown_left(engine, campaign, number, [issue.id])
        return True
    if issue.state is IssueState.CANCELLED:
        raise SteeringError(f"{label} is cancelled; it will not be sent")
    ended, _stopped = _send_in_foreground(label, issue.id, pause_when_stopped=True)
    unknown_left(engine, campaign, number, [issue.id])
    return ended


def _send_catch_ups(campaign: str) -> bool:
    """The campaign's catch-ups planned and not yet sent, each in the foreground in turn; whether
    each ended sent (or waits for the relay). Ctrl-C stops them sending, not paused: nothing but
    the worker and this picks a catch-up up, and `resume` steers the series' issues only."""
    from briefcast.delivery.control import find_campaign
    from briefcast.scheduler import issue_label
    from briefcast.store.campaigns import issue_by_id
    from briefcast.store.catch_up import catch_up_ids, catch_ups_to_send

    engine = command_context().engine
    with read(engine) as conn:
        record = find_campaign(conn, campaign)
        every = list(catch_up_ids(conn, record.id))
        to_send = [(id_, issue_by_id(conn, id_)) for id_ in catch_ups_to_send(conn, record.id)]
    if not to_send:
        click.echo(f"{campaign} catch-ups: none planned and not yet sent; nothing to send")
    ended = True
    for issue_id, issue in to_send:
        label = issue_label(campaign, issue.number if issue else -1)
        sent, stopped = _send_in_foreground(label, issue_id, pause_when_stopped=False)
        ended = sent and ended
        if stopped:  # a person pressed Ctrl-C: the next catch-up does not start
            ended = False
            break
    unknown_left(engine, campaign, None, every)
    return ended


def _send_in_foreground(
    label: str, issue_id: int, *, pause_when_stopped: bool
) -> tuple[bool, bool]:
    """Whether the issue ended sent (or waits for the relay's limit), and whether a person
    stopped it unfinished."""
    from briefcast.delivery.transports import open_transport
    from briefcast.store.campaigns import issue_by_id

    ctx = command_context()
    settings, engine = ctx.settings, ctx.engine
    transport = open_transport(settings)
    stop = threading.Event()
    with _stop_on_ctrl_c(stop), _progress_bar(label) as progress:
        report = _send(engine, issue_id, transport, settings, stop=stop, progress=progress)
    stopped = stop.is_set()
    _after_send(engine, settings, label, issue_id, report, stopped, pause_when_stopped)
    with read(engine) as conn:
        state = issue_by_id(conn, issue_id).state  # type: ignore[union-attr]
    stopped_unfinished = stopped and bool(report.counts.remaining)
    # sending: waits for the relay's limit; or, a catch-up stopped, for the worker
    return state in (IssueState.SENT, IssueState.SENDING), stopped_unfinished


def unknown_left(engine, campaign, number, issue_ids):  # type: ignore[no-untyped-def]
    """How many messages of these issues have an unknown outcome, left unsent, and how to
    resend them (`number` None: the campaign's catch-ups)."""
    from briefcast.store.ledger import delivery_counts_of

    with read(engine) as conn:
        unknown = sum(counts.unknown for counts in delivery_counts_of(conn, issue_ids).values())
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


def _after_send(engine, settings, label, issue_id, report, interrupted, pause):  # type: ignore[no-untyped-def]
    from briefcast.scheduler import add_job, job_store, reconcile
    from briefcast.store import issue_states
    from briefcast.store.schema import utcnow

    counts = report.counts
    summary = f"sent {counts.sent}, failed {counts.failed}, bounced {counts.bounced}"
    if counts.unknown:
        summary += f", unknown {counts.unknown}"
    if interrupted and counts.remaining and not pause:
        click.echo(f"{label}: stopped with {counts.remaining} to send ({summary}).")
        click.echo("The worker sends the rest, or the same send-now again.")
    elif interrupted and counts.remaining:
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
