"""How fast briefcast sends, beside its ceiling: the SMTP client replaying one finished message.

    python benchmarks/send_throughput.py [--recipients 20000] [--naive-sample 20]
                                         [--database-url postgresql+psycopg://...]
                                         [--relay-latency-ms 50 [--latency-recipients 4000]]

One run, one issue (issue 2 of the example campaign), one SMTP sink in another process on
127.0.0.1: Postfix's `smtp-sink` when installed (Debian's `postfix` package), else aiosmtpd's
Sink handler in a subprocess; the first line says which.

- ceiling: briefcast's SMTP client alone (the smtp transport) sending one prebuilt, full-size
  message of that issue N times, over as many connections as briefcast used. It runs three
  times, taking turns with briefcast; the fastest run counts. Beside it, the standard library's
  sendmail doing the same (the transport speaks SMTP through smtplib's connection, without
  sendmail's per-message address parsing and regex dot-stuffing, so it is faster).
- briefcast: the real path in a fresh process: N people on the example's six lists in an SQLite
  ledger (or the empty database --database-url names), the campaign scheduled (rendered and
  stored), then `send_issue` with the SMTP transport: audience resolved, rows claimed, each
  message personalised, built, sent and recorded. Three
  times (three copies of the campaign), taking turns with the ceiling; the fastest run counts.
  The ratio of each turn is printed too.
- outbox: the same, to a Maildir folder instead of the sink.
- naive: what it costs to make each person's message from scratch (Jinja -> MJML -> premailer ->
  the email package), timed on a sample and extrapolated. Sending is not counted, which flatters
  it. Beside it, what building one message from the compiled skeleton costs (a sample of 2000).
- peak resident memory of the briefcast run at N and at 10 x N, each its own process's peak.
- briefcast_pg/ceiling: the briefcast runs and the ceiling again, taking turns, with the ledger
  on PostgreSQL: the --database-url one, else a throwaway cluster (benchmarks/postgres.py; the
  line is left out when PostgreSQL is not installed).
- with --relay-latency-ms N: a sink that answers each message N ms after its data
  (benchmarks/slow_sink.py, another process), briefcast sending to it over 8 connections
  (BRIEFCAST_SMTP_CONNECTIONS) beside 8 times the bare client's rate on one connection:
  briefcast_conn8/ceiling_conn1_x8.

It ends with one `name: value` line per figure, for scripts.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "national-panel-2020"
CAMPAIGN = EXAMPLE / "campaign.yaml"
LISTS = (
    "children-social-care",
    "police",
    "health",
    "education",
    "early-help",
    "voluntary-sector",
)
ISSUE = 2
TURNS = 3  # runs of the ceiling and of briefcast, taking turns
HOST = "127.0.0.1"
SMTP_SINK = "/usr/sbin/smtp-sink"
BASE_URL = "https://briefcast.example.org"
SECRET = "benchmark key, not a secret"


# -- the sink ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sink:
    name: str
    port: int


@contextmanager
def slow_sink(latency_ms: float) -> Sink:
    """An SMTP server that answers each message `latency_ms` after its data, in its own process."""
    port = _free_port()
    script = Path(__file__).with_name("slow_sink.py")
    command = [sys.executable, str(script), str(port), str(latency_ms)]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        _wait_for_port(port, process)
        yield Sink(f"aiosmtpd, {latency_ms:g} ms a message", port)
    finally:
        assert process.stdin is not None
        process.stdin.close()  # it stops when its stdin ends
        process.wait(10)


@contextmanager
def sink() -> Sink:
    """An SMTP server that accepts and discards everything, in its own process."""
    port = _free_port()
    if Path(SMTP_SINK).exists():
        user = ["-u", "nobody"] if os.geteuid() == 0 else []  # it refuses to run as root
        command = [SMTP_SINK, *user, f"{HOST}:{port}", "256"]
        name = "smtp-sink (Postfix)"
    else:
        handler = "aiosmtpd.handlers.Sink"
        command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"{HOST}:{port}", "-c", handler]
        name = "aiosmtpd Sink (smtp-sink not installed)"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, process)
        yield Sink(name, port)
    finally:
        process.terminate()
        process.wait(10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the SMTP sink exited at once ({process.args[0]})")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the SMTP sink did not start listening within 10 s")


# -- the database: people, lists, the scheduled campaign ------------------------------------------


def prepare(folder: Path, recipients: int, database_url: str | None = None) -> str:
    """A ledger with `recipients` people on the example's lists; returns its URL. A new SQLite
    file, or `database_url` (people already there stay; the others are added)."""
    from briefcast.recipients import import_list
    from briefcast.store import open_database

    url = database_url or f"sqlite:///{folder / f'ledger-{recipients}.db'}"
    engine = open_database(url)
    for index, slug in enumerate(LISTS):
        path = folder / f"{slug}.csv"
        with open(path, "w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(("Email", "First name", "Surname", "Organisation"))
            for n in range(index, recipients, len(LISTS)):
                writer.writerow((f"person.{n}@example.org", "Person", f"Number{n}", slug))
        import_list(engine, path, slug)
        path.unlink()
    engine.dispose()
    return url


def schedule(url: str, name: str) -> int:
    """Schedule the example campaign (an hour ahead) under `name`; returns issue 2's id."""
    from briefcast.delivery.control import find_campaign, find_issue
    from briefcast.delivery.schedule import ScheduleRequest, schedule_campaign
    from briefcast.delivery.windows import LatePolicy
    from briefcast.settings import Settings
    from briefcast.store import open_database

    engine = open_database(url)
    later = datetime.now(UTC) + timedelta(hours=1)
    schedule_campaign(
        engine,
        CAMPAIGN,
        ScheduleRequest(
            "Benchmark",
            LatePolicy.from_settings(Settings.from_env({})),
            times={number: later + timedelta(minutes=number) for number in range(1, 7)},
            name=name,
        ),
    )
    with engine.connect() as conn:
        issue_id = find_issue(conn, find_campaign(conn, name), ISSUE).id
    engine.dispose()
    return issue_id


