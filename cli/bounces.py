"""`briefcast bounces ...`: delivery reports read back from the sending mailbox."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from briefcast.cli.app import app, console, print_json
from briefcast.cli.context import command_context


@app.group()
def bounces() -> None:
    """Delivery reports (bounces) in the sending mailbox: read them, see what they did.

    Example: briefcast bounces fetch
    """


@bounces.command("fetch")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead.")
def fetch(as_json: bool) -> None:
    """Read new delivery reports (IMAP or Graph) and act on them; read ones go to the done folder.

    Addresses that do not exist are suppressed on every list; organisations refusing outside
    senders are flagged; our own quota or a block pauses sending. The worker does this every
    few minutes too.

    Example: briefcast bounces fetch --json
    """
    from briefcast.bounces.fetch import fetch_bounces, mailbox_token

    ctx = command_context()
    engine = ctx.open_database(create=True)
    token = mailbox_token(ctx.settings)
    report = fetch_bounces(engine, ctx.settings.bounces, token=token, actor=ctx.actor)
    if as_json:
        print_json(report)
        return
    click.echo(
        f"{report.reports} delivery report(s) read, {report.auto_replies} automatic "
        f"repl(ies) ignored, {report.left} other message(s) left for a person"
    )
    for outcome in report.outcomes:
        where = (
            f" ({outcome.campaign} issue {outcome.issue}, list {outcome.list_slug})"
            if outcome.campaign
            else ""
        )
        click.echo(f"  {outcome.recipient} {outcome.code or '(no code)'}{where}: {outcome.message}")


@bounces.command("list")
@click.option("--unmatched", is_flag=True, help="Only the reports that matched no message.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead.")
def list_reports(unmatched: bool, as_json: bool) -> None:
    """The latest delivery reports read, newest first, and what each did.

    Example: briefcast bounces list --unmatched
    """
    from briefcast.bounces.review import recent_reports

    found = recent_reports(command_context().engine, unmatched_only=unmatched)
    if as_json:
        print_json(found, key="reports")
        return
    if not found:
        click.echo("No delivery reports have been read yet.")
        return
    table = Table(box=None)
    for name in ("read", "recipient", "code", "did", "campaign", "list", "server said"):
        table.add_column(name, overflow="fold")
    for entry in found:
        table.add_row(
            f"{entry.at:%Y-%m-%d %H:%M}",
            escape(entry.recipient),
            entry.status_code or "",
            entry.action,
            escape(f"{entry.campaign} #{entry.issue_number}") if entry.campaign else "",
            escape(entry.list_slug or ""),
            escape((entry.diagnostic or "")[:120]),
        )
    console.print(table)


@bounces.command("flags")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead.")
def flags(as_json: bool) -> None:
    """Lists and organisations whose mail server refuses our sender: they need allow-listing.

    Example: briefcast bounces flags
    """
    from briefcast.bounces.review import open_flags

    found = open_flags(command_context().engine)
    if as_json:
        print_json(found, key="flags")
        return
    if not found:
        click.echo("No list is flagged.")
        return
    for flag in found:
        click.echo(
            f"{flag.id}: list {flag.list_slug or '(deleted)'}, {flag.domain}"
            f"{' (' + flag.organisation + ')' if flag.organisation else ''}: "
            f"{flag.status_code}, {flag.reports} report(s) since {flag.first_seen_at:%Y-%m-%d}; "
            "ask their IT to allow our sending address, then `briefcast bounces resolve "
            f"{flag.id}`"
        )


@bounces.command("resolve")
@click.argument("flag_id", type=int)
def resolve(flag_id: int) -> None:
    """Close a flag once the organisation has allow-listed our sending address.

    Example: briefcast bounces resolve 3
    """
    from briefcast.bounces.review import resolve_flag

    ctx = command_context()
    resolve_flag(ctx.engine, flag_id, ctx.actor)
    click.echo(f"flag {flag_id} resolved")
