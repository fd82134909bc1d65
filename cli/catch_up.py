"""`briefcast catch-up`: send new starters what they missed now, or list who would get what."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import click
from rich.markup import escape
from rich.table import Table

from briefcast.cli.app import app, console, print_json
from briefcast.cli.context import command_context


@app.command(name="catch-up")
@click.argument("campaign")
@click.option("--dry-run", is_flag=True, help="List who would get what, and when; send nothing.")
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: a JSON document.")
def catch_up(campaign: str, dry_run: bool, as_json: bool) -> None:
    """Send the catch-ups that are due now to people who joined after issues went out.

    The worker does the same by itself; this sends them in the foreground. Each person gets a
    catch-up once (the campaign file's catch_up, catch_up_until, replay_every, replay_cap and
    catch_up_note say what and until when); nothing goes outside the sending hours.

    Example: briefcast catch-up national-panel-2020 --dry-run
    """
    from briefcast.delivery.catch_up import pending, plan_due
    from briefcast.store.schema import utcnow

    ctx = command_context()
    now = utcnow()
    if dry_run:
        waiting = pending(ctx.engine, campaign, now)
        if as_json:
            print_json([_plain(p) for p in waiting], key="catch_ups")
        else:
            _table(campaign, waiting, now)
        return
    engine = ctx.open_database(create=True)
    plan_due(engine, ctx.settings, now, actor=ctx.actor, name=campaign)
    sent = _send_planned(engine, ctx.settings, campaign)
    click.echo(
        f"{campaign}: {sent} catch-up message(s) sent"
        if sent
        else f"{campaign}: no catch-up is due now"
    )
    _unknown_left(engine, campaign)


def _unknown_left(engine, campaign: str) -> None:  # type: ignore[no-untyped-def]
    """The campaign's catch-up messages whose outcome is unknown, and how a person resends them."""
    from briefcast.cli.sending import unknown_left
    from briefcast.store import campaigns as store
    from briefcast.store.catch_up import catch_up_ids
    from briefcast.store.engine import read

    with read(engine) as conn:
        record = store.find_campaign(conn, campaign)
        ids = list(catch_up_ids(conn, record.id)) if record else []
    unknown_left(engine, campaign, None, ids)


def _send_planned(engine, settings, campaign: str) -> int:  # type: ignore[no-untyped-def]
    from briefcast.delivery.sender import send_issue
    from briefcast.delivery.transports import open_transport
    from briefcast.scheduler import job_store, reconcile
    from briefcast.store import campaigns as store
    from briefcast.store.catch_up import catch_ups_to_send
    from briefcast.store.engine import read
    from briefcast.store.schema import utcnow

    with read(engine) as conn:
        record = store.find_campaign(conn, campaign)
        ids = catch_ups_to_send(conn, record.id) if record else []
    sent = 0
    for issue_id in ids:
        report = send_issue(
            engine,
            issue_id,
            open_transport(settings),
            settings,
            worker_id=f"{settings.worker_id}:catch-up",
            actor=command_context().actor,
        )
        sent += report.counts.sent
        if report.paused_reason:
            click.echo(f"{campaign}: a catch-up paused: {report.paused_reason}")
    if ids:
        with job_store(engine, settings) as scheduler:
            reconcile(scheduler, engine, now=utcnow())  # a sent catch-up needs no job
    return sent


def _plain(item):  # type: ignore[no-untyped-def]
    return {
        "address": item.address,
        "list": item.list_slug,
        "joined_at": item.joined_at,
        "mode": item.mode,
        "issues": list(item.numbers),
        "due": item.due,
    }


def _table(campaign: str, waiting, now) -> None:  # type: ignore[no-untyped-def]
    if not waiting:
        click.echo(f"{campaign}: nobody is waiting for a catch-up")
        return
    table = Table(title=f"{escape(campaign)}: catch-ups to come")
    for column in ("person", "list", "joined", "gets", "when"):
        table.add_column(column)
    zone = ZoneInfo("UTC")
    for item in waiting:
        parts = ", ".join(str(n) for n in item.numbers)
        what = f"a digest of parts {parts}" if item.mode == "digest" else f"part {parts} again"
        when = "now" if item.due <= now else f"{item.due.astimezone(zone):%Y-%m-%d %H:%M} UTC"
        table.add_row(
            escape(item.address),
            escape(item.list_slug),
            f"{item.joined_at.astimezone(zone):%Y-%m-%d %H:%M}",
            what,
            when,
        )
    console.print(table)
