"""The Stream protocol on Redis streams and consumer groups, as HotMesh's router used them.

Entries are ``XADD <stream> * message <json>`` (HotMesh's entry shape). Three additions make
Redis meet the protocol, all atomic in Lua (:mod:`.scripts`):

* groups are created at id ``0`` (not ``$``), so nothing published before a group existed
  is lost; consuming a group that does not exist yet creates it the same way;
* delayed entries wait in a sorted set beside the stream and are moved into it, in due
  order, by the same script that reads the group, so a read never misses a due entry;
  :meth:`publish` returns provisional ids ``<due_ms>-d<seq>`` for them (the real stream id
  is minted when they become due, so a due entry queues behind entries already in the
  stream, where Postgres orders by publish time — the protocol promises neither);
* idle time for XPENDING / XCLAIM is measured with the provider's :class:`Clock` from a
  delivery stamp written in the read / claim script, not the server clock, so reclaim
  delays behave the same on both providers under a test's ManualClock.

Blocking reads wait with ``XREAD BLOCK`` strictly after the last ids of the stream and of
its wake stream (returned by the read script), so an entry published — or delayed — between
the read and the wait wakes the reader; on the wall clock it otherwise sleeps until the
next delayed entry is due.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from ...clock import Clock, SystemClock
from ...errors import ProviderError
from ...keys import Key
from ..protocols import PendingEntry, StreamMessage
from . import payload
from .commands import Commands, run, run_all
from .layout import claims_key, delayed_key, stream_key, wake_key
from .scripts import ScriptSet

__all__ = ["RedisStream"]

DELAY_POLL_MS = 100
"""Longest blocking wait while delayed entries exist under a clock other than the wall clock
(a test's ManualClock may jump meanwhile); on the wall clock a reader sleeps until the next
entry is due or a new one arrives."""


class RedisStream:
    def __init__(self, client: aioredis.Redis, scripts: ScriptSet, commands: Commands) -> None:
        self._r = client
        self._s = scripts
        self._c = commands
        self._clock: Clock = commands.clock

    async def create_group(self, stream: Key, group: str) -> None:
        name = stream_key(stream)
        try:
            await self._r.xgroup_create(name, group, id="0", mkstream=True)
        except ResponseError as err:
            if "BUSYGROUP" not in str(err):
                raise ProviderError(f"XGROUP CREATE {name} {group}: {err}") from err

    async def publish(
        self, stream: Key, messages: Sequence[dict[str, Any]], delay_ms: int = 0
    ) -> list[str]:
        name = stream_key(stream)
        texts = [payload.encode(m, f"publish to {name}") for m in messages]
        if not texts:
            return []
        cmds = [self._c.xadd_text(stream, text, delay_ms) for text in texts]
        return [str(i) for i in await run_all(self._r, self._s, cmds)]

    async def consume(
        self, stream: Key, group: str, consumer: str, count: int = 10, block_ms: int = 0
    ) -> list[StreamMessage]:
        name = stream_key(stream)
        wake = wake_key(stream)
        keys = [name, delayed_key(stream), claims_key(stream), wake]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0, block_ms) / 1000
        while True:
            now = self._clock.now_ms()
            try:
                read, last_id, next_due, wake_id = await self._s.stream_consume(
                    keys=keys, args=[group, consumer, max(1, int(count)), now]
                )
            except ResponseError as err:
                raise ProviderError(f"XREADGROUP {name} {group}: {err}") from err
            if read:
                return [_message(entry, 1) for entry in read]
            remaining_ms = (deadline - loop.time()) * 1000
            if remaining_ms < 1:
                return []
            wait_ms = remaining_ms
            if next_due is not None:
                wait_ms = min(wait_ms, max(1.0, float(next_due) - now))
                if not isinstance(self._clock, SystemClock):
                    wait_ms = min(wait_ms, DELAY_POLL_MS)
            await self._r.xread({name: last_id, wake: wake_id}, count=1,
                                block=max(1, int(wait_ms)))

    async def pending(self, stream: Key, group: str, count: int = 10) -> list[PendingEntry]:
        name = stream_key(stream)
        try:
            rows = await self._s.stream_pending(
                keys=[name, claims_key(stream)], args=[group, int(count), self._clock.now_ms()]
            )
        except ResponseError as err:
            if "NOGROUP" in str(err):
                return []
            raise ProviderError(f"XPENDING {name} {group}: {err}") from err
        return [
            PendingEntry(id=str(i), consumer=str(c), idle_ms=max(0, int(idle)), deliveries=int(n))
            for i, c, idle, n in rows
        ]

    async def claim(
        self, stream: Key, group: str, consumer: str, min_idle_ms: int, ids: Sequence[str]
    ) -> list[StreamMessage]:
        if not ids:
            return []
        name = stream_key(stream)
        try:
            rows = await self._s.stream_claim(
                keys=[name, claims_key(stream)],
                args=[group, consumer, int(min_idle_ms), self._clock.now_ms(), *ids],
            )
        except ResponseError as err:
            if "NOGROUP" in str(err):
                return []
            raise ProviderError(f"XCLAIM {name} {group}: {err}") from err
        return [_message((entry_id, fields), int(n)) for entry_id, fields, n in rows]

    async def ack(self, stream: Key, group: str, ids: Sequence[str]) -> int:
        return int(await run(self._r, self._s, self._c.xack(stream, group, ids)))

    async def length(self, stream: Key) -> int:
        return int(await run(self._r, self._s, self._c.xlen(stream)))


def _message(entry: Sequence[Any], deliveries: int) -> StreamMessage:
    """A stream entry ``[id, [field, value, ...]]`` as a StreamMessage (HotMesh's ``message``)."""
    entry_id, fields = entry[0], entry[1]
    values = dict(zip(fields[::2], fields[1::2], strict=True))
    text = values.get("message")
    if text is None:
        raise ProviderError(f"stream entry {entry_id} has no 'message' field: {sorted(values)}")
    return StreamMessage(id=str(entry_id), data=payload.decode(str(text)), deliveries=deliveries)
