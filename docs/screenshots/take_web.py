"""Regenerate the screenshots of the link pages and of a dissemination report.

    python docs/screenshots/take_web.py

In a temporary folder: imports the example lists, schedules the example campaign, sends each
issue to a Maildir outbox with the real send loop, and after each issue lets fictional readers
use the links in their messages (through the web app: "I've read this" for some, the one-click
unsubscribe for a few, fewer as the series goes on). Then photographs, in headless Chromium
(Debian's /usr/bin/chromium), the unsubscribe and acknowledge pages served by uvicorn and the
HTML report (at 1100 px and at 375 px, where its tables and charts scroll in their own boxes), and
the campaign's archive (list and issue 1, as anyone with its link sees them). Look at the results
before committing them.
"""

from __future__ import annotations

import email
import email.policy
import random
import re
import socket
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chromium import launch
from playwright.sync_api import sync_playwright
from starlette.testclient import TestClient

from briefcast.delivery.schedule import ScheduleRequest, schedule_campaign
from briefcast.delivery.sender import send_issue
from briefcast.delivery.transports.outbox import OutboxTransport
from briefcast.delivery.windows import LatePolicy
from briefcast.recipients.csv_import import import_lists_folder
from briefcast.reports import build_report, render_html
from briefcast.settings import Settings
from briefcast.store import open_database
from briefcast.store.campaigns import campaign_issues, find_campaign
from briefcast.web import BackgroundServer, create_app

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parents[1] / "examples" / "national-panel-2020"
# How likely a reader is to press "I've read this", by the list's file (some agencies engage
# more), falling by an eighth with each issue of the series; and to unsubscribe.
# The report as printed (A4 PDF, and a picture of its print layout): to look at, not kept.
PRINTED = Path(tempfile.gettempdir()) / "briefcast-report-printed.pdf"
PRINT_PREVIEW = Path(tempfile.gettempdir()) / "briefcast-report-print.png"
ACKNOWLEDGE = {
    "health": 0.7,
    "children-social-care": 0.65,
    "early-help": 0.6,
    "education": 0.5,
    "police": 0.4,
    "voluntary-sector": 0.35,
}
UNSUBSCRIBE = 0.02


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = _settings(Path(folder))
        engine = open_database(settings.database_url)
        import_lists_folder(engine, EXAMPLE / "lists", secret_key=settings.secret_key)
        name = _send_series_with_readers(engine, settings)
        report = build_report(engine, name)
        (Path(folder) / "report.html").write_text(render_html(report), encoding="utf-8")
        messages = sorted((settings.outbox / "new").iterdir())
        latest = email.message_from_bytes(messages[-1].read_bytes(), policy=email.policy.default)
        with BackgroundServer(create_app(settings, engine), port=_port(settings)) as server:
            _photograph(server.url, latest, Path(folder) / "report.html")
        engine.dispose()


def _settings(folder: Path) -> Settings:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return Settings(
        database_url=f"sqlite:///{folder / 'briefcast.db'}",
        outbox=folder / "outbox",
        base_url=f"http://127.0.0.1:{port}",
        secret_key="screenshots only",
    )


def _port(settings: Settings) -> int:
    return int(settings.base_url.rsplit(":", 1)[1])


def _send_series_with_readers(engine, settings: Settings) -> str:  # type: ignore[no-untyped-def]
    start = datetime.now(UTC) + timedelta(hours=1)
    result = schedule_campaign(
        engine,
        EXAMPLE / "campaign.yaml",
        ScheduleRequest(
            "Screenshot Maker",
            LatePolicy.from_settings(settings),
            times={number: start + timedelta(minutes=number) for number in range(1, 20)},
        ),
    )
    with engine.connect() as conn:
        campaign = find_campaign(conn, result.campaign)
        issues = campaign_issues(conn, campaign.id)
    readers = random.Random(2020)
    client = TestClient(create_app(settings, engine))
    seen: set[Path] = set()
    for position, issue in enumerate(issues):
        transport = OutboxTransport(settings.outbox)
        send_issue(engine, issue.id, transport, settings, worker_id="screenshots")
        new = set((settings.outbox / "new").iterdir()) - seen
        seen.update(new)
        # In recipient order (the first line is Delivered-To), so the seeded readers repeat.
        for path in sorted(new, key=lambda p: p.read_bytes().split(b"\r\n", 1)[0]):
            _read(client, path.read_bytes(), readers, fatigue=1 - position / 8)
    return result.campaign


def _read(client: TestClient, data: bytes, readers: random.Random, fatigue: float) -> None:
    message = email.message_from_bytes(data, policy=email.policy.default)
    html = message.get_body(("html",)).get_content()
    list_slug = str(message["List-Id"]).split("<", 1)[-1].split(".", 1)[0]
    chance = ACKNOWLEDGE.get(list_slug, 0.5)
    acknowledge = re.search(r'href="http://[^/"]+(/a/[^"]+)"', html)
    if acknowledge and readers.random() < chance * fatigue:
        client.post(acknowledge.group(1), data={"reflection": ""})
    unsubscribe = re.search(r"<http://[^/>]+(/u/[^>]+)>", str(message["List-Unsubscribe"] or ""))
    if unsubscribe and readers.random() < UNSUBSCRIBE:
        client.post(unsubscribe.group(1), data={"List-Unsubscribe": "One-Click"})


def _photograph(base: str, message: email.message.EmailMessage, report: Path) -> None:
    html = message.get_body(("html",)).get_content()
    links = dict(re.findall(r'href="http://[^/"]+/([uav])/([^"]+)"', html))
    with sync_playwright() as playwright:
        browser = launch(playwright)
        view = browser.new_page()
        view.goto(f"{base}/v/{links['v']}")
        archive = view.get_by_role("link", name=re.compile("^All issues of")).get_attribute("href")
        view.close()
        shots = {
            "web-unsubscribe.png": (f"{base}/u/{links['u']}", 640),
            "web-acknowledge.png": (f"{base}/a/{links['a']}", 640),
            "web-archive.png": (archive, 640),
            "web-archive-375.png": (archive, 375),
            "web-archive-issue-375.png": (f"{archive}/1", 375),
            "report.png": (report.as_uri(), 1100),
            "report-375.png": (report.as_uri(), 375),
        }
        for name, (url, width) in shots.items():
            tab = browser.new_page(viewport={"width": width, "height": 720})
            tab.goto(url)
            if name == "web-acknowledge.png":
                tab.keyboard.press("Tab")  # show the focus ring on the text field
            tab.screenshot(path=str(HERE / name), full_page=True)
            print(HERE / name)
            if name == "report.png":  # and as printed, on A4
                tab.emulate_media(media="print")
                tab.pdf(path=str(PRINTED), format="A4")
                tab.set_viewport_size({"width": 720, "height": 1000})  # A4 less the margins
                tab.screenshot(path=str(PRINT_PREVIEW), full_page=True)
                print(PRINTED, PRINT_PREVIEW)
            tab.close()
        browser.close()


if __name__ == "__main__":
    main()
