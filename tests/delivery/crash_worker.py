"""A send worker as its own process, for the crash test: `python crash_worker.py ISSUE_ID`.

Settings come from the environment (BRIEFCAST_DATABASE_URL, BRIEFCAST_SMTP_*), as the real
worker's do; the worker id is fixed, as a restarted worker's is. Prints the report as JSON.
"""

from __future__ import annotations

import json
import sys

from briefcast.delivery.sender import send_issue
from briefcast.delivery.transports import open_transport
from briefcast.settings import Settings
from briefcast.store import open_database


def main(issue_id: int) -> None:
    settings = Settings.from_env()
    engine = open_database(settings.database_url)
    with open_transport(settings) as transport:
        report = send_issue(engine, issue_id, transport, settings, worker_id="crash-worker")
    print(json.dumps({"counts": vars(report.counts), "paused": report.paused_reason}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
