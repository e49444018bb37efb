"""The Sub protocol on PUBLISH / SUBSCRIBE / PSUBSCRIBE, with one registry per channel.

HotMesh's ioredis wrapper added a connection-level listener on every subscribe and never
removed it, so re-subscribing duplicated callbacks (runtime.md 7.6). Here the registry holds
one callback per channel and per pattern: subscribing again replaces it (as the Postgres
provider does), (p)unsubscribe removes it and, with it, the server subscription.

One dedicated connection carries the subscriptions; a reader task dispatches each message to
the callbacks of its exact channel and of every matching pattern (Redis does the glob
matching, and sends one ``pmessage`` per matching pattern). ``subscribe`` returns only after
the server confirmed, so a message published right after it is received. When the
connection drops, redis-py reconnects and re-subscribes everything; a warning is logged
each time (messages published while it was down are lost, as with any Redis subscriber).

Callbacks run as tasks, started in arrival order, so a callback may itself (un)subscribe or
publish without deadlocking the reader.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.client import PubSub
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ...errors import ProviderError
from ..protocols import SubCallback
from . import payload

__all__ = ["RedisSub"]

log = logging.getLogger("hotmesh_pg.providers.redis.sub")

CONFIRM_TIMEOUT_S = 10.0
RECONNECT_PAUSE_S = 0.2


class RedisSub:
    def __init__(self, client: aioredis.Redis) -> None:
        self._r = client
        self._pubsub: PubSub | None = None
        self._channels: dict[str, SubCallback] = {}
        self._patterns: dict[str, SubCallback] = {}
        self._waiting: dict[tuple[str, str], list[asyncio.Future[None]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._lock = asyncio.Lock()
        self._closed = False
        self._watching = False

    # -- publishing -------------------------------------------------------------------
    async def publish(self, channel: str, message: dict[str, Any]) -> int:
        return int(await self._r.publish(channel, payload.encode(message, f"publish to {channel}")))

    # -- subscribing ------------------------------------------------------------------
    async def subscribe(self, channel: str, callback: SubCallback) -> None:
        await self._add(self._channels, "subscribe", channel, callback)

    async def psubscribe(self, pattern: str, callback: SubCallback) -> None:
        await self._add(self._patterns, "psubscribe", pattern, callback)

    async def unsubscribe(self, channel: str) -> None:
        await self._remove(self._channels, "unsubscribe", channel)

    async def punsubscribe(self, pattern: str) -> None:
        await self._remove(self._patterns, "punsubscribe", pattern)

    async def _add(
        self, registry: dict[str, SubCallback], kind: str, name: str, callback: SubCallback
    ) -> None:
        if self._closed:
            raise ProviderError(f"{kind} {name}: the subscriber is closed")
        async with self._lock:
            known = name in registry
            registry[name] = callback
            if known:
                return
            pubsub = self._connection()
            confirmed = self._expect(kind, name)
            try:
                if kind == "subscribe":
                    await pubsub.subscribe(name)
                else:
                    await pubsub.psubscribe(name)
                self._watch_reconnects(pubsub)
                self._start_reader()
                await asyncio.wait_for(confirmed, CONFIRM_TIMEOUT_S)
            except BaseException:
                registry.pop(name, None)
                self._forget(kind, name, confirmed)
                raise

    async def _remove(self, registry: dict[str, SubCallback], kind: str, name: str) -> None:
        async with self._lock:
            if registry.pop(name, None) is None or self._pubsub is None:
                return
            if kind == "unsubscribe":
                await self._pubsub.unsubscribe(name)
            else:
                await self._pubsub.punsubscribe(name)

    def _connection(self) -> PubSub:
        if self._pubsub is None:
            self._pubsub = self._r.pubsub()
        return self._pubsub

    def _watch_reconnects(self, pubsub: PubSub) -> None:
        """Log every reconnect of the subscriber link (redis-py re-subscribes silently)."""
        if not self._watching and pubsub.connection is not None:
            pubsub.connection.register_connect_callback(self._reconnected)
            self._watching = True

    async def _reconnected(self, _connection: object) -> None:
        log.warning(
            "redis subscriber reconnected; re-subscribed %d channel(s) and %d pattern(s)",
            len(self._channels), len(self._patterns),
        )

    def _expect(self, kind: str, name: str) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault((kind, name), []).append(future)
        return future

    def _forget(self, kind: str, name: str, future: asyncio.Future[None]) -> None:
        futures = self._waiting.get((kind, name), [])
        if future in futures:
            futures.remove(future)

    # -- reading ----------------------------------------------------------------------
    def _start_reader(self) -> None:
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read(), name="hotmesh-redis-sub")

    async def _read(self) -> None:
        pubsub = self._connection()
        dropped = False
        while not self._closed:
            try:
                if not pubsub.subscribed:
                    await asyncio.sleep(0.05)
                    continue
                message = await pubsub.get_message(timeout=1.0)
                if dropped:
                    log.warning("redis subscriber connection restored; subscriptions renewed")
                    dropped = False
            except (RedisConnectionError, RedisTimeoutError, OSError) as err:
                if not dropped:
                    log.warning("redis subscriber connection lost (%s); reconnecting", err)
                dropped = True
                await asyncio.sleep(RECONNECT_PAUSE_S)
                continue
            except RedisError as err:  # pragma: no cover - protocol-level surprise
                log.error("redis subscriber error: %s", err)
                await asyncio.sleep(RECONNECT_PAUSE_S)
                continue
            if message is not None:
                self._handle(message)

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind in ("subscribe", "psubscribe"):
            name = str(message.get("channel"))
            for future in self._waiting.pop((str(kind), name), []):
                if not future.done():
                    future.set_result(None)
            return
        if kind == "message":
            channel = str(message["channel"])
            callback = self._channels.get(channel)
        elif kind == "pmessage":
            channel = str(message["channel"])
            callback = self._patterns.get(str(message["pattern"]))
        else:
            return
        if callback is None:
            return
        try:
            data = payload.decode(str(message["data"]))
        except (ValueError, ProviderError) as err:
            log.error("dropping undecodable message on %s: %s", channel, err)
            return
        task = asyncio.create_task(_call(callback, channel, data))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- closing ----------------------------------------------------------------------
    async def close(self) -> None:
        self._closed = True
        self._channels.clear()
        self._patterns.clear()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]
            self._pubsub = None


async def _call(callback: SubCallback, channel: str, data: dict[str, Any]) -> None:
    try:
        result = callback(channel, data)
        if inspect.isawaitable(result):
            await result
    except Exception:
        log.exception("subscriber callback for %s failed", channel)
