"""`briefcast demo`, the README's main job: lists imported, the series rendered, scheduled and
delivered to the outbox while its link pages are served, the report written, twice over in one
folder."""

import mailbox
import re
import socket
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from ledger_rows import database_contents
from markupsafe import escape
from seed import SEED_THEMES
from sqlalchemy import select
from starlette.testclient import TestClient

from briefcast.cli import app
from briefcast.cli.demo_pages import local_address, serving
from briefcast.settings import Settings
from briefcast.store import open_database
from briefcast.store.schema import campaigns, issues
from briefcast.web import create_app

ISSUES = 6


class _AfterTheExampleDates(datetime):
    """A clock past the example campaign's own dates (spring 2027): the demo must not expire."""

    @classmethod
    def now(cls, tz=None):  # type: ignore[no-untyped-def,override]
        return datetime(2031, 1, 7, 12, 0, tzinfo=tz or UTC)


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory) -> tuple[Path, str, str]:
    """The demo run twice in one fresh folder (issues a second apart), serving its pages the first
    time (unless port 8025 is busy) and not the second: (folder, first, second)."""
    folder = tmp_path_factory.mktemp("demo") / "demo"
    outputs = []
    with pytest.MonkeyPatch.context() as patch:
        for name in ("DATABASE_URL", "OUTBOX", "TRANSPORT", "BASE_URL", "SETTINGS", "SECRET_KEY"):
            patch.delenv(f"BRIEFCAST_{name}", raising=False)
        # The campaign checks see a date after the example's: the demo sends at its own times.
        patch.setattr("briefcast.campaigns.plan.datetime", _AfterTheExampleDates)
        for extra in ([], ["--no-serve"]):
            command = ["demo", "--dir", str(folder), "--every", "1", *extra]
            result = CliRunner().invoke(app, command)
            assert result.exit_code == 0, result.output
            outputs.append(result.output)
    return folder, outputs[0], outputs[1]


def _list_id_campaign(message) -> str:
    """'"Learning ..." <national-panel-2020-2.example.org>' -> 'national-panel-2020-2'."""
    return str(message["List-Id"]).rsplit("<", 1)[1].split(".example.org>")[0]


@pytest.mark.slow
def test_demo_imports_the_lists_and_previews_every_issue(demo_runs):
    folder, output, _second = demo_runs

    preview = folder / "preview"
    assert f"Preview: {preview / 'index.html'}" in output
    assert (folder / "var" / "briefcast.db").exists()
    pages = sorted(preview.glob("0*.html"))
    assert len(pages) == ISSUES
    assert len(sorted(preview.glob("0*.eml"))) == ISSUES
    html = " ".join(page.read_text(encoding="utf-8") for page in pages)
    text = " ".join(page.read_text(encoding="utf-8") for page in preview.glob("0*.txt"))
    for title in SEED_THEMES:
        assert title in html, title
        assert title in " ".join(text.split()), title
    for slug in ("children-social-care", "police", "health", "education", "early-help"):
        assert slug in output
    assert "problems" not in output  # every issue passed its checks


