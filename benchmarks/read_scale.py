"""How the reads hold up at a regional consortium's scale, beside a bare count of the ledger.

    python benchmarks/read_scale.py [--people 200000] [--campaigns 50] [--rows 2000000]
                                    [--database-url postgresql+psycopg://...]

One run builds a database in bulk: `--people` people on six lists, `--campaigns` copies of the
example campaign (scheduled once, its rows copied: six issues each, sent), `--rows` ledger rows
spread over their issues (mostly sent, some failed, bounced, skipped), an acknowledgement for
one row in twenty and an unsubscribe for one person in a hundred. SQLite: INSERT ... SELECT over
a recursive CTE; PostgreSQL (--database-url, an empty database): INSERT ... SELECT over
generate_series, inside the server. Nothing passes through Python row by row.

Then it times, each the best of three, every heavy read users wait for:
`status` (every campaign), the console's campaign list (workflow/follow.py) and campaign page
(delivery/status.py), the console's people search (a selective word, through the trigram index
of either database: store/people_search.py), `report` in html and json (reports/), and the link
pages' queries
(store/web.py: the archive, the issue to show, a link's target, its list standings, the
acknowledgement, the demo's example link). Beside them, in the same run, the bare count:
`SELECT count(*) FROM deliveries` (answered from an index). Each read is printed as
`name: read/count`, ending with `worst_read/count: X`.

`report_rss_mb_growth` is the peak resident memory of `report` (html and json, in a process of
its own) on this database less the same on one with a tenth of the people and rows.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "national-panel-2020"
CAMPAIGN = EXAMPLE / "campaign.yaml"
LISTS = (  # the example campaign's
    "children-social-care",
    "police",
    "health",
    "education",
    "early-help",
    "voluntary-sector",
)
TIMINGS = 3  # best of


# -- building the database -----------------------------------------------------------------------


def build(url: str, people: int, campaigns: int, rows: int) -> int:
    """The database `url` (empty) filled as the module docstring says; the ledger rows made."""
    from briefcast.store import open_database

    engine = open_database(url)
    series = _series(engine.dialect.name)
    with engine.begin() as conn:
        _people(conn, series, people)
    first_campaign = schedule_one(engine)
    with engine.begin() as conn:
        _campaigns(conn, first_campaign, campaigns)
        _ledger(conn, series, people, rows)
        _acknowledgements_and_unsubscribes(conn)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    with engine.connect() as conn:
        made = conn.exec_driver_sql(COUNT).scalar_one()
    engine.dispose()
    return made


def schedule_one(engine) -> int:  # type: ignore[no-untyped-def]
    """The example campaign, scheduled (rendered and stored) once; returns its id."""
    from briefcast.delivery.schedule import ScheduleRequest, schedule_campaign
    from briefcast.delivery.windows import LatePolicy
    from briefcast.settings import Settings
    from briefcast.store.campaigns import find_campaign
    from briefcast.store.engine import read

    later = datetime.now(UTC) + timedelta(hours=1)
    schedule_campaign(
        engine,
        CAMPAIGN,
        ScheduleRequest(
            "Benchmark",
            LatePolicy.from_settings(Settings.from_env({})),
            times={number: later + timedelta(days=number) for number in range(1, 7)},
            name="consortium-1",
        ),
    )
    with read(engine) as conn:
        return find_campaign(conn, "consortium-1").id


def _series(dialect: str) -> Callable[[int], str]:
    """A FROM clause of the numbers 1..n as `n(i)`."""
    if dialect == "postgresql":
        return lambda n: f"generate_series(1, {n}) AS n(i)"
    return lambda n: (
        f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
        "SELECT i FROM s) AS n"
    )


def _people(conn, series, people: int) -> None:  # type: ignore[no-untyped-def]
    now = "CURRENT_TIMESTAMP"
    for slug in LISTS:
        offered = "FALSE" if slug == "police" else "TRUE"
        _execute(
            conn,
            "INSERT INTO lists (slug, name, description, unsubscribe_offered, created_at) "
            f"VALUES ('{slug}', '{slug.replace('-', ' ').title()}', '', {offered}, {now})",
        )
    _execute(
        conn,
        "INSERT INTO recipients (address, name, organisation, attributes, created_at, updated_at) "
        f"SELECT 'person' || i || '@example.org', 'Person ' || i, 'Organisation ' || (i % 40), "
        f"'{{}}', {now}, {now} FROM {series(people)}",
    )
    _execute(
        conn,
        "INSERT INTO memberships (list_id, recipient_id, added_at) "
        f"SELECT (SELECT min(id) FROM lists) + (r.id % {len(LISTS)}), r.id, {now} "
        "FROM recipients r",
    )


def _campaigns(conn, first: int, campaigns: int) -> None:  # type: ignore[no-untyped-def]
    """Copies of the scheduled campaign, all its issues sent, one after the other."""
    c_columns = "title, source_path, approved_by, approved_at, plan, created_at, updated_at"
    i_columns = (
        "number, title, subject, slug, planned_at, state, lists, exclude_lists, sender, reply_to, "
        "html, text, digest, updated_at"
    )
    for copy in range(2, campaigns + 1):
        _execute(
            conn,
            f"INSERT INTO campaigns (name, {c_columns}) "
            f"SELECT 'consortium-{copy}', {c_columns} FROM campaigns WHERE id = {first}",
        )
    _execute(
        conn,
        f"INSERT INTO issues (campaign_id, {i_columns}) "
        f"SELECT c.id, {', '.join('i.' + name.strip() for name in i_columns.split(','))} "
        f"FROM campaigns c, issues i WHERE c.id <> {first} AND i.campaign_id = {first}",
    )
    # Sent: each campaign's issues a week apart, campaigns a day apart.
    for row in _execute(conn, "SELECT id, campaign_id, number FROM issues").all():
        started = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=row[1] + 7 * row[2])
        conn.exec_driver_sql(
            "UPDATE issues SET state = 'sent', started_at = ?, finished_at = ?, "
            "audience_size = 0 WHERE id = ?"
            if conn.dialect.name == "sqlite"
            else "UPDATE issues SET state = 'sent', started_at = %s, finished_at = %s, "
            "audience_size = 0 WHERE id = %s",
            (_stored(conn, started), _stored(conn, started + timedelta(hours=1)), row[0]),
        )


def _stored(conn, moment: datetime):  # type: ignore[no-untyped-def]
    from briefcast.store.hot_path import time_for

    return time_for(conn.dialect)(moment)


def _ledger(conn, series, people: int, rows: int) -> None:  # type: ignore[no-untyped-def]
    """`rows` deliveries over every issue, each issue to a different slice of the people."""
    issue_ids = _execute(conn, "SELECT id FROM issues ORDER BY id").scalars().all()
    per_issue = min(people, -(-rows // len(issue_ids)))
    sent_at = "(SELECT finished_at FROM issues WHERE id = {issue})"
    status = (
        "CASE WHEN i % 97 = 0 THEN 'failed' WHEN i % 89 = 0 THEN 'bounced' "
        "WHEN i % 83 = 0 THEN 'skipped' ELSE 'sent' END"
    )
    left = rows
    for index, issue in enumerate(issue_ids):
        count = min(per_issue, left)
        if count <= 0:
            break
        left -= count
        offset = index * 7919
        _execute(
            conn,
            "INSERT INTO deliveries (issue_id, recipient_id, list_id, status, attempts, "
            "attempted_at, message_id, sent_at, updated_at) "
            f"SELECT {issue}, r.id, m.list_id, {status}, 1, {sent_at.format(issue=issue)}, "
            f"'<' || i || '.{issue}@example.org>', {sent_at.format(issue=issue)}, "
            f"{sent_at.format(issue=issue)} "
            f"FROM {series(count)} "
            f"JOIN recipients r ON r.id = (SELECT min(id) FROM recipients) + "
            f"((n.i + {offset}) % {people}) "
            "JOIN memberships m ON m.recipient_id = r.id",
        )


def _acknowledgements_and_unsubscribes(conn) -> None:  # type: ignore[no-untyped-def]
    _execute(
        conn,
        "INSERT INTO acknowledgements (delivery_id, issue_id, recipient_id, list_id, reflection, "
        "created_at) SELECT id, issue_id, recipient_id, list_id, NULL, sent_at FROM deliveries "
        "WHERE id % 20 = 0 AND status = 'sent'",
    )
    _execute(
        conn,
        "INSERT INTO suppressions (address, list_id, reason, created_by, created_at) "
        "SELECT r.address, m.list_id, 'unsubscribed', 'unsubscribe link', "
        "(SELECT max(started_at) FROM issues) FROM recipients r "
        "JOIN memberships m ON m.recipient_id = r.id WHERE r.id % 100 = 0",
    )


def _execute(conn, sql: str):  # type: ignore[no-untyped-def]
    """`sql` without parameters (psycopg reads a lone % as one: the modulo operator is %%)."""
    return conn.exec_driver_sql(
        sql.replace("%", "%%") if conn.dialect.name == "postgresql" else sql
    )


# -- the reads -----------------------------------------------------------------------------------


def reads(url: str, folder: Path, people: int) -> dict[str, Callable[[], object]]:
    """Each read by the name it is printed under, as its caller runs it."""
    from briefcast.delivery.status import campaign_status
    from briefcast.recipients.people import find_people
    from briefcast.reports import build_report, write_report
    from briefcast.settings import Settings
    from briefcast.store import open_database
    from briefcast.store import web as store_web
    from briefcast.store.engine import read
    from briefcast.workflow.follow import campaign_list, series_status

    engine = open_database(url)
    settings = Settings.from_env({"BRIEFCAST_DATABASE_URL": url})
    with read(engine) as conn:
        campaign_id = store_web.campaign_ids(conn)["consortium-1"]
        delivery_id = store_web.example_delivery(conn, campaign_id)
        issue_id = store_web.sent_issue_id(conn, campaign_id, 3)
    assert delivery_id is not None and issue_id is not None

    def on_connection(function, *arguments):  # type: ignore[no-untyped-def]
        def call():  # type: ignore[no-untyped-def]
            with read(engine) as conn:
                return function(conn, *arguments)

        return call

    def link_page():  # type: ignore[no-untyped-def]
        with read(engine) as conn:
            target = store_web.link_target(conn, delivery_id)
            store_web.list_standings(conn, target)
            store_web.acknowledged_at(conn, delivery_id)

    def report(format_: str):  # type: ignore[no-untyped-def]
        def call():  # type: ignore[no-untyped-def]
            result = build_report(engine, "consortium-1")
            write_report(result, folder / f"report.{format_}", format_)

        return call

    return {
        "bare_count": on_connection(lambda conn: conn.exec_driver_sql(COUNT).scalar_one()),
        "status": lambda: campaign_status(engine, settings.limits),
        "status_one_campaign": lambda: campaign_status(engine, settings.limits, "consortium-1"),
        "console_campaign_list": lambda: campaign_list(engine, settings),
        "console_campaign_page": lambda: series_status(engine, settings, "consortium-1"),
        # one person of the last thousand: a word that only an index finds without a scan
        "console_people_search": lambda: find_people(engine, f"person{max(people - 7, 1)}@"),
        "report_html": report("html"),
        "report_json": report("json"),
        "web_archive": on_connection(store_web.archive_entries, campaign_id),
        "web_issue": on_connection(store_web.sent_issue_id, campaign_id, 3),
        "web_link_page": link_page,
        "web_example_link": on_connection(store_web.example_delivery, campaign_id),
    }


COUNT = "SELECT count(*) FROM deliveries"


def best_of(function: Callable[[], object]) -> float:
    times = []
    for _ in range(TIMINGS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def report_rss_mb(url: str, folder: Path) -> float:
    """Peak resident memory of a process that writes the report in html and json."""
    command = [sys.executable, __file__, "--report-child", url, str(folder)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=3600)
    if result.returncode != 0:
        raise SystemExit(f"the report run failed:\n{result.stderr}")
    return float(json.loads(result.stdout.splitlines()[-1])["peak_rss_mb"])


def report_child(url: str, folder: Path) -> None:
    import resource

    from briefcast.reports import build_report, write_report
    from briefcast.store import open_database

    engine = open_database(url)
    for format_ in ("html", "json"):
        write_report(build_report(engine, "consortium-1"), folder / f"child.{format_}", format_)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    print(json.dumps({"peak_rss_mb": peak}))


# -- the run -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--campaigns", type=int, default=50)
    parser.add_argument("--rows", type=int, default=2_000_000, help="ledger rows (2000000)")
    parser.add_argument(
        "--database-url",
        help="an empty PostgreSQL database (its copy a tenth the size goes in a second one, "
        "named with _small)",
    )
    parser.add_argument("--report-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.report_child:
        report_child(args.report_child[0], Path(args.report_child[1]))
        return
    folder = Path(tempfile.mkdtemp(prefix="briefcast-reads-"))
    try:
        run(folder, args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(folder: Path, args: argparse.Namespace) -> None:
    url, small_url = _urls(folder, args.database_url)
    start = time.perf_counter()
    made = build(url, args.people, args.campaigns, args.rows)
    print(
        f"built {args.people} people, {args.campaigns} campaigns, {made} ledger rows "
        f"in {time.perf_counter() - start:.0f} s ({url.split(':')[0]})"
    )
    build(small_url, args.people // 10, args.campaigns, args.rows // 10)
    timed = {name: best_of(function) for name, function in reads(url, folder, args.people).items()}
    count = timed.pop("bare_count")
    print(f"bare count: {count * 1e3:.1f} ms; each read, best of {TIMINGS}, in ms:")
    for name, seconds in timed.items():
        print(f"  {name}: {seconds * 1e3:.1f}")
    ratios = {name: seconds / count for name, seconds in timed.items()}
    growth = report_rss_mb(url, folder) - report_rss_mb(small_url, folder)
    for name, ratio in ratios.items():
        print(f"{name}: {ratio:.2f}")
    print(f"worst_read/count: {max(ratios.values()):.2f}")
    print(f"report_rss_mb_growth: {growth:.0f}")


def _urls(folder: Path, database_url: str | None) -> tuple[str, str]:
    if database_url is None:
        return f"sqlite:///{folder / 'reads.db'}", f"sqlite:///{folder / 'reads-small.db'}"
    from sqlalchemy import create_engine, make_url

    small = make_url(database_url).set(database=f"{make_url(database_url).database}_small")
    admin = create_engine(make_url(database_url).set(database="postgres"))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{small.database}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{small.database}"')
    admin.dispose()
    return database_url, small.render_as_string(hide_password=False)


if __name__ == "__main__":
    main()
