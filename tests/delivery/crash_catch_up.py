"""A catch-up run as its own process, for the crash test: `python crash_catch_up.py CAMPAIGN`.

What the worker and `briefcast catch-up` do: plan the catch-ups due now, then send each through
the ordinary send loop with a fixed worker id (as a restarted worker's is). Settings come from the
environment. Prints the catch-ups' ids and counts as JSON.
"""

from __future__ import annotations

import json
import sys

from briefcast.delivery.catch_up import plan_due
from briefcast.delivery.sender import send_issue
from briefcast.delivery.transports import open_transport
from briefcast.settings import Settings
from briefcast.store import campaigns as store
from briefcast.store import open_database
from briefcast.store.audit import Actor
from briefcast.store.catch_up import catch_ups_to_send
from briefcast.store.engine import read
from briefcast.store.schema import utcnow


def main(name: str) -> None:
    settings = Settings.from_env()
    engine = open_database(settings.database_url)
    plan_due(engine, settings, utcnow(), actor=Actor.process("worker crash-worker"), name=name)
    with read(engine) as conn:
        ids = catch_ups_to_send(conn, store.find_campaign(conn, name).id)
    sent = {}
    for issue_id in ids:
        with open_transport(settings) as transport:
            report = send_issue(engine, issue_id, transport, settings, worker_id="crash-worker")
        sent[issue_id] = vars(report.counts)
    print(json.dumps(sent))


if __name__ == "__main__":
    main(sys.argv[1])
