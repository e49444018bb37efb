"""The Sub protocol over NOTIFY on one physical channel per schema (runtime.md 7.6, 7.8 #7).

Every message is also a ``sub_messages`` row: a notification carries the body inline when
the whole payload stays under the NOTIFY budget and only the row id otherwise, so a payload
of any size arrives intact, a listener that reconnects can catch up, and poll-only
subscribers read the same rows. Channels and patterns are matched in process (exact, then
Redis globs); each matching subscription receives the message once.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from typing import Any

from ...errors import ProviderError
from ..protocols import JSONDict, SubCallback
from .codec import dumps, encode
from .glob import glob_match
from .ops import Op, Rows
from .tx import Executor

__all__ = ["NOTIFY_PAYLOAD_LIMIT", "PgSub"]

log = logging.getLogger("hotmesh_pg.postgres.sub")

NOTIFY_PAYLOAD_LIMIT = 7500
"""Bytes; Postgres refuses NOTIFY payloads of 8000 bytes or more."""
PRUNE_EVERY = 200
RETENTION_MS = 5 * 60 * 1000


class PgSub:
    def __init__(self, executor: Executor) -> None:
        self._x = executor
        self._shared = executor.shared
        self._exact: dict[str, SubCallback] = {}
        self._patterns: dict[str, SubCallback] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._published = 0

    # -- publishing ----------------------------------------------------------------------
    def publish_op(self, channel: str, message: JSONDict) -> Op:
        """The op that publishes ``message`` (standalone or queued in a transaction)."""
        if not isinstance(channel, str) or not channel:
            raise ProviderError(f"channel must be a non-empty str, got {channel!r}")
        body = dumps(message)
        q = self._shared.queries
        ch = encode(channel)
        rest = '"ch":' + json.dumps(ch) + ',"msg":' + body + "}"
        params = {"ch": ch, "body": body, "now": self._x.builder.clock.now_ms(),
                  "channel": self._shared.listener.sub_channel}
        if len(rest.encode()) + 40 < NOTIFY_PAYLOAD_LIMIT:
            stmt = (q.sub_publish_inline, {**params, "rest": rest})
        else:
            stmt = (q.sub_publish_ref, params)
        listener = self._shared.listener
        sent: list[int] = []

        def result(rs: list[Rows]) -> int:
            sent.extend(int(r[0]) for r in rs[0])
            return listener.local_receivers(channel)

        def after() -> None:
            for msg_id in sent:
                listener.deliver_local(msg_id, ch, body)

        return Op([stmt], result, after=after)

    async def publish(self, channel: str, message: JSONDict) -> int:
        count = int((await self._x.run([self.publish_op(channel, message)]))[0])
        self._published += 1
        if self._published % PRUNE_EVERY == 0:
            await self._prune()
        return count

    async def _prune(self) -> None:
        before = self._x.builder.clock.now_ms() - RETENTION_MS
        await self._x.rows(self._shared.queries.sub_prune, {"before": before})

    # -- subscribing ---------------------------------------------------------------------
    async def subscribe(self, channel: str, callback: SubCallback) -> None:
        self._exact[channel] = callback
        await self._attach()

    async def unsubscribe(self, channel: str) -> None:
        self._exact.pop(channel, None)
        self._detach_if_idle()

    async def psubscribe(self, pattern: str, callback: SubCallback) -> None:
        self._patterns[pattern] = callback
        await self._attach()

    async def punsubscribe(self, pattern: str) -> None:
        self._patterns.pop(pattern, None)
        self._detach_if_idle()

    async def _attach(self) -> None:
        listener = self._shared.listener
        listener.add_sink(self)
        await listener.start()

    def _detach_if_idle(self) -> None:
        if not self._exact and not self._patterns:
            self._shared.listener.remove_sink(self)

    async def close(self) -> None:
        self._exact.clear()
        self._patterns.clear()
        self._shared.listener.remove_sink(self)
        for task in list(self._tasks):
            task.cancel()

    # -- delivery (called by the listener) -----------------------------------------------
    def count(self, channel: str) -> int:
        return int(channel in self._exact) + sum(
            1 for p in self._patterns if glob_match(p, channel))

    def deliver(self, channel: str, message: Any) -> None:
        callbacks = []
        if channel in self._exact:
            callbacks.append(self._exact[channel])
        callbacks.extend(cb for p, cb in list(self._patterns.items()) if glob_match(p, channel))
        for callback in callbacks:
            try:
                result = callback(channel, message)
            except Exception:
                log.exception("subscriber callback for %s failed", channel)
                continue
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._tasks.add(task)
                task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("subscriber callback failed", exc_info=task.exception())
