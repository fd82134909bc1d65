"""A message the relay took whole but never answered (issue 18, "Outcome unknown"): its row ends
`unknown`, `status` and `send-now` say so and what to do, a re-run (send-now, the worker) leaves
it, and a person's `send-now --resend-unknown` sends it once more, audited. Through the real
commands, against a real SMTP server (tests/smtp_server.py) that reads the whole message for
one recipient and then drops the connection or stays silent; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

import pytest
from click.testing import CliRunner
from scheduling import import_people, outbox_environ, write_campaign
from smtp_server import Faults

from briefcast.cli import app
from briefcast.store import open_database

NAME = "spring-briefing"
SILENT = "person1.police@example.org"
RESEND = f"briefcast send-now {NAME} --issue 1 --resend-unknown"


@pytest.fixture
def world(database_url, tmp_path):
    engine = open_database(database_url)
    people = import_people(engine, tmp_path)
    engine.dispose()
    return database_url, people


def invoke(env, *args: str, code: int = 0):
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == code, result.output
    return result.output


def counts(env) -> tuple[str, dict[str, int]]:
    (issue,) = json.loads(invoke(env, "status", NAME, "--issue", "1", "--json"))["campaigns"][0][
        "issues"
    ]
    return issue["state"], issue["counts"]


def received(server) -> Counter:
    return Counter(message.rcpt_tos[0] for message in server.messages())


@pytest.mark.parametrize("silence", ["drop", "stall"])
def test_unknown_is_kept_shown_left_and_resent_only_when_asked(
    world, faulty_smtp_server, tmp_path, silence
):
    database_url, people = world
    server = faulty_smtp_server(Faults(unanswered={SILENT: silence}, stall_seconds=3))
    env = {
        **outbox_environ(database_url, tmp_path),
        **server.environ(),
        "BRIEFCAST_SMTP_TIMEOUT": "1",
        "BRIEFCAST_ACTOR": "Alex Example",
    }
    campaign = str(write_campaign(tmp_path))
    invoke(env, "schedule", campaign, "--approved-by", "Sam Approver")

    output = invoke(env, "send-now", NAME, "--issue", "1")  # exit 0: the issue is finished
    assert f"done (sent {people - 1}, failed 0, bounced 0, unknown 1)" in output
    assert "1 message(s) with an unknown outcome" in output and RESEND in output
    assert received(server)[SILENT] == 1 and sum(received(server).values()) == people
    state, numbers = counts(env)
    assert state == "sent" and numbers["unknown"] == 1 and numbers["sent"] == people - 1
    text = invoke(env, "status", NAME)
    assert "1 message(s) with an unknown outcome" in text and RESEND in text
    the_report(env, tmp_path, people)

    # Nothing sends it again by itself: not send-now, not the worker.
    server.set_faults(Faults())
    assert "already sent; nothing to send" in invoke(env, "send-now", NAME, "--issue", "1")
    invoke(env, "worker", "--once")
    assert received(server)[SILENT] == 1
    assert counts(env) == (state, numbers)

    # A person decides: sent once more, exactly once.
    output = invoke(env, "send-now", NAME, "--issue", "1", "--resend-unknown")
    assert "1 message(s) whose outcome was unknown queued again" in output
    assert f"done (sent {people}, failed 0, bounced 0)" in output
    assert received(server)[SILENT] == 2 and sum(received(server).values()) == people + 1
    state, numbers = counts(env)
    assert state == "sent" and numbers["unknown"] == 0 and numbers["sent"] == people
    output = invoke(env, "send-now", NAME, "--issue", "1", "--resend-unknown")
    assert "no message's outcome is unknown" in output
    assert sum(received(server).values()) == people + 1

    history = json.loads(invoke(env, "status", NAME, "--issue", "1", "--history", "--json"))
    resent = [e for e in history["history"] if e["action"] == "issue.unknown_resent"]
    assert [(e["actor"], e["details"]) for e in resent] == [("Alex Example", {"rows": 1})]
    reopened = [e for e in history["history"] if (e["from"], e["to"]) == ("sent", "sending")]
    assert [e["actor"] for e in reopened] == ["Alex Example"]


def the_report(env, tmp_path, people: int) -> None:
    """The report's JSON, CSV and HTML count the unknown outcome and say what it means; the
    per-person detail shows it as that person's status."""
    document = json.loads(invoke(env, "report", NAME, "--format", "json", "--detail"))
    assert document["totals"]["unknown"] == 1 and document["totals"]["sent"] == people - 1
    assert document["issues"][0]["unknown"] == 1
    assert "resend-unknown" in document["definitions"]["unknown"]
    statuses = {person["address"]: person["status"] for person in document["people"]}
    assert statuses[SILENT] == "unknown"
    assert Counter(statuses.values()) == Counter({"sent": people - 1, "unknown": 1})
    rows = list(csv.DictReader(io.StringIO(invoke(env, "report", NAME, "--format", "csv"))))
    total = next(row for row in rows if row["section"] == "total")
    assert total["unknown"] == "1"
    out = tmp_path / "report.html"
    invoke(env, "report", NAME, "--out", str(out))
    html = out.read_text(encoding="utf-8")
    assert "Outcome unknown</th>" in html
    assert '<p class="note" id="unknown-note"><strong>1 message(s) with an unknown outcome' in html
