"""Rate limits counted from the ledger: per minute (measured at a real server), per day across
restarts and issues, and the expected finish that `status` shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ledger_rows import add_issue_for, add_list, add_people, people
from sqlalchemy import select, update

from briefcast.delivery.limits import DAY, MARGIN, expected_finish
from briefcast.delivery.sender import send_issue
from briefcast.delivery.transports.memory import MemoryTransport
from briefcast.delivery.transports.smtp import SmtpTransport
from briefcast.settings import RateLimits, Settings
from briefcast.store import open_database
from briefcast.store.audit import Actor
from briefcast.store.ledger import DeliveryCounts, resolve_audience, start_sending
from briefcast.store.schema import IssueState, deliveries, issues

T0 = datetime(2027, 4, 13, 8, 30, tzinfo=UTC)


class FakeTime:
    """A clock that only moves when the loop sleeps (or the test says so)."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make_settings(database_url: str, tmp_path: Path, limits: RateLimits, **changes) -> Settings:
    values: dict = dict(
        database_url=database_url,
        outbox=tmp_path / "outbox",
        base_url="https://briefcast.example.org",
        transport="memory",
        limits=limits,
    )
    return Settings(**{**values, **changes})


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    start, most = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] > window:
            start += 1
        most = max(most, end - start + 1)
    return most


def attempt_times(engine) -> list[float]:
    with engine.connect() as conn:
        values = conn.execute(select(deliveries.c.attempted_at)).scalars()
        return [value.replace(tzinfo=UTC).timestamp() for value in values if value is not None]


@pytest.mark.slow
def test_the_per_minute_limit_holds_at_the_server(smtp_server, tmp_path):
    """Real time, a real server: 30 messages under 20 a minute take one minute, never 21 in 60 s.

    The one test that waits a real minute, so on SQLite only: the counting is the same SQL on
    PostgreSQL, where the fake-clock tests below cover it.
    """
    database_url = f"sqlite:///{tmp_path / 'briefcast.db'}"
    engine = open_database(database_url)
    add_list(engine, "police")
    add_people(engine, "police", people(30))
    issue_id = add_issue_for(engine, ["police"])
    smtp = smtp_server.settings()
    settings = make_settings(
        database_url, tmp_path, RateLimits(per_minute=20), transport="smtp", smtp=smtp
    )
    report = send_issue(engine, issue_id, SmtpTransport(smtp), settings, worker_id="w1")

    assert report.counts == DeliveryCounts(sent=30)
    arrivals = sorted(message.received_at for message in smtp_server.messages())
    assert len(arrivals) == 30
    assert most_in_any_window(arrivals, 60.0) <= 20
    assert arrivals[20] - arrivals[0] >= 60.0  # the limit did hold the 21st back
    assert arrivals[19] - arrivals[0] < 30.0  # and the first 20 went at once
    engine.dispose()


def test_the_minute_is_counted_from_the_ledger(engine, tmp_path, database_url):
    add_list(engine, "police")
    add_people(engine, "police", people(12))
    issue_id = add_issue_for(engine, ["police"])
    time = FakeTime(T0)
    settings = make_settings(database_url, tmp_path, RateLimits(per_minute=5))
    report = send_issue(
        engine,
        issue_id,
        MemoryTransport(),
        settings,
        worker_id="w1",
        clock=time.clock,
        sleep=time.sleep,
    )
    assert report.counts == DeliveryCounts(sent=12)
    times = attempt_times(engine)
    assert most_in_any_window(times, 60.0) == 5
    assert time.now - T0 >= 2 * (timedelta(seconds=60) + MARGIN)  # two full windows waited


def test_the_daily_cap_carries_over_a_restart(engine, tmp_path, database_url):
    add_list(engine, "police")
    add_people(engine, "police", people(25))
    first = add_issue_for(engine, ["police"])
    second = add_issue_for(engine, ["police"], number=2)
    settings = make_settings(database_url, tmp_path, RateLimits(per_day=10))
    time = FakeTime(T0)

    def send(issue_id, database=engine):
        transport = MemoryTransport()
        report = send_issue(
            database,
            issue_id,
            transport,
            settings,
            worker_id="w1",
            clock=time.clock,
            sleep=time.sleep,
        )
        return report, len(transport.outbox)

    report, sent = send(first)
    assert sent == 10 and report.counts == DeliveryCounts(queued=15, sent=10)
    assert report.waiting_until == T0 + DAY + MARGIN

    # A new process (a new engine) an hour later: the ledger still remembers the day.
    time.now = T0 + timedelta(hours=1)
    restarted = open_database(database_url)
    try:
        report, sent = send(first, restarted)
        assert sent == 0 and report.waiting_until == T0 + DAY + MARGIN
        report, sent = send(second, restarted)  # the cap is the relay's, across every issue
        assert sent == 0 and report.counts == DeliveryCounts(queued=25)
    finally:
        restarted.dispose()
    with engine.connect() as conn:
        state = conn.execute(select(issues.c.state).where(issues.c.id == first)).scalar_one()
    assert state == IssueState.SENDING.value  # still going, waiting for the day to free

    time.now = report.waiting_until
    report, sent = send(first)
    assert sent == 10 and report.counts == DeliveryCounts(queued=5, sent=10 + 10)
    time.now = report.waiting_until
    report, sent = send(first)
    assert sent == 5 and report.counts == DeliveryCounts(sent=25) and report.waiting_until is None


@pytest.fixture
def queued_issue(engine):
    add_list(engine, "police")
    add_people(engine, "police", people(25))
    issue_id = add_issue_for(engine, ["police"])
    with engine.begin() as conn:
        start_sending(conn, issue_id, T0, actor=Actor.process("worker w1"))
        resolve_audience(conn, issue_id)
    return issue_id


def finish(engine, issue_id, limits, now=T0):
    with engine.connect() as conn:
        return expected_finish(conn, issue_id, limits, now)


def test_expected_finish(engine, queued_issue):
    assert finish(engine, queued_issue, RateLimits()) is None
    assert finish(engine, queued_issue, RateLimits(per_minute=10)) == T0 + timedelta(minutes=3)
    # Within the day's allowance: the minute limit decides.
    assert finish(engine, queued_issue, RateLimits(per_minute=10, per_day=100)) == (
        T0 + timedelta(minutes=3)
    )
    # 10 a day, 10 already attempted at T0: the 25 go on days 1, 2 and 3 after it.
    with engine.begin() as conn:
        conn.execute(update(deliveries).where(deliveries.c.id <= 10).values(attempted_at=T0))
        conn.execute(update(deliveries).where(deliveries.c.id > 25))
    assert finish(engine, queued_issue, RateLimits(per_day=10)) == T0 + 3 * DAY
    assert finish(engine, queued_issue, RateLimits(per_minute=5, per_day=10)) == (
        T0 + 3 * DAY + timedelta(minutes=1)
    )
