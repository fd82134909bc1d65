"""The send loop: work an issue's ledger rows through a transport, each person once.

    send_issue(engine, issue_id, transport, settings, worker_id="worker-1") -> SendReport

Exactly once, and the bound after a crash: a row's outcome is committed after the transport
accepted it and before the next message can be accepted (one commit per message: begun when the
relay accepts the message, finished with the next message's reservation under a limit, else by
the transport's `meanwhile` just before the next message's data), and a SENT row is never
claimed again. So re-runs,
restarts and re-schedules never repeat a recorded message. After a hard crash (kill -9) the only
message that can go twice is the one in flight at that moment, at most one per open connection
(BRIEFCAST_SMTP_CONNECTIONS per worker, delivery/connections.py): it was handed over but its
outcome not yet recorded, so the row is still SENDING, and the restarted worker returns it to
the queue and sends it. A message handed over whole that got no answer (the relay stalled or
dropped the connection after the final `.`) may have arrived: its row is UNKNOWN and is never
sent again unless a person says so (`send-now --resend-unknown`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from briefcast.delivery.connections import more_transports, side_by_side
from briefcast.delivery.limits import RateLimiter
from briefcast.delivery.message import MessageError
from briefcast.delivery.outgoing import IssueMessages
from briefcast.delivery.send_loop import SendRun
from briefcast.delivery.send_policy import DEFAULT_RETRY, PAUSED_BY_LOOP, RetryPolicy, SendReport
from briefcast.delivery.tokens import Signer, signing_key
from briefcast.delivery.transports.base import Transport
from briefcast.settings import Settings
from briefcast.store import issue_states, ledger
from briefcast.store.audit import Actor
from briefcast.store.engine import read, write
from briefcast.store.ledger import DeliveryCounts
from briefcast.store.schema import IssueState, utcnow

# The loop's terms are in send_policy.py, the loop in send_loop.py; callers import them from here.
__all__ = ["PAUSED_BY_LOOP", "RetryPolicy", "SendReport", "send_issue"]


def send_issue(
    engine: Engine,
    issue_id: int,
    transport: Transport,
    settings: Settings,
    *,
    worker_id: str,
    stop: threading.Event | None = None,
    progress: Callable[[DeliveryCounts], None] | None = None,
    progress_every: float = 1.0,
    clock: Callable[[], datetime] = utcnow,
    sleep: Callable[[float], None] = time.sleep,
    retry: RetryPolicy = DEFAULT_RETRY,
    limiter: RateLimiter | None = None,
    actor: Actor | None = None,
) -> SendReport:
    """Send one issue: resolve its audience (the first time), then every row not yet final.

    Call it to send: it starts from any state but sent and cancelled (whether a paused or missed
    issue should go is the caller's decision). It returns when every row is final (the issue is
    then SENT), when `stop` is set (the message in flight finishes and is recorded first), when
    the issue is paused (by a person, or by the loop after an authentication failure or a run of
    failures) or cancelled, or when the rest cannot go before `waiting_until`. Run it again at
    any time: it continues where the ledger says, and never repeats a row recorded as sent.
    `worker_id` must be stable across restarts of the same worker, so its own abandoned claims
    are taken back at once. `progress` is called with the counts at most every `progress_every`
    seconds, between batches (counting costs a scan of the issue's rows), and at the end.
    `clock` and `sleep` are injectable for tests. `actor` is who started it, for the audit
    trail (a person's send-now); by default, and for the loop's own moves (finishing, pausing
    on failures), the process `worker <worker_id>`.
    """
    loop_actor = issue_states.worker_actor(worker_id)
    stop = stop or threading.Event()

    def new_run(transport: Transport, number: int, stop: threading.Event) -> SendRun:
        return SendRun(
            engine=engine,
            issue_id=issue_id,
            transport=transport,
            worker_id=ledger.connection_id(worker_id, number),
            actor=loop_actor,
            stop=stop,
            progress=progress if number == 1 else None,
            progress_every=progress_every,
            clock=clock,
            sleep=sleep,
            retry=retry,
            limiter=limiter or RateLimiter(settings.limits),
        )

    run = new_run(transport, 1, stop)
    with read(engine) as conn:
        issue = ledger.load_issue(conn, issue_id)
    if issue.state in issue_states.FINAL:
        reason = None if issue.state is IssueState.SENT else issue.state_reason or "cancelled"
        return run.report(paused_reason=reason)
    with write(engine) as conn:
        signer = Signer(signing_key(conn, settings.secret_key))
    # Made before anything changes, so a bad DKIM key or sender is one error with nothing done;
    # the issue is paused with that reason, so `status` says it, instead of the worker trying
    # (and logging) again every few seconds while the issue looks scheduled.
    try:
        run.messages = IssueMessages(issue, settings, signer)
    except MessageError as error:
        reason = f"{PAUSED_BY_LOOP}its messages cannot be built: {error}"
        with write(engine) as conn:
            issue_states.transition(
                conn,
                issue_id,
                IssueState.PAUSED,
                actor=actor or loop_actor,
                reason=reason,
                only_from=(IssueState.SCHEDULED, IssueState.SENDING),
            )
        return run.report(paused_reason=reason)
    # Each transaction that writes starts with a write: on SQLite (WAL) a transaction that read
    # first cannot always be upgraded to a writer while another connection writes.
    with write(engine) as conn:
        if not ledger.start_sending(conn, issue_id, clock(), actor=actor or loop_actor):
            return run.report(paused_reason="cancelled")  # sent or cancelled just now
        if issue.audience_size is None:
            ledger.resolve_audience(conn, issue_id)
        ledger.requeue_abandoned(
            conn, issue_id, worker_id=worker_id, claimed_before=clock() - retry.lease
        )
    transports = [transport, *more_transports(transport, settings)]
    try:
        if len(transports) > 1:
            # One loop per connection until each ends; then this one, alone, has the last word:
            # it finishes the issue (or says what it waits for) with every connection's rows final.
            halt = threading.Event()
            runs = [new_run(t, n, halt) for n, t in enumerate(transports, start=1)]
            for each in runs:
                each.messages = run.messages
            side_by_side([each.run for each in runs], stop, halt, _ends_all)
        return run.run()
    finally:
        for each in transports:
            each.close()


def _ends_all(report: SendReport) -> bool:
    """A connection found the issue paused or cancelled (by the loop when the relay refused us,
    or by a person): the others stop after their message in flight, not at their next batch."""
    return report.paused_reason is not None