def settings_for(  # type: ignore[no-untyped-def]
    url: str, transport: str, port: int, outbox: Path, connections: int = 1
):
    from briefcast.settings import Settings, SmtpSettings

    return Settings(
        database_url=url,
        outbox=outbox,
        base_url=BASE_URL,
        secret_key=SECRET,
        transport=transport,
        smtp=SmtpSettings(HOST, port, "none", None, None, 30.0, connections=connections),
    )


# -- briefcast, in a process of its own -----------------------------------------------------------


def send_in_child(
    url: str, issue_id: int, transport: str, port: int, outbox: Path, connections: int = 1
) -> dict:
    """Run `send_issue` in a fresh process; its timing and its own peak RSS come back as JSON."""
    command = [sys.executable, __file__, "--child", url, str(issue_id), transport, str(port)]
    result = subprocess.run(
        [*command, str(outbox), str(connections)],
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    if result.returncode != 0:
        raise SystemExit(f"the briefcast run failed:\n{result.stderr}")
    return json.loads(result.stdout.splitlines()[-1])


def child(
    url: str, issue_id: int, transport_name: str, port: int, outbox: Path, connections: int
) -> None:
    from briefcast.delivery.sender import send_issue
    from briefcast.delivery.transports import open_transport
    from briefcast.store import open_database

    settings = settings_for(url, transport_name, port, outbox, connections)
    engine = open_database(url)
    transport = open_transport(settings)
    start = time.perf_counter()
    report = send_issue(engine, issue_id, transport, settings, worker_id="benchmark")
    seconds = time.perf_counter() - start
    result = {
        "seconds": seconds,
        "sent": report.counts.sent,
        "remaining": report.counts.remaining,
        "connections": getattr(transport, "connections", 1),
        "peak_rss_mb": peak_rss_mb(),
    }
    print(json.dumps(result))


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


# -- the ceiling and the naive way ---------------------------------------------------------------


def one_message(url: str, issue_id: int, port: int, sample: int) -> tuple[str, bytes, float]:
    """(envelope sender, message) as briefcast sends it to its first recipient, and the seconds
    building one takes (personalising, signing the links, filling the skeleton), on a sample."""
    from briefcast.delivery.outgoing import IssueMessages
    from briefcast.delivery.tokens import Signer
    from briefcast.store import ledger, open_database

    engine = open_database(url)
    with engine.connect() as conn:
        issue = ledger.load_issue(conn, issue_id)
    engine.dispose()
    messages = IssueMessages(issue, settings_for(url, "smtp", port, Path()), Signer(SECRET))
    rows = [
        ledger.Claimed(n, n, f"person.{n}@example.org", f"Person Number{n}", "Police", True, 0)
        for n in range(1, sample + 1)
    ]
    now = datetime.now(UTC)
    start = time.perf_counter()
    for row in rows:
        outgoing = messages.build(row, now)
    return outgoing.sender, outgoing.data, (time.perf_counter() - start) / sample


def ceiling(port: int, sender: str, message: bytes, count: int, connections: int) -> float:
    """Seconds for briefcast's SMTP client (the smtp transport, nothing else) to send `message`
    `count` times over `connections` connections, one after another."""
    from briefcast.delivery.transports import Envelope, SmtpTransport
    from briefcast.settings import SmtpSettings

    start = time.perf_counter()
    per_connection = -(-count // connections)
    for first in range(0, count, per_connection):
        with SmtpTransport(SmtpSettings(HOST, port, "none", None, None, 30.0)) as transport:
            for n in range(first, min(count, first + per_connection)):
                transport.send(Envelope(sender, f"person.{n}@example.org"), message)
    return time.perf_counter() - start


def smtplib_sendmail(port: int, sender: str, message: bytes, count: int) -> float:
    """Seconds for the standard library's smtplib.sendmail to do the same on one connection."""
    start = time.perf_counter()
    client = smtplib.SMTP(HOST, port, timeout=30)
    client.ehlo()
    for n in range(count):
        client.sendmail(sender, [f"person.{n}@example.org"], message)
    client.quit()
    return time.perf_counter() - start


def naive(sample: int) -> float:
    """Seconds per message, rendering everything for each person (Jinja, MJML, premailer, MIME)."""
    from briefcast.campaigns.preview import check_campaign_file
    from briefcast.campaigns.render import (
        STYLESHEET,
        Personaliser,
        compile_mjml,
        inline_stylesheet,
        render_template,
    )
    from briefcast.delivery.message import Addressing, compose_message, make_list_id

    digest = check_campaign_file(CAMPAIGN, today=date.min).issues[ISSUE - 1].digest
    list_id = make_list_id(digest.series_title, digest.campaign, "example.org")
    start = time.perf_counter()
    for n in range(sample):
        stylesheet = STYLESHEET.read_text(encoding="utf-8")
        compiled = compile_mjml(render_template("digest.mjml.j2", digest))
        page = inline_stylesheet(compiled, stylesheet)
        text = render_template("digest.txt.j2", digest)
        fields = {
            "recipient_name": f"Person Number{n}",
            "list_name": "Police",
            "unsubscribe_url": f"{BASE_URL}/u/{n}",
            "acknowledge_url": f"{BASE_URL}/a/{n}",
            "web_view_url": f"{BASE_URL}/v/{n}",
        }
        html, text = Personaliser(page, text).personalise(fields)
        bytes(
            compose_message(
                sender=digest.sender,
                reply_to=digest.reply_to,
                subject=digest.subject,
                html=html,
                text=text,
                addressing=Addressing(
                    to=f"person.{n}@example.org",
                    to_name=f"Person Number{n}",
                    list_id=list_id,
                    unsubscribe_url=fields["unsubscribe_url"],
                ),
            )
        )
    return (time.perf_counter() - start) / sample


# -- the run ---------------------------------------------------------------------------------------


def machine() -> str:
    model = platform.machine()
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=20_000, help="N (default 20000)")
    parser.add_argument("--naive-sample", type=int, default=20, help="messages timed (20)")
    parser.add_argument(
        "--database-url",
        help="an empty database to use instead of new SQLite files (e.g. a throwaway PostgreSQL)",
    )
    parser.add_argument(
        "--relay-latency-ms",
        type=float,
        help="also send to a sink that waits this long before answering each message",
    )
    parser.add_argument(
        "--latency-recipients", type=int, default=4000, help="N for the slow sink (4000)"
    )
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        url, issue_id, transport, port, outbox, connections = args.child
        child(url, int(issue_id), transport, int(port), Path(outbox), int(connections))
        return
    n = args.recipients
    folder = Path(tempfile.mkdtemp(prefix="briefcast-bench-"))
    try:
        with sink() as server:
            figures = run(folder, server, n, args.naive_sample, args.database_url)
            figures.update(on_postgresql(folder, server, n, args.database_url, figures))
        if args.relay_latency_ms is not None:
            figures.update(
                over_a_slow_relay(folder, args.latency_recipients, args.relay_latency_ms)
            )
        for name, value in figures.items():
            print(f"{name}: {value}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def take_turns(
    url: str, issues: list[int], port: int, sender: str, message: bytes, n: int
) -> tuple[list[float], list[dict]]:
    """The ceiling and briefcast take turns, once per issue, and the best of each counts: the
    machine's speed drifts and jumps (other work shares it), and this way both see the same."""
    ceilings: list[float] = []
    runs: list[dict] = []
    for issue_id in issues:
        connections = runs[-1]["connections"] if runs else 1
        ceilings.append(ceiling(port, sender, message, n, connections))
        runs.append(send_in_child(url, issue_id, "smtp", port, Path("unused")))
    assert all(run["sent"] == n for run in runs), runs
    return ceilings, runs


def on_postgresql(
    folder: Path, server: Sink, n: int, database_url: str | None, figures: dict
) -> dict:
    """briefcast_pg/ceiling: the main run's, when it was on PostgreSQL; else a throwaway's."""
    if database_url and database_url.startswith("postgresql"):
        return {"briefcast_pg/ceiling": figures["briefcast/ceiling"]}
    from postgres import throwaway_postgres

    with throwaway_postgres() as url:
        if url is None:
            print("PostgreSQL is not installed: no briefcast_pg/ceiling")
            return {}
        prepare(folder, n, url)
        issues = [schedule(url, f"bench-pg-{turn}") for turn in range(1, TURNS + 1)]
        sender, message, _ = one_message(url, issues[0], server.port, 1)
        ceilings, runs = take_turns(url, issues, server.port, sender, message, n)
    best = min(runs, key=lambda run: run["seconds"])
    each = ", ".join(f"{c / run['seconds']:.2f}" for c, run in zip(ceilings, runs, strict=True))
    print(f"briefcast on PostgreSQL: {n / best['seconds']:8.0f} messages/s  (each turn: {each})")
    return {"briefcast_pg/ceiling": round(min(ceilings) / best["seconds"], 2)}


def over_a_slow_relay(folder: Path, n: int, latency_ms: float, connections: int = 8) -> dict:
    """briefcast over `connections` connections to a relay answering in `latency_ms`, beside
    `connections` times the bare client's rate on one connection to the same relay."""
    with slow_sink(latency_ms) as slow:
        print(f"sink: {slow.name} on {HOST}:{slow.port}")
        url = prepare(folder, n)
        issue_id = schedule(url, "bench-slow-relay")
        sender, message, _ = one_message(url, issue_id, slow.port, 1)
        sample = min(n, max(20, round(10_000 / latency_ms)))  # about ten seconds
        one = sample / ceiling(slow.port, sender, message, sample, 1)
        run = send_in_child(url, issue_id, "smtp", slow.port, folder, connections)
    assert run["sent"] == n, run
    rate = n / run["seconds"]
    print(
        f"slow relay ({latency_ms:g} ms): one bare connection {one:.1f} messages/s; briefcast "
        f"over {connections} connections {rate:.1f} messages/s ({n} recipients)"
    )
    return {
        "relay_latency_ms": latency_ms,
        "ceiling_conn1_per_s": round(one, 1),
        f"briefcast_conn{connections}_per_s": round(rate, 1),
        f"briefcast_conn{connections}/ceiling_conn1_x{connections}": round(
            rate / (connections * one), 2
        ),
    }


def run(folder: Path, server: Sink, n: int, naive_sample: int, database_url: str | None) -> dict:
    print(f"sink: {server.name} on {HOST}:{server.port}")
    print(f"machine: {machine()}")
    url = prepare(folder, n, database_url)
    ledger = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    smtp_issues = [schedule(url, f"bench-smtp-{turn}") for turn in range(1, TURNS + 1)]
    outbox_issue = schedule(url, "bench-outbox")
    sender, message, build = one_message(url, smtp_issues[0], server.port, min(n, 2000))
    print(f"issue {ISSUE} of {CAMPAIGN.parent.name}: {n} recipients, {len(message):,} bytes each")

    ceilings, runs = take_turns(url, smtp_issues, server.port, sender, message, n)
    smtp = min(runs, key=lambda run: run["seconds"])
    standard = smtplib_sendmail(server.port, sender, message, n)
    outbox = send_in_child(url, outbox_issue, "outbox", server.port, folder / "outbox")
    shutil.rmtree(folder / "outbox", ignore_errors=True)
    assert outbox["sent"] == n, outbox

    big_url = prepare(folder, 10 * n, database_url)
    big = send_in_child(big_url, schedule(big_url, "bench-smtp"), "smtp", server.port, folder)
    assert big["sent"] == 10 * n, big
    per_message = naive(naive_sample)

    rates = {
        "ceiling": n / min(ceilings),
        "briefcast": n / smtp["seconds"],
        "outbox": n / outbox["seconds"],
        "naive": 1 / per_message,
        "smtplib": n / standard,
    }
    each_ceiling = ", ".join(f"{n / seconds:.0f}" for seconds in ceilings)
    each_run = ", ".join(f"{n / run['seconds']:.0f}" for run in runs)
    each_ratio = ", ".join(
        f"{c / run['seconds']:.2f}" for c, run in zip(ceilings, runs, strict=True)
    )
    print(
        f"ceiling:   {rates['ceiling']:8.0f} messages/s  (the smtp transport alone, one prebuilt "
        f"message, {smtp['connections']} connection(s); {each_ceiling})"
    )
    print(
        f"briefcast: {rates['briefcast']:8.0f} messages/s  ({ledger} ledger, SMTP to the sink; "
        f"{each_run})"
    )
    print(f"briefcast/ceiling of each turn: {each_ratio}")
    print(f"outbox:    {rates['outbox']:8.0f} messages/s  ({ledger} ledger, Maildir folder)")
    print(f"naive:     {rates['naive']:8.1f} messages/s  (from scratch, {naive_sample} timed)")
    print(f"smtplib:   {rates['smtplib']:8.0f} messages/s  (smtplib.sendmail, the same message)")
    print(
        f"briefcast/naive can be at most ceiling/naive = {rates['ceiling'] / rates['naive']:.0f} "
        "here: no sender is faster than its SMTP client alone"
    )
    print(
        f"building one message: {build * 1e6:.0f} us from the skeleton, "
        f"{per_message * 1e3:.1f} ms from scratch ({per_message / build:.0f} times)"
    )
    print(f"peak RSS of the briefcast run: {smtp['peak_rss_mb']:.0f} MB at {n}, ", end="")
    print(f"{big['peak_rss_mb']:.0f} MB at {10 * n} ({10 * n / big['seconds']:.0f} messages/s)")
    figures = {
        "recipients": n,
        "message_bytes": len(message),
        "ceiling_per_s": round(rates["ceiling"]),
        "briefcast_per_s": round(rates["briefcast"]),
        "outbox_per_s": round(rates["outbox"]),
        "naive_per_s": round(rates["naive"], 1),
        "smtplib_per_s": round(rates["smtplib"]),
        "briefcast/ceiling": round(rates["briefcast"] / rates["ceiling"], 2),
        "briefcast/naive": round(rates["briefcast"] / rates["naive"]),
        "ceiling/naive": round(rates["ceiling"] / rates["naive"]),
        "outbox/smtp": round(rates["outbox"] / rates["briefcast"], 2),
        "build_us": round(build * 1e6),
        "naive_build_us": round(per_message * 1e6),
        "naive_build/build": round(per_message / build),
        "peak_rss_mb": round(smtp["peak_rss_mb"]),
        "peak_rss_mb_10x": round(big["peak_rss_mb"]),
        "peak_rss_mb_growth": round(big["peak_rss_mb"] - smtp["peak_rss_mb"]),
    }
    return figures


if __name__ == "__main__":
    main()
