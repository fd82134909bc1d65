"""APScheduler wiring: a job per planned issue, kept matching the issues table; the job function.

The issues table is the truth about what is due; the job store (APScheduler's SQLAlchemy store, on
the same database) is an index of it that tells the worker when to wake. `reconcile` makes the
index match the truth: a lost job is re-created, a job for an issue that was paused, cancelled or
sent is removed, and an issue whose time passed while no worker ran is judged by the missed-window
policy (delivery/windows.py). The worker (worker.py) reconciles when it starts and every few
seconds after (so changes made by the commands in another process are picked up), and each job
only says "issue N is due": the send loop works from the ledger, so a job run twice never sends
twice.

Run the worker with `briefcast worker` or `python scheduler.py`.
"""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import Engine

from briefcast.delivery.windows import LatePolicy
from briefcast.errors import BriefcastError
from briefcast.settings import Settings
from briefcast.store import campaigns as store
from briefcast.store import issue_states
from briefcast.store.audit import Actor
from briefcast.store.campaigns import IssueRecord
from briefcast.store.engine import read, write
from briefcast.store.schema import IssueState, utcnow

log = logging.getLogger("briefcast.worker")

JOB_FUNCTION = "briefcast.scheduler:run_issue"  # by reference: what the job store keeps
ISSUES = "default"  # the persistent job store: one job per issue
INTERNAL = "internal"  # in memory: the worker's own periodic reconcile
SAME_TIME = timedelta(seconds=1)  # the job store keeps times as floats
JOB_PREFIX = "issue:"  # an issue's job is "issue:<id>"


def job_id(issue_id: int) -> str:
    """Stable: the same issue always has the same job, so re-adding one replaces it."""
    return f"{JOB_PREFIX}{issue_id}"


def issue_of_job(job: str) -> int | None:
    """The issue a job is for; None for the worker's own jobs (the reconcile, the bounces)."""
    return int(job.removeprefix(JOB_PREFIX)) if job.startswith(JOB_PREFIX) else None


class _Scheduler(BackgroundScheduler):
    """APScheduler's background scheduler, minus one surprise: on shutdown its thread wakes and
    looks for due jobs once more (the state is then "stopped", not "paused"), so a job store
    opened paused by a command would start a due job. Only a running scheduler runs jobs."""

    def _process_jobs(self) -> float | None:
        if self.state != STATE_RUNNING:
            return None
        return super()._process_jobs()


def make_scheduler(engine: Engine, settings: Settings) -> BackgroundScheduler:
    return _Scheduler(
        jobstores={ISSUES: SQLAlchemyJobStore(engine=engine), INTERNAL: MemoryJobStore()},
        # The reconcile has a thread of its own: four issues sending at once must not hold it up.
        executors={
            "default": {"type": "threadpool", "max_workers": 4},
            INTERNAL: {"type": "threadpool", "max_workers": 1},
        },
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            # Our own policy (delivery/windows.py) decides first; this is the backstop.
            "misfire_grace_time": max(1, int(settings.grace_period.total_seconds())),
        },
        timezone=UTC,
    )


@contextmanager
def job_store(engine: Engine, settings: Settings) -> Iterator[BackgroundScheduler]:
    """The job store, for a command to update: a scheduler started paused, so it runs nothing."""
    scheduler = make_scheduler(engine, settings)
    scheduler.start(paused=True)
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)


def sync_jobs(engine: Engine, settings: Settings) -> None:
    """After a command changed issues: make the job store match (the worker does the rest)."""
    with job_store(engine, settings) as scheduler:
        reconcile(scheduler, engine, now=utcnow())


