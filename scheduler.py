"""APScheduler wiring: a job per planned issue, and the worker that runs them (`briefcast worker`).

The issues table is the truth about what is due; the job store (APScheduler's SQLAlchemy store, on
the same database) is an index of it that tells the worker when to wake. `reconcile` makes the
index match the truth: a lost job is re-created, a job for an issue that was paused, cancelled or
sent is removed, and an issue whose time passed while no worker ran is judged by the missed-window
policy (delivery/windows.py). The worker reconciles when it starts and every few seconds after
(so changes made by the commands in another process are picked up), and each job only says
"issue N is due": the send loop works from the ledger, so a job run twice never sends twice.

Run it with `briefcast worker` or `python scheduler.py`.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
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


def job_id(issue_id: int) -> str:
    """Stable: the same issue always has the same job, so re-adding one replaces it."""
    return f"issue:{issue_id}"


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
                log.info("%s: no job for it; made one for %s", label, _when(run_at))
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


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


# -- the job -----------------------------------------------------------------------------------

_current: Worker | None = None  # the worker of this process, which the jobs run for


def run_issue(issue_id: int) -> None:
    """The job function: issue `issue_id` is due. Sends it through this process's worker."""
    worker = _current
    if worker is None:  # run by some other scheduler: set ourselves up from the environment
        worker = Worker(Settings.from_env())
    worker.run_issue(issue_id)


# -- the worker --------------------------------------------------------------------------------


