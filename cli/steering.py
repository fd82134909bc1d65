"""Steering a campaign by its name: pause, resume, cancel and reschedule its issues."""

from __future__ import annotations

import click

from briefcast.cli.app import app
from briefcast.cli.context import command_context
from briefcast.cli.delivery import ISSUE, ONE_ISSUE


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