@pytest.mark.slow
def test_demo_delivers_one_message_per_issue_and_person_to_the_outbox(demo_runs):
    folder, output, _second = demo_runs
    outbox = folder / "var" / "outbox"
    assert f"Outbox: {outbox}" in output
    assert f"Issues: {ISSUES} sent, as campaign national-panel-2020" in output
    messages = [m for m in mailbox.Maildir(outbox, create=False)]
    first_run = [m for m in messages if _list_id_campaign(m) == "national-panel-2020"]
    # A new starter joins between parts 2 and 3: one catch-up digest of parts 1 and 2, then
    # parts 3 to 6 with everyone.
    joiner = "new.starter.national-panel-2020@example.org"
    (catch_up,) = [m for m in first_run if m["Subject"].startswith("Catch up: ")]
    assert catch_up["Delivered-To"] == joiner
    text = catch_up.get_payload()[0].get_payload(decode=True).decode()
    assert "Part 1 of 6: " in text and "Part 2 of 6: " in text and "Part 3 of 6" not in text
    assert f"{joiner} joined the health list after part 2" in " ".join(output.split())
    series = [m for m in first_run if m is not catch_up]
    people = len({m["Delivered-To"] for m in series}) - 1  # on the lists from the start
    assert people > 250  # the six example lists, less rejected rows and duplicates
    per_issue_and_person = Counter((m["Subject"].split(":")[0], m["Delivered-To"]) for m in series)
    assert set(per_issue_and_person.values()) == {1}  # nobody got an issue twice
    assert len(per_issue_and_person) == ISSUES * people + ISSUES - 2 == len(series)
    # What was sent, catch-up included (the series alone was once printed as the whole).
    assert f"Messages: {len(first_run)} (one per person per issue, and 1 catch-up)" in output
    sample = first_run[0]
    unsubscribe = " ".join(str(sample["List-Unsubscribe"]).split())  # unfolded
    assert unsubscribe.startswith("<http://localhost:8025/u/")
    assert "mailto:" not in unsubscribe  # nothing reads that mailbox: only the one-click link
    assert sample["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sample.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in sample.get_payload()] == ["text/plain", "text/html"]


@pytest.mark.slow
def test_demo_can_run_twice_the_import_changing_nothing_and_the_series_sent_afresh(demo_runs):
    folder, _first, second = demo_runs
    police = next(line for line in second.splitlines() if line.strip().startswith("police"))
    _rows, added, unchanged = police.split()[1:4]
    assert added == "0"
    assert unchanged != "0"

    assert f"Issues: {ISSUES} sent, as campaign national-panel-2020-2" in second
    messages = list(mailbox.Maildir(folder / "var" / "outbox", create=False))
    runs = Counter(_list_id_campaign(m) for m in messages)
    # Nothing resent: the second run reaches the first run's new starter from its part 1 on.
    assert runs["national-panel-2020-2"] == runs["national-panel-2020"] + ISSUES
    assert set(runs) == {"national-panel-2020", "national-panel-2020-2"}


@pytest.mark.slow
def test_demo_writes_the_report_of_its_campaign(demo_runs):
    folder, first, second = demo_runs
    for output, name in ((first, "national-panel-2020"), (second, "national-panel-2020-2")):
        report = folder / f"report-{name}.html"
        assert f"Report: {report}\n" in output
        assert f"briefcast report {name} --format csv" in output
        html = report.read_text(encoding="utf-8")
        titles = _issue_titles(folder, name)
        assert len(titles) == ISSUES
        for number, title in titles:
            assert f"Part {number}: {escape(title)}" in html, title


@pytest.mark.slow
def test_demo_serves_its_link_pages_unless_told_not_to(demo_runs):
    _folder, first, second = demo_runs
    served = "Link pages: served at http://localhost:8025 while the demo runs" in first
    busy = "Link pages: not served: cannot listen on localhost:8025" in first
    assert served or busy  # busy: something else (a `briefcast serve`?) has the port
    assert f"({'served' if served else 'not served'} at http://localhost:8025):" in first
    assert "Link pages:" not in second
    assert "(not served at http://localhost:8025):" in second
    for output in (first, second):
        assert "press Ctrl-C" not in output  # not a terminal: the demo stops and exits
        assert "Serve the link pages later: cd " in output


@pytest.mark.slow
def test_the_summarys_links_open_their_pages_and_a_get_changes_nothing(demo_runs):
    folder, first, _second = demo_runs
    links = dict(
        re.findall(r"^  (unsubscribe|I've read this|web view|archive): (\S+)$", first, re.M)
    )
    assert set(links) == {"unsubscribe", "I've read this", "web view", "archive"}
    assert "Links of part 1 as sent to one recipient" in first  # the series, not a catch-up
    settings = Settings(
        database_url=f"sqlite:///{folder / 'var' / 'briefcast.db'}",
        outbox=folder / "var" / "outbox",
        base_url="http://localhost:8025",
    )
    engine = open_database(settings.database_url)
    try:
        before = database_contents(engine)
        with TestClient(create_app(settings, engine), base_url="http://localhost:8025") as client:
            pages = {what: client.get(url) for what, url in links.items()}
        assert {what: page.status_code for what, page in pages.items()} == dict.fromkeys(links, 200)
        assert "<h1>Unsubscribe from " in pages["unsubscribe"].text
        assert "<h1>Confirm you have read " in pages["I've read this"].text
        assert "Part 1 of 6" in pages["web view"].text
        for _number, title in _issue_titles(folder, "national-panel-2020"):
            assert escape(title) in pages["archive"].text
        assert database_contents(engine) == before
    finally:
        engine.dispose()


def test_demo_makes_three_staff_people_with_set_up_links_and_serves_the_console(demo_runs):
    from briefcast.cli.demo_console import PEOPLE
    from briefcast.console import create_app as create_console

    folder, first, second = demo_runs
    served = "Staff console: served at http://localhost:8026 while the demo runs" in first
    busy = "Staff console: not served: cannot listen on localhost:8026" in first
    assert served or busy  # busy: something else (a `briefcast console`?) has the port
    assert "Staff console (not served at http://localhost:8026)" in second  # --no-serve
    pattern = r"^  (author|approver|admin) (.+) <(\S+)>: http://localhost:8026(/setup/\S+)$"
    firsts, seconds = re.findall(pattern, first, re.M), re.findall(pattern, second, re.M)
    expected = [(role, name, email) for email, name, role in PEOPLE]
    assert [found[:3] for found in firsts] == [found[:3] for found in seconds] == expected
    assert all(email.endswith("@example.org") for _, _, email in expected)
    settings = Settings(
        database_url=f"sqlite:///{folder / 'var' / 'briefcast.db'}",
        outbox=folder / "var" / "outbox",
        base_url="http://localhost:8025",
    )
    engine = open_database(settings.database_url)
    try:
        client = TestClient(create_console(settings, engine), base_url="http://localhost:8026")
        for (*_, old), (*_, new) in zip(firsts, seconds, strict=True):
            assert client.get(old).status_code == 404  # the second run made a fresh link
            assert "<h1>Set up your account</h1>" in client.get(new).text
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("base_url", "address"),
    [
        ("http://localhost:8025", ("localhost", 8025)),
        ("http://127.0.0.1:9000", ("127.0.0.1", 9000)),
        ("http://localhost", ("localhost", 80)),
        ("https://briefings.example.org", None),
        ("http://192.0.2.10:8025", None),
    ],
)
def test_the_demo_serves_only_a_base_url_on_this_machine(base_url, address):
    assert local_address(base_url) == address