class Worker:
    """Runs due issues: a scheduler over the job store, a stop event, and the send loop.

    Several workers can share a PostgreSQL database (store/locks.py): the one holding the
    scheduler lock runs the scheduler, which starts each issue when it is due (its state becomes
    sending); every worker, that one included, looks every `send_poll_seconds` for issues being
    sent and joins in, the ledger sharing out the rows (FOR UPDATE SKIP LOCKED). A worker made
    with `schedule=False` (`briefcast worker --no-scheduler`) only sends; the others keep trying
    for the scheduler lock, so one of them takes over within seconds when the leader dies.
    On SQLite there is one worker, and it leads.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        engine: Engine | None = None,
        open_transport: Callable[[Settings], object] | None = None,
        clock: Callable[[], datetime] = utcnow,
        poll_seconds: float = 15.0,
        schedule: bool = True,
        send_poll_seconds: float = 2.0,
    ) -> None:
        from briefcast.store import connect
        from briefcast.store.locks import WorkerLocks

        self.settings = settings
        self.engine = engine or connect(settings)
        self.policy = LatePolicy.from_settings(settings)
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.stop_event = threading.Event()
        self.id = settings.worker_id
        self.actor = issue_states.worker_actor(self.id)
        self._open_transport = open_transport
        self._running: set[int] = set()
        self._lock = threading.Lock()
        self.schedule = schedule
        self.send_poll_seconds = send_poll_seconds
        self.locks = WorkerLocks(self.engine, self.id)
        self.leading = False
        # Issues whose rest cannot go before a moment (retries, the daily cap): not joined till
        # then.
        self._waiting: dict[int, datetime] = {}
        self._senders = ThreadPoolExecutor(max_workers=4, thread_name_prefix="send")
        self._poller: threading.Thread | None = None
        self.scheduler = make_scheduler(self.engine, settings)
        # An issue counts as running from the moment its job is handed to the thread pool, so a
        # reconcile meanwhile does not make it a second job.
        self.scheduler.add_listener(self._on_submitted, EVENT_JOB_SUBMITTED)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Take this worker's locks (WorkerLockError if another worker excludes it), lead if
        the scheduler is free, and run in the background until stop()."""
        global _current
        _current = self
        self.locks.acquire()
        if self.schedule and self.locks.try_lead():
            self._lead()
        self._poller = threading.Thread(target=self._poll, name="send-poll", daemon=True)
        self._poller.start()
        role = "runs the scheduler" if self.leading else "sends only"
        if self.schedule and not self.leading:
            role = "sends; another worker runs the scheduler, this one takes over if it stops"
        log.info("worker %s started (transport %s): %s", self.id, self.settings.transport, role)

    def _lead(self) -> None:
        """Run the scheduler: reconcile (re-creating lost jobs, resuming issues left sending),
        then let due jobs run."""
        self.leading = True
        self.scheduler.start(paused=True)
        self.reconcile(resume_sending=True)
        self.scheduler.add_job(
            self.reconcile,
            "interval",
            # An issue left sending with no job (its job failed) is picked up again.
            kwargs={"resume_sending": True},
            seconds=self.poll_seconds,
            id="reconcile",
            jobstore=INTERNAL,
            executor=INTERNAL,
            replace_existing=True,
        )
        if self.settings.bounces is not None:  # delivery reports in the mailbox (bounces/)
            from briefcast.bounces.fetch import EVERY_MINUTES, fetch_in_worker, mailbox_token

            self.scheduler.add_job(
                fetch_in_worker,
                "interval",
                args=(self.engine, self.settings.bounces, mailbox_token(self.settings)),
                minutes=EVERY_MINUTES,
                next_run_time=datetime.now(UTC),  # a first look at once
                id="bounces",
                jobstore=INTERNAL,
                replace_existing=True,
            )
        self.scheduler.resume()

    def _step_down(self) -> None:
        """The scheduler lock was lost (its connection broke): stop scheduling at once; the
        sends under way go on, and the poll tries for the lock again."""
        self.leading = False
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = make_scheduler(self.engine, self.settings)
        self.scheduler.add_listener(self._on_submitted, EVENT_JOB_SUBMITTED)

    def stop(self) -> None:
        """Let in-flight messages finish, then shut the scheduler down."""
        global _current
        self.stop_event.set()
        if self._poller is not None:
            self._poller.join()
        if self.scheduler.running:
            # Not shutdown(wait=True): APScheduler 3 holds its job-store lock while it waits for
            # running jobs, and a reconcile running then waits for that lock: a deadlock. So
            # nothing new starts, and the issues being sent are waited for here instead (their
            # loops see stop_event and end after the message in flight).
            self.scheduler.shutdown(wait=False)
            self._wait_for_running_issues()
        self._senders.shutdown(wait=True)
        self.locks.release()
        if _current is self:
            _current = None
        log.info("worker %s stopped", self.id)

    # -- the poll: leadership, and issues being sent ---------------------------------------

    def _poll(self) -> None:
        while not self.stop_event.wait(self.send_poll_seconds):
            try:
                self.poll_once()
            except Exception as error:  # the database away for a moment: try again next time
                log.error("worker %s: poll failed: %s", self.id, str(error).splitlines()[0])

    def poll_once(self) -> None:
        """Keep or take the scheduler lock, and join every issue being sent."""
        if self.leading and not self.locks.still_leading():
            log.warning("worker %s: lost the scheduler lock; stops scheduling", self.id)
            self._step_down()
        elif self.schedule and not self.leading and self.locks.try_lead():
            log.info("worker %s: took over the scheduler", self.id)
            self._lead()
        with read(self.engine) as conn:  # SQLite: no write lock for a look
            sending = store.issues_in_states(conn, (IssueState.SENDING,))
        now = self.clock()
        for issue in sending:
            with self._lock:
                if issue.id in self._running or self._waiting.get(issue.id, now) > now:
                    continue
                self._running.add(issue.id)
            self._senders.submit(self.run_issue, issue.id)

    def run_forever(self) -> None:
        """`briefcast worker`: until SIGTERM or SIGINT, which let in-flight messages finish."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        self.start()
        try:
            while not self.stop_event.wait(1.0):
                pass
        finally:
            self.stop()

    def run_once(self) -> None:
        """`briefcast worker --once`: reconcile, send whatever is due now, and return. Without
        the scheduler (`--no-scheduler`, or another worker leads) only issues being sent."""
        global _current
        _current = self
        self.locks.acquire()
        lead = self.schedule and self.locks.try_lead()
        states = (IssueState.SCHEDULED, IssueState.SENDING) if lead else (IssueState.SENDING,)
        if lead:
            self.leading = True
            self.scheduler.start(paused=True)  # the job store only: nothing runs by itself
        try:
            if lead:
                self.reconcile(resume_sending=True)
            with read(self.engine) as conn:
                due = store.issues_in_states(conn, states)
            for issue in due:
                if issue.planned_at <= self.clock() and not self.stop_event.is_set():
                    self.run_issue(issue.id)
            if lead:
                self.reconcile()
        finally:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=False)
            self.leading = False
            self.locks.release()
            _current = None

    def _wait_for_running_issues(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._running:
                    return
            time.sleep(0.05)
        log.warning("stopping with issue(s) %s still being sent", sorted(self._running))

    def _on_submitted(self, event: JobSubmissionEvent) -> None:
        if event.job_id.startswith("issue:"):
            with self._lock:
                self._running.add(int(event.job_id.removeprefix("issue:")))

    def _on_signal(self, signum: int, _frame: object) -> None:
        log.info("%s: finishing messages in flight, then stopping", signal.Signals(signum).name)
        self.stop_event.set()

    def reconcile(self, *, resume_sending: bool = False) -> None:
        self.plan_catch_ups()  # first: a catch-up planned now gets its job from this reconcile
        with self._lock:
            running = frozenset(self._running)
        reconcile(
            self.scheduler,
            self.engine,
            now=self.clock(),
            policy=self.policy,
            resume_sending=resume_sending,
            running=running,
            actor=self.actor,
        )

    def plan_catch_ups(self) -> None:
        """Write the new starters' catch-ups that are due into the ledger (delivery/catch_up.py):
        each is then an issue scheduled now, sent like any other."""
        from briefcast.delivery.catch_up import plan_due

        try:
            made = plan_due(self.engine, self.settings, self.clock(), actor=self.actor)
        except Exception as error:  # never in the way of the series: its issues still go
            log.error(
                "catch-ups not planned: %s",
                str(error).splitlines()[0] if str(error) else type(error).__name__,
            )
            return
        if made:
            log.info("catch-ups planned for new starters: %d", len(made))

    # -- one issue ---------------------------------------------------------------------------

    def run_issue(self, issue_id: int) -> None:
        with self._lock:
            self._running.add(issue_id)
            self._waiting.pop(issue_id, None)
        try:
            self._run_issue(issue_id)
        except BriefcastError as error:  # expected: say it in one line
            log.error("issue %d: %s", issue_id, error)
        except Exception as error:  # unexpected: one line; the reconcile tries again later
            log.error(
                "issue %d: failed: %s: %s (the worker tries again on its next check; "
                "set BRIEFCAST_DEBUG=1 for the traceback)",
                issue_id,
                type(error).__name__,
                str(error).splitlines()[0] if str(error) else "",
                exc_info=self.settings.debug,
            )
        finally:
            with self._lock:
                self._running.discard(issue_id)

    def _run_issue(self, issue_id: int) -> None:
        from briefcast.delivery.sender import send_issue

        with read(self.engine) as conn:
            issue = store.issue_by_id(conn, issue_id)
            campaign = store.campaign_by_id(conn, issue.campaign_id) if issue else None
        if issue is None or campaign is None:
            log.info("issue %d: no longer exists; nothing to send", issue_id)
            return
        label = issue_label(campaign.name, issue.number)
        if issue.state is IssueState.SCHEDULED:
            reason = self.policy.missed_reason(issue.planned_at, self.clock(), campaign.timezone)
            if reason:
                mark_missed(self.engine, issue, campaign.name, reason, actor=self.actor)
                return
        elif issue.state is not IssueState.SENDING:
            log.info("%s: is %s; not sending it", label, issue.state.value)
            return
        log.info("%s: sending", label)
        # Not opened here: the send loop opens it, so a relay refusing us pauses the issue
        # with the reason instead of failing the job.
        transport = self.transport()
        try:
            report = send_issue(
                self.engine,
                issue_id,
                transport,
                self.settings,
                worker_id=self.id,
                stop=self.stop_event,
                clock=self.clock,
            )
        finally:
            transport.close()
        self._after(label, issue_id, report)

    def _after(self, label: str, issue_id: int, report) -> None:  # type: ignore[no-untyped-def]
        counts = report.counts
        summary = f"sent {counts.sent}, failed {counts.failed}, bounced {counts.bounced}"
        if report.paused_reason:
            log.warning("%s: paused: %s (%s)", label, report.paused_reason, summary)
        elif report.waiting_until and counts.queued == 0:
            log.info("%s: the last %d are being sent by other workers", label, counts.sending)
            with self._lock:
                self._waiting[issue_id] = report.waiting_until
        elif report.waiting_until:
            log.info(
                "%s: the daily limit is reached or retries wait; %d more from %s (%s)",
                label,
                counts.queued,
                _when(report.waiting_until),
                summary,
            )
            with self._lock:
                self._waiting[issue_id] = report.waiting_until
            if self.leading and self.scheduler.running and not self.stop_event.is_set():
                add_job(self.scheduler, issue_id, report.waiting_until, label)
        elif self.stop_event.is_set():
            log.info("%s: stopped with %d to send (%s)", label, counts.remaining, summary)
        else:
            log.info("%s: done (%s)", label, summary)

    def transport(self):  # type: ignore[no-untyped-def]
        if self._open_transport is not None:
            return self._open_transport(self.settings)
        from briefcast.delivery.transports import open_transport

        return open_transport(self.settings)


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
