"""The Store protocol as HotMesh 0.0.55 used Redis: one command per call on ``key.render()``.

Writes are built once in :mod:`.commands` (shared with the transaction, so a call answers
the same alone or in ``exec()``); that is also where job hashes get their expiry guard (a late
write must not resurrect an expired job, runtime.md 7.4). Reads are plain commands, replies
converted to the protocol's types by :mod:`.replies`; a server refusal (WRONGTYPE, a missing
RENAME source) becomes :class:`ProviderError` naming the command and key.

Key time-to-live runs on the Redis server's clock (PEXPIRE), as it did in HotMesh; only the
stream's delivery and delay bookkeeping follows the provider's :class:`Clock`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar, cast

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from ...errors import ProviderError
from ...keys import Key, KeyType
from . import replies
from .commands import Command, Commands, run
from .layout import delayed_key
from .scripts import ScriptSet
from .transaction import RedisTransaction

T = TypeVar("T")

__all__ = ["RedisStore"]


@asynccontextmanager
async def _refusal(label: str) -> AsyncIterator[None]:
    try:
        yield
    except ResponseError as err:
        raise ProviderError(f"{label}: {err}") from err


class RedisStore:
    kind = "redis"

    def __init__(self, client: aioredis.Redis, scripts: ScriptSet, commands: Commands) -> None:
        self._r = client
        self._s = scripts
        self._c = commands

    async def _run(self, cmd: Command) -> Any:
        return await run(self._r, self._s, cmd)

    # -- hashes -----------------------------------------------------------------------
    async def hset(self, key: Key, mapping: Mapping[str, str]) -> int:
        return int(await self._run(self._c.hset(key, mapping)))

    async def hsetnx(self, key: Key, field: str, value: str) -> bool:
        return bool(await self._run(self._c.hsetnx(key, field, value)))

    async def hget(self, key: Key, field: str) -> str | None:
        async with _refusal(f"HGET {key}"):
            return replies.text(await self._r.hget(key.render(), field))

    async def hmget(self, key: Key, fields: Sequence[str]) -> list[str | None]:
        if not fields:
            return []
        async with _refusal(f"HMGET {key}"):
            values = await self._r.hmget(key.render(), list(fields))
        return [replies.text(v) for v in values]

    async def hgetall(self, key: Key) -> dict[str, str]:
        async with _refusal(f"HGETALL {key}"):
            return cast("dict[str, str]", await self._r.hgetall(key.render()))

    async def hdel(self, key: Key, fields: Sequence[str]) -> int:
        return int(await self._run(self._c.hdel(key, fields)))

    async def hincrbyfloat(self, key: Key, field: str, amount: float) -> float:
        return float(await self._run(self._c.hincrbyfloat(key, field, amount)))

    async def hincrby(self, key: Key, field: str, amount: int) -> int:
        return int(await self._run(self._c.hincrby(key, field, amount)))

    async def hscan(self, key: Key, match: str = "*", limit: int = 1000) -> dict[str, str]:
        found: dict[str, str] = {}
        if limit <= 0:
            return found
        async with _refusal(f"HSCAN {key}"):
            async for field, value in self._r.hscan_iter(key.render(), match=match, count=500):
                found[str(field)] = str(value)
                if len(found) >= limit:
                    break
        return found

    # -- keys -------------------------------------------------------------------------
    async def exists(self, key: Key) -> bool:
        if key.kind is KeyType.STREAMS:  # entries still delayed count as the stream's
            return bool(await self._r.exists(key.render(), delayed_key(key)))
        return bool(await self._r.exists(key.render()))

    async def delete(self, *keys: Key) -> int:
        return int(await self._run(self._c.delete(keys)))

    async def expire(self, key: Key, seconds: float) -> bool:
        return bool(await self._run(self._c.expire(key, seconds)))

    async def scan_jobs(self, ns: str, app: str, match: str = "*", limit: int = 1000) -> list[str]:
        prefix = Key.job(ns, app, "").render()
        ids: dict[str, None] = {}
        if limit <= 0:
            return []
        async for name in self._r.scan_iter(match=prefix + match, count=1000, _type="hash"):
            ids[str(name)[len(prefix):]] = None
            if len(ids) >= limit:
                break
        return list(ids)

    # -- strings ----------------------------------------------------------------------
    async def set_nx(self, key: Key, value: str, ttl_s: float | None = None) -> bool:
        px = None if ttl_s is None else replies.ttl_ms(ttl_s)
        async with _refusal(f"SET {key}"):
            return bool(await self._r.set(key.render(), value, nx=True, px=px))

    async def get(self, key: Key) -> str | None:
        async with _refusal(f"GET {key}"):
            return replies.text(await self._r.get(key.render()))

    # -- lists ------------------------------------------------------------------------
    async def rpush(self, key: Key, values: Sequence[str]) -> int:
        return int(await self._run(self._c.rpush(key, values)))

    async def lpop(self, key: Key) -> str | None:
        async with _refusal(f"LPOP {key}"):
            return replies.text(await self._r.lpop(key.render()))

    async def lrange(self, key: Key, start: int, stop: int) -> list[str]:
        async with _refusal(f"LRANGE {key}"):
            return [str(v) for v in await self._r.lrange(key.render(), start, stop)]

    async def lmove(self, src: Key, dst: Key) -> str | None:
        async with _refusal(f"LMOVE {src} {dst}"):
            return replies.text(await self._r.lmove(src.render(), dst.render(), "LEFT", "RIGHT"))

    async def rename(self, src: Key, dst: Key) -> None:
        async with _refusal(f"RENAME {src} -> {dst}"):
            await self._r.rename(src.render(), dst.render())

    # -- sorted sets ------------------------------------------------------------------
    async def zadd(self, key: Key, members: Mapping[str, float], nx: bool = False) -> int:
        return int(await self._run(self._c.zadd(key, members, nx)))

    async def zrange(self, key: Key, start: int, stop: int) -> list[tuple[str, float]]:
        async with _refusal(f"ZRANGE {key}"):
            rows = await self._r.zrange(key.render(), start, stop, withscores=True)
        return replies.scored(rows)

    async def zrangebyscore(
        self, key: Key, min_score: float, max_score: float
    ) -> list[tuple[str, float]]:
        async with _refusal(f"ZRANGEBYSCORE {key}"):
            rows = await self._r.zrangebyscore(
                key.render(), replies.score(min_score), replies.score(max_score),
                withscores=True,
            )
        return replies.scored(rows)

    async def zrem(self, key: Key, members: Sequence[str]) -> int:
        return int(await self._run(self._c.zrem(key, members)))

    # -- transactions -----------------------------------------------------------------
    def transaction(self) -> RedisTransaction:
        return RedisTransaction(self._r, self._s, self._c)

    async def atomically(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Redis has no interactive transactions: ``fn`` runs as is (see the protocol)."""
        return await fn()
