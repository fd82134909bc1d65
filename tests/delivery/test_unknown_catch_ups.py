"""A catch-up message the relay took whole but never answered: `status` (text and --json), the
report and `catch-up` count it with the one wording, nothing resends it by itself, and a person's
`send-now NAME --catch-ups --resend-unknown` sends it once more, audited. Through the real
commands, against a real SMTP server that drops the connection after one new starter's message
(tests/smtp_server.py); on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from scheduling import import_people, outbox_environ, write_campaign
from smtp_server import Faults
from sqlalchemy import select, update

from briefcast.cli import app
from briefcast.delivery.status import UNKNOWN_MEANS
from briefcast.recipients.csv_import import import_list
from briefcast.store import open_database
from briefcast.store.schema import IssueKind, issues, memberships, recipients

NAME = "spring-briefing"
NOTE = "You joined partway through this series, so here is what went out before you arrived."
NEW = ("new1.police@example.org", "new2.police@example.org")
SILENT = NEW[0]
RESEND = f"briefcast send-now {NAME} --catch-ups --resend-unknown"


def invoke(env, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == code, result.output
    return result.output


def received(server) -> Counter:
    return Counter(message.rcpt_tos[0] for message in server.messages())


def catch_up_counts(env) -> dict:
    (campaign,) = json.loads(invoke(env, "status", NAME, "--json"))["campaigns"]
    return campaign["catch_ups"]


@pytest.fixture
def env(database_url, tmp_path, faulty_smtp_server):
    """Issue 1 sent to everyone three days ago; two people joined the police list two days ago,
    so each is due a catch-up digest of it (a day after joining)."""
    engine = open_database(database_url)
    people = import_people(engine, tmp_path)
    server = faulty_smtp_server(Faults())
    environ = {
        **outbox_environ(database_url, tmp_path),
        **server.environ(),
        "BRIEFCAST_SMTP_TIMEOUT": "1",
        "BRIEFCAST_SENDING_HOURS": "00:00-23:59",
        "BRIEFCAST_ACTOR": "Alex Example",
    }
    path = write_campaign(tmp_path)
    path.write_text(path.read_text(encoding="utf-8") + f"catch_up_note: {NOTE}\n", "utf-8")
    invoke(environ, "schedule", str(path), "--approved-by", "Sam Approver")
    invoke(environ, "send-now", NAME, "--issue", "1")
    assert sum(received(server).values()) == people
    now = datetime.now(UTC)
    joiners = tmp_path / "joiners.csv"
    joiners.write_text("email\n" + "\n".join(NEW) + "\n", encoding="utf-8")
    import_list(engine, joiners, "police")
    with engine.begin() as conn:  # set the clock back: the import and the send stamp real times
        conn.execute(
            update(issues)
            .where(issues.c.number == 1, issues.c.kind == IssueKind.ISSUE.value)
            .values(started_at=now - timedelta(days=3))
        )
        joined = select(recipients.c.id).where(recipients.c.address.in_(NEW))
        conn.execute(
            update(memberships)
            .where(memberships.c.recipient_id.in_(joined))
            .values(added_at=now - timedelta(days=2))
        )
    engine.dispose()
    yield environ, server, people


def test_a_catch_ups_unknown_outcome_is_shown_left_and_resent_only_when_asked(env, tmp_path):
    environ, server, people = env
    server.set_faults(Faults(unanswered={SILENT: "drop"}))
    output = invoke(environ, "catch-up", NAME)
    assert f"{NAME}: 1 catch-up message(s) sent" in output
    assert "1 message(s) with an unknown outcome" in output and RESEND in output
    assert [received(server)[address] for address in NEW] == [1, 1]

    assert catch_up_counts(environ)["unknown"] == 1
    text = invoke(environ, "status", NAME)
    assert f"catch-ups: 1 message(s) with an unknown outcome ({UNKNOWN_MEANS})" in text
    assert RESEND in text
    the_report(environ, tmp_path)

    # Nothing sends it again by itself: not send-now, not the worker, not `catch-up`.
    server.set_faults(Faults())
    output = invoke(environ, "send-now", NAME, "--catch-ups")
    assert "none planned and not yet sent; nothing to send" in output and RESEND in output
    invoke(environ, "worker", "--once")
    assert "no catch-up is due now" in invoke(environ, "catch-up", NAME)
    assert received(server)[SILENT] == 1 and catch_up_counts(environ)["unknown"] == 1

    # A person decides: sent once more, exactly once, to that one person.
    output = invoke(environ, "send-now", NAME, "--catch-ups", "--resend-unknown")
    assert f"{NAME} catch-ups: 1 message(s) whose outcome was unknown queued again" in output
    assert f"{NAME} catch-up 1: done (sent 2, failed 0, bounced 0)" in output
    assert [received(server)[address] for address in NEW] == [2, 1]
    assert sum(received(server).values()) == people + 3
    assert catch_up_counts(environ)["unknown"] == 0
    assert "unknown outcome" not in invoke(environ, "status", NAME)
    output = invoke(environ, "send-now", NAME, "--catch-ups", "--resend-unknown")
    assert "no message's outcome is unknown" in output
    assert sum(received(server).values()) == people + 3

    history = json.loads(invoke(environ, "status", NAME, "--history", "--json"))["history"]
    resent = [e for e in history if e["action"] == "issue.unknown_resent"]
    assert [(e["actor"], e["details"]) for e in resent] == [("Alex Example", {"rows": 1})]
    reopened = [e for e in history if (e["from"], e["to"]) == ("sent", "sending")]
    assert [e["actor"] for e in reopened] == ["Alex Example"]


def the_report(environ, tmp_path) -> None:
    """The catch-up's unknown outcome is counted apart from the issues' (whose totals count the
    series' own sending), with the definition that names how to resend it."""
    document = json.loads(invoke(environ, "report", NAME, "--format", "json"))
    assert document["catch_ups"] == {"unknown": 1} and document["totals"]["unknown"] == 0
    assert RESEND.replace(NAME, "CAMPAIGN") in document["definitions"]["unknown"]
    assert document["issues"][0]["reached_by_catch_up"] == 1  # the other one: unknown, not sent
    rows = list(csv.DictReader(io.StringIO(invoke(environ, "report", NAME, "--format", "csv"))))
    assert [row["unknown"] for row in rows if row["section"] == "catch-ups"] == ["1"]
    out = tmp_path / "report.html"
    invoke(environ, "report", NAME, "--out", str(out))
    html = out.read_text(encoding="utf-8")
    assert (
        '<p class="note" id="catch-up-unknown-note"><strong>1 catch-up message(s) with an '
        "unknown outcome:</strong>" in html
    )
    assert 'id="unknown-note"' not in html  # the issues' own: none


@pytest.mark.parametrize("options", [(), ("--issue", "1", "--catch-ups")], ids=["neither", "both"])
def test_send_now_takes_an_issue_or_the_catch_ups(env, options):
    environ, _server, _people = env
    output = invoke(environ, "send-now", NAME, *options, code=2)
    assert "give --issue N or --catch-ups (one of the two)" in output
