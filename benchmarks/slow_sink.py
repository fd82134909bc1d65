"""An SMTP sink that waits before answering each message, as a real relay does.

    python benchmarks/slow_sink.py PORT LATENCY_MS

aiosmtpd on 127.0.0.1:PORT, discarding everything; the reply to the end of each message's data
comes LATENCY_MS after it (each connection waits on its own, as at a relay doing network and
content checks). Postfix's smtp-sink cannot: its -w waits whole seconds, before the 354.
"""

from __future__ import annotations

import asyncio
import sys

from aiosmtpd.controller import Controller


class SlowSink:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.sleep(self.seconds)
        return "250 2.0.0 OK"


def main(port: int, latency_ms: float) -> None:
    controller = Controller(SlowSink(latency_ms / 1000), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        sys.stdin.read()  # until the parent closes our stdin (or dies)
    finally:
        controller.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]))
