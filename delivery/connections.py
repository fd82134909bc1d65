"""Several relay connections per worker: one send loop per connection, side by side.

    more_transports(transport, settings) -> list[Transport]
    side_by_side(tasks, stop, halt, ends_all) -> list[result]

A relay that answers each message in 50 ms caps one connection at 20 messages a second, however
fast the loop. Each extra connection runs the unchanged send loop (delivery/sender.py) in a
thread of its own, with its own database connection and its own claims (ledger.connection_id),
so everything that holds for one loop holds for each: at most one unrecorded message per open
connection at a crash, and the limits counted from the ledger as they are across workers.
Threads suffice: a loop waits on the relay and the database, not on the CPU.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from briefcast.delivery.transports.base import Transport
from briefcast.settings import Settings

T = TypeVar("T")


def more_transports(transport: Transport, settings: Settings) -> list[Transport]:
    """The transports for connections 2..BRIEFCAST_SMTP_CONNECTIONS, like `transport`, not yet
    connected. None for a transport that cannot make another of itself (graph, outbox, memory:
    the mailbox's own limits, or no relay, decide their pace)."""
    another = getattr(transport, "another", None)
    if another is None or settings.smtp is None:
        return []
    return [another() for _ in range(settings.smtp.connections - 1)]


def side_by_side(
    tasks: Sequence[Callable[[], T]],
    stop: threading.Event,
    halt: threading.Event,
    ends_all: Callable[[T], bool],
) -> list[T]:
    """Run each task in a thread of its own and return their results in order.

    The tasks watch `halt`: it is set when `stop` is (the caller's), when a task's result
    `ends_all` (a loop that paused the issue: the others would meet the same relay), or when a
    task raises; the first error is raised again once every task has ended, so no thread is left
    sending behind the caller's back.
    """
    results: list[T | None] = [None] * len(tasks)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            results[index] = tasks[index]()
            if ends_all(results[index]):  # type: ignore[arg-type]
                halt.set()
        except BaseException as error:  # re-raised in the caller's thread below
            errors.append(error)
            halt.set()

    threads = [
        threading.Thread(target=work, args=(index,), name=f"connection-{index + 1}")
        for index in range(len(tasks))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            if stop.is_set():
                halt.set()
            thread.join(timeout=0.1)
    if errors:
        raise errors[0]
    return results  # type: ignore[return-value]