def reconcile(
    scheduler: BackgroundScheduler,
    engine: Engine,
    *,
    now: datetime,
    policy: LatePolicy | None = None,
    resume_sending: bool = False,
    running: frozenset[int] = frozenset(),
    actor: Actor | None = None,
) -> None:
    """Make the job store match the issues table.

    Scheduled issues get a job at their time; with a `policy`, one already late is sent now if
    the policy allows, else marked missed. With `resume_sending`, an issue left sending (a crash,
    a kill) gets a job now; the ledger makes that exactly-once. Issues in `running` are being
    sent by this process and are left alone. `actor` marks issues missed (default: this host's
    worker).
    """
    with read(engine) as conn:
        due = store.issues_in_states(conn, (IssueState.SCHEDULED, IssueState.SENDING))
        names = {c.id: c for c in store.all_campaigns(conn)}
    jobs = {job.id: job for job in scheduler.get_jobs(jobstore=ISSUES)}
    actor = actor or issue_states.worker_actor(socket.gethostname())
    wanted: set[str] = set()
    for issue in due:
        campaign = names[issue.campaign_id]
        label = issue_label(campaign.name, issue.number)
        wanted.add(job_id(issue.id))
        if issue.id in running:
            continue
        job = jobs.get(job_id(issue.id))
        if issue.state is IssueState.SENDING:
            if job is None and resume_sending:
                log.info("%s: left sending (the worker stopped); resuming", label)
                add_job(scheduler, issue.id, now, label)
            continue
        run_at = issue.planned_at
        if policy is not None and run_at <= now:
            reason = policy.missed_reason(run_at, now, campaign.timezone)
            if reason:
                mark_missed(engine, issue, campaign.name, reason, actor=actor)
                wanted.discard(job_id(issue.id))
                continue
        if job is None:
            if policy is not None:  # only the worker reports it: a command re-creates silently
                log.info("%s: no job for it; made one for %s", label, log_time(run_at))
            add_job(scheduler, issue.id, run_at, label)
        elif abs(job.next_run_time - run_at) > SAME_TIME:
            add_job(scheduler, issue.id, run_at, label)
    for stale in jobs.keys() - wanted:
        scheduler.remove_job(stale, jobstore=ISSUES)


def add_job(scheduler: BackgroundScheduler, issue_id: int, run_at: datetime, label: str) -> None:
    scheduler.add_job(
        JOB_FUNCTION,
        trigger=DateTrigger(run_date=run_at, timezone=UTC),
        args=(issue_id,),  # primitive arguments only: the job outlives this process
        id=job_id(issue_id),
        name=label,
        jobstore=ISSUES,
        replace_existing=True,
    )


def mark_missed(
    engine: Engine, issue: IssueRecord, campaign: str, reason: str, *, actor: Actor
) -> None:
    with write(engine) as conn:
        # Only a scheduled issue can be missed (the table says so).
        moved = issue_states.transition(
            conn, issue.id, IssueState.MISSED, actor=actor, reason=reason
        )
    if moved:
        way = f"resume {campaign} --issue {issue.number}"
        if issue.number < 0:  # a catch-up: `catch-up NAME` sends its missed ones
            way = f"catch-up {campaign}"
        log.warning(
            "%s: missed: %s; `briefcast %s` sends it now",
            issue_label(campaign, issue.number),
            reason,
            way,
        )


def issue_label(campaign: str, number: int) -> str:
    # Catch-ups are numbered -1, -2, ... (store/schema.py): say which they are in the log.
    return f"{campaign} issue {number}" if number > 0 else f"{campaign} catch-up {-number}"


def log_time(moment: datetime) -> str:
    """A moment as the worker's log lines write it: in UTC, to the second."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


# -- the job -----------------------------------------------------------------------------------


def run_issue(issue_id: int) -> None:
    """The job function: issue `issue_id` is due. Sends it through this process's worker.

    It stays here, by this name: every job in a job store names it (JOB_FUNCTION)."""
    from briefcast.worker import run_due_issue

    run_due_issue(issue_id)


# -- the process -------------------------------------------------------------------------------


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (a test runner swaps it per command)."""

    @property
    def stream(self):  # type: ignore[no-untyped-def,override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:  # type: ignore[no-untyped-def]
        pass


def configure_logging() -> None:
    """One line per event on stderr, for the worker's and APScheduler's loggers only (the root
    logger is left alone: Alembic and others stay quiet); APScheduler only when it matters."""
    for name, level in ((log.name, logging.INFO), ("apscheduler", logging.WARNING)):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.propagate = False
        if not any(isinstance(handler, _StderrHandler) for handler in logger.handlers):
            handler = _StderrHandler()
            handler.setFormatter(
                logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S")
            )
            logger.addHandler(handler)


def main() -> int:
    """`python scheduler.py`: the worker, with settings from the environment."""
    from briefcast.worker import Worker

    configure_logging()
    try:
        worker = Worker(Settings.from_env())
    except BriefcastError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    worker.run_forever()
    return 0


if __name__ == "__main__":
    # Through the package, so the jobs' function reference (briefcast.scheduler:run_issue) is
    # this module's, not __main__'s.
    from briefcast.scheduler import main as package_main

    sys.exit(package_main())
