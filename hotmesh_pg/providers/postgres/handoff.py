"""Hand-off of new stream entries to a consumer of this process that is already waiting.

Without it every hop of a job costs a NOTIFY, a wake-up and a claim round trip: the
producer commits, the consumer wakes and runs ``FOR UPDATE SKIP LOCKED`` to take the row it
could have been given. With it, a transaction that appends to a stream on which a consumer
of this process is blocked in ``consume()`` inserts the entry already delivered to that
consumer (``reserved_by``, ``deliveries = 1``: exactly the row a claim leaves) and, once
the transaction has committed, passes the message to the waiting call in memory. Nothing
about delivery guarantees changes: the entry is pending for that consumer and is reclaimed
like any claimed entry if the process dies before acknowledging it.

A consumer is only offered as many entries as it asked for, and only while it waits; one
that stops waiting before a promised entry commits gets it anyway (the call waits for its
promises), and one that is cancelled hands stranded entries back to the stream.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from ..protocols import StreamMessage

__all__ = ["Handoffs", "Waiter"]


@dataclass(eq=False)
class Waiter:
    """One ``consume()`` call that is blocked waiting for entries."""

    consumer: str
    capacity: int
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    promised: int = 0
    messages: list[StreamMessage] = field(default_factory=list)
    closed: bool = False

    def free(self) -> int:
        return self.capacity - self.promised - len(self.messages)

    def deliver(self, message: StreamMessage) -> bool:
        """A promised entry committed; ``False`` if the call is gone (release it)."""
        self.promised -= 1
        self.ready.set()
        if self.closed:
            return False
        self.messages.append(message)
        return True

    def forfeit(self) -> None:
        """A promised entry's transaction failed: nothing will arrive for it."""
        self.promised -= 1
        self.ready.set()

    def close(self) -> list[StreamMessage]:
        """The call was cancelled: later deliveries are refused; returns what it held."""
        self.closed = True
        held, self.messages = self.messages, []
        return held


class Handoffs:
    """Waiting consumers per stream (rendered key) in this process."""

    def __init__(self) -> None:
        self._waiting: dict[str, list[Waiter]] = {}

    def register(self, stream: str, waiter: Waiter) -> None:
        self._waiting.setdefault(stream, []).append(waiter)

    def unregister(self, stream: str, waiter: Waiter) -> None:
        waiters = self._waiting.get(stream)
        if waiters is None:
            return
        if waiter in waiters:
            waiters.remove(waiter)
        if not waiters:
            del self._waiting[stream]

    def reserve(self, stream: str) -> Waiter | None:
        """Promise one entry of ``stream`` to a waiting consumer with room, if any."""
        waiters = self._waiting.get(stream)
        if not waiters:
            return None
        for i, waiter in enumerate(waiters):
            if waiter.free() > 0:
                waiter.promised += 1
                # round robin between several waiting consumers of one stream
                waiters.append(waiters.pop(i))
                return waiter
        return None

    def wake(self, stream: str) -> None:
        for waiter in self._waiting.get(stream, ()):
            waiter.ready.set()

    def wake_all(self) -> None:
        for waiters in self._waiting.values():
            for waiter in waiters:
                waiter.ready.set()
