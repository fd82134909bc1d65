"""The worker process (`briefcast worker`): due issues sent, its scheduler led or left to another.

The jobs and the job store it runs are scheduler.py's; this is the process around them: locks
and leadership (store/locks.py), the poll that joins issues being sent, stopping cleanly on
SIGTERM, and one issue's send (delivery/sender.py) with what its outcome means for the next try.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from sqlalchemy import Engine

from briefcast.delivery.windows import LatePolicy
from briefcast.errors import BriefcastError
from briefcast.scheduler import (
    INTERNAL,
    add_job,
    issue_label,
    issue_of_job,
    log,
    log_time,
    make_scheduler,
    mark_missed,
    reconcile,
)
from briefcast.settings import Settings
from briefcast.store import campaigns as store
from briefcast.store import issue_states
from briefcast.store.engine import read
from briefcast.store.schema import IssueState, utcnow

_current: Worker | None = None  # the worker of this process, which the jobs run for


def run_due_issue(issue_id: int) -> None:
    """What the job function (scheduler.run_issue) does: send the issue through this process's
    worker."""
    worker = _current
    if worker is None:  # run by some other scheduler: set ourselves up from the environment
        worker = Worker(Settings.from_env())
    worker.run_issue(issue_id)


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
        issue_id = issue_of_job(event.job_id)
        if issue_id is not None:
            with self._lock:
                self._running.add(issue_id)

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
                log_time(report.waiting_until),
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
