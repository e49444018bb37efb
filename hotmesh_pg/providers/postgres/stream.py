"""The Stream protocol over one ``streams`` table (runtime.md 7.5).

One implicit consumer group per stream: every entry not yet acknowledged is deliverable, and
the ``group`` argument only names it. Claims lock candidates with ``FOR UPDATE SKIP LOCKED``
inside a MATERIALIZED CTE, so concurrent consumers never share an entry and the locking
select runs exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

from ...keys import Key
from ..protocols import JSONDict, PendingEntry, StreamMessage
from .codec import dumps, loads
from .handoff import Waiter
from .ops import _ids
from .tx import Executor

__all__ = ["PgStream"]

POLL_FLOOR_S = 0.5
MAX_BATCH = 1000


class PgStream:
    def __init__(self, executor: Executor) -> None:
        self._x = executor
        self._b = executor.builder
        self._shared = executor.shared
        self._q = executor.shared.queries

    def _key(self, stream: Key) -> str:
        if not self._b.is_stream(stream):
            from ...errors import ProviderError

            raise ProviderError(f"not a stream key: {stream.render()!r}")
        return self._b.kv(stream)

    async def _rows(self, query: Any, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        return await self._x.rows(query, params)

    async def create_group(self, stream: Key, group: str) -> None:
        self._key(stream)

    async def publish(
        self, stream: Key, messages: Sequence[JSONDict], delay_ms: int = 0
    ) -> list[str]:
        bodies = [dumps(m) for m in messages]
        if not bodies:
            return []
        op = self._b.xadd(stream, bodies, delay_ms, self._shared.listener.stream_channel)
        ids: list[str] = (await self._x.run([op]))[0]
        return ids

    @staticmethod
    def _messages(rows: list[tuple[Any, ...]]) -> list[StreamMessage]:
        rows.sort(key=lambda r: int(r[0]))
        return [StreamMessage(str(r[0]), loads(r[1]), int(r[2])) for r in rows]

    async def consume(
        self, stream: Key, group: str, consumer: str, count: int = 10, block_ms: int = 0
    ) -> list[StreamMessage]:
        s = self._key(stream)
        listener = self._shared.listener
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0, block_ms) / 1000
        count = max(1, min(int(count), MAX_BATCH))
        started = False
        while True:
            announcement = listener.announcement_due(s)
            if announcement is not None:
                # before the claim: an entry committed after it is notified to us
                await self._rows(self._q.notify, {"channel": listener.presence_channel,
                                                  "payload": announcement})
            event = listener.stream_event(s)
            now_ms = self._b.clock.now_ms()
            if block_ms > 0 and listener.claim_pointless(s, now_ms):
                rows = []  # drained a moment ago and nothing arrived since: just wait
            else:
                mark = listener.claim_started(s)
                rows = await self._rows(self._q.stream_claim, {
                    "stream": s, "consumer": consumer, "now": now_ms, "count": count,
                })
                listener.claim_finished(s, mark, len(rows) < count, now_ms)
            if rows:
                return self._messages(rows)
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            if not started:
                started = True
                await listener.start(wait_s=0)
            handed = await self._wait(s, consumer, count, event, min(remaining, POLL_FLOOR_S))
            if handed:
                return handed

    async def _wait(
        self, s: str, consumer: str, count: int, event: asyncio.Event, timeout_s: float
    ) -> list[StreamMessage]:
        """Wait for a wake-up or for entries handed to this call (see ``.handoff``).

        ``event`` was taken before the last claim, so a wake-up in between is not lost.
        Entries promised to this call while it waited are waited for (their transaction is
        committing) and returned; if the call is cancelled they go back to the stream.
        """
        handoffs = self._shared.listener.handoffs
        waiter = Waiter(consumer, count)
        handoffs.register(s, waiter)
        try:
            if not event.is_set():
                # asyncio.timeout, not wait_for: on 3.11 wait_for can turn a cancellation
                # that races its own timeout into a TimeoutError, and the consumer would
                # ignore being cancelled (seen as a stop that waited out the whole block).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout_s):
                        await waiter.ready.wait()
            handoffs.unregister(s, waiter)
            while waiter.promised > 0:
                waiter.ready.clear()
                await waiter.ready.wait()
        except BaseException:
            handoffs.unregister(s, waiter)
            stranded = waiter.close()
            if stranded:
                self._x.release(s, consumer, [m.id for m in stranded])
            raise
        return sorted(waiter.messages, key=lambda m: int(m.id))

    async def pending(self, stream: Key, group: str, count: int = 10) -> list[PendingEntry]:
        rows = await self._rows(self._q.stream_pending, {
            "stream": self._key(stream), "now": self._b.clock.now_ms(), "count": int(count)})
        return [PendingEntry(str(i), str(c), max(0, int(idle)), int(d)) for i, c, idle, d in rows]

    async def claim(
        self, stream: Key, group: str, consumer: str, min_idle_ms: int, ids: Sequence[str]
    ) -> list[StreamMessage]:
        if not ids:
            return []
        rows = await self._rows(self._q.stream_reclaim, {
            "stream": self._key(stream), "consumer": consumer, "now": self._b.clock.now_ms(),
            "min_idle": int(min_idle_ms), "ids": _ids(ids)})
        return self._messages(rows)

    async def ack(self, stream: Key, group: str, ids: Sequence[str]) -> int:
        if not ids:
            return 0
        return int((await self._x.run([self._b.xack(stream, ids)]))[0])

    async def length(self, stream: Key) -> int:
        return int((await self._x.run([self._b.xlen(stream)]))[0])