@pytest.fixture
def small_engine(tmp_path):
    """A fresh SQLite database: these tests only need the web app to start on it."""
    engine = open_database(f"sqlite:///{tmp_path / 'briefcast.db'}")
    yield engine
    engine.dispose()


def test_a_busy_port_is_one_line_and_the_demo_carries_on(small_engine, tmp_path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = Settings(
            database_url=str(small_engine.url), outbox=tmp_path, base_url=f"http://127.0.0.1:{port}"
        )
        with serving(settings, small_engine) as server:
            assert server is None
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"Link pages: not served: cannot listen on 127.0.0.1:{port} (")


def test_the_pages_are_served_while_the_block_runs(small_engine, tmp_path, capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(
        database_url=str(small_engine.url), outbox=tmp_path, base_url=f"http://127.0.0.1:{port}"
    )
    with serving(settings, small_engine) as server:
        assert server is not None
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            assert connection.recv(100).startswith(b"HTTP/1.1 200 ")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    assert "Link pages: served at" in capsys.readouterr().out


def _issue_titles(folder: Path, name: str) -> list[tuple[int, str]]:
    engine = open_database(f"sqlite:///{folder / 'var' / 'briefcast.db'}")
    try:
        with engine.connect() as conn:
            query = (
                select(issues.c.number, issues.c.title)
                .join(campaigns, issues.c.campaign_id == campaigns.c.id)
                .where(issues.c.kind == "issue")  # not the new starter's catch-up
                .where(campaigns.c.name == name)
                .order_by(issues.c.number)
            )
            return [tuple(row) for row in conn.execute(query)]
    finally:
        engine.dispose()


def test_the_serve_hint_names_the_base_url_and_its_port():
    from briefcast.cli.demo_pages import serve_command

    command = serve_command(Path("/tmp/demo folder"), "http://localhost:9123")
    assert command == (
        "cd '/tmp/demo folder' && BRIEFCAST_BASE_URL=http://localhost:9123 briefcast serve "
        "--port 9123"
    )


@pytest.mark.slow
def test_the_serve_hint_works_as_printed_and_its_pages_link_where_it_listens(demo_runs):
    import os
    import shlex
    import signal
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    from briefcast.cli.demo_pages import serve_command

    folder, first, _second = demo_runs
    (view_path,) = re.findall(r"^  web view: http://localhost:8025(/v/\S+)$", first, re.M)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://localhost:{port}"
    command = serve_command(folder, base_url)
    assert f"BRIEFCAST_BASE_URL={base_url} briefcast serve --port {port}" in command
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFCAST_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    # As a person would paste it, in a shell; exec so that SIGTERM reaches the server.
    server = subprocess.Popen(
        ["bash", "-c", command.replace("briefcast serve", "exec briefcast serve")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base_url}{view_path}", timeout=5) as response:
                    page = response.read().decode("utf-8")
                break
            except (ConnectionError, urllib.error.URLError):
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read()
                time.sleep(0.2)
        # The served page's own links point to the server that served it.
        # The campaign's archive (its own issues' pages are linked below it, /archive/TOKEN/N).
        (archive,) = set(re.findall(r'href="(http://[^"]*/archive/[^"/]+)"', page))
        assert archive.startswith(f"{base_url}/archive/")
        with urllib.request.urlopen(archive, timeout=5) as response:
            assert response.status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=20)
    assert shlex.split(command)[0] == "cd"


def test_the_demos_command_hints_work_pasted_whole(demo_runs, monkeypatch):
    import shlex

    folder, first, _second = demo_runs
    hints = [
        line.split(": ", 1)[1]
        for line in first.splitlines()
        if re.search(r": cd .* && (\S+=\S+ )*briefcast ", line)
    ]
    assert any("report" in hint for hint in hints) and any("serve" in hint for hint in hints)
    for name in ("DATABASE_URL", "OUTBOX", "TRANSPORT", "BASE_URL", "SETTINGS", "SECRET_KEY"):
        monkeypatch.delenv(f"BRIEFCAST_{name}", raising=False)
    for hint in hints:
        words = shlex.split(hint)  # a shell would read it: no stray brackets or semicolons
        assert words[:2] == ["cd", str(folder)] and words[2] == "&&", hint
        command = [word for word in words[3:] if "=" not in word or word.startswith("-")]
        assert command[0] == "briefcast", hint
        if command[1] == "serve":
            continue  # it serves until stopped: tested as printed by the slow test above
        monkeypatch.chdir(folder)
        result = CliRunner().invoke(app, command[1:])
        assert result.exit_code == 0, (hint, result.output)


@pytest.mark.slow
def test_an_http_base_url_off_this_machine_is_warned_once_by_the_demo(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "OUTBOX", "TRANSPORT", "SETTINGS", "SECRET_KEY"):
        monkeypatch.delenv(f"BRIEFCAST_{name}", raising=False)
    monkeypatch.setenv("BRIEFCAST_BASE_URL", "http://briefings.example.org")
    monkeypatch.setattr("briefcast.campaigns.plan.datetime", _AfterTheExampleDates)
    command = ["demo", "--dir", str(tmp_path / "demo"), "--every", "1", "--no-serve"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1, result.output
    assert "BRIEFCAST_BASE_URL is http://briefings.example.org" in warnings[0]
