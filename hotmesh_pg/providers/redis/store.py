"""The Store protocol as HotMesh 0.0.55 used Redis: one command per call on ``key.render()``.

Two places differ from a bare command, both on purpose:

* job hashes (``<ns>:<app>:j:<jid>``) are created only by HSETNX; HSET / HINCRBY /
  HINCRBYFLOAT on a job that does not exist (never created, expired, scrubbed) are dropped
  by a Lua guard, so a late duplicate message cannot resurrect an expired job as a TTL-less
  junk hash (runtime.md 7.4). A dropped increment returns ``amount`` — what the command
  would have returned on an empty hash — and writes nothing;
* replies are converted to the protocol's types (HINCRBYFLOAT's text to ``float``, 1/0 to
  ``bool``), identically here and in :mod:`.transaction`, via :mod:`.replies`.

Key time-to-live runs on the Redis server's clock (PEXPIRE), as it did in HotMesh; only the
stream's delivery and delay bookkeeping follows the provider's :class:`Clock`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from ...clock import Clock
from ...errors import ProviderError
from ...keys import Key
from . import replies
from .layout import is_job
from .scripts import ScriptSet
from .transaction import RedisTransaction

__all__ = ["RedisStore"]


class RedisStore:
    kind = "redis"

    def __init__(self, client: aioredis.Redis, scripts_: ScriptSet, clock: Clock) -> None:
        self._r = client
        self._s = scripts_
        self._clock = clock

    # -- hashes -----------------------------------------------------------------------
    async def hset(self, key: Key, mapping: Mapping[str, str]) -> int:
        if not mapping:
            return 0
        if is_job(key):
            flat = [part for pair in mapping.items() for part in pair]
            return int(await self._s.job_hset(keys=[key.render()], args=flat))
        return int(await self._r.hset(key.render(), mapping=replies.fields(mapping)))

    async def hsetnx(self, key: Key, field: str, value: str) -> bool:
        return bool(await self._r.hsetnx(key.render(), field, value))

    async def hget(self, key: Key, field: str) -> str | None:
        return replies.text(await self._r.hget(key.render(), field))

    async def hmget(self, key: Key, fields: Sequence[str]) -> list[str | None]:
        if not fields:
            return []
        return [replies.text(v) for v in await self._r.hmget(key.render(), list(fields))]

    async def hgetall(self, key: Key) -> dict[str, str]:
        return cast("dict[str, str]", await self._r.hgetall(key.render()))

    async def hdel(self, key: Key, fields: Sequence[str]) -> int:
        if not fields:
            return 0
        return int(await self._r.hdel(key.render(), *fields))

    async def hincrbyfloat(self, key: Key, field: str, amount: float) -> float:
        name = key.render()
        try:
            if is_job(key):
                raw = await self._s.job_hincrbyfloat(keys=[name], args=[field, repr(amount)])
            else:
                raw = await self._r.hincrbyfloat(name, field, amount)
        except ResponseError as err:
            raise ProviderError(f"HINCRBYFLOAT {name} {field}: {err}") from err
        return replies.to_float(raw, amount)

    async def hincrby(self, key: Key, field: str, amount: int) -> int:
        name = key.render()
        try:
            if is_job(key):
                raw = await self._s.job_hincrby(keys=[name], args=[field, int(amount)])
            else:
                raw = await self._r.hincrby(name, field, int(amount))
        except ResponseError as err:
            raise ProviderError(f"HINCRBY {name} {field}: {err}") from err
        return replies.to_int(raw, amount)

    async def hscan(self, key: Key, match: str = "*", limit: int = 1000) -> dict[str, str]:
        found: dict[str, str] = {}
        if limit <= 0:
            return found
        async for field, value in self._r.hscan_iter(key.render(), match=match, count=500):
            found[field] = value
            if len(found) >= limit:
                break
        return found

    # -- keys -------------------------------------------------------------------------
    async def exists(self, key: Key) -> bool:
        return bool(await self._r.exists(key.render()))

    async def delete(self, *keys: Key) -> int:
        if not keys:
            return 0
        return int(await self._r.delete(*(k.render() for k in keys)))

    async def expire(self, key: Key, seconds: float) -> bool:
        if seconds <= 0:
            return bool(await self._r.delete(key.render()))
        return bool(await self._r.pexpire(key.render(), replies.ttl_ms(seconds)))

    async def scan_jobs(self, ns: str, app: str, match: str = "*", limit: int = 1000) -> list[str]:
        prefix = Key.job(ns, app, "").render()
        ids: dict[str, None] = {}
        if limit <= 0:
            return []
        async for name in self._r.scan_iter(match=prefix + match, count=1000, _type="hash"):
            ids[name[len(prefix):]] = None
            if len(ids) >= limit:
                break
        return list(ids)

    # -- strings ----------------------------------------------------------------------
    async def set_nx(self, key: Key, value: str, ttl_s: float | None = None) -> bool:
        px = None if ttl_s is None else replies.ttl_ms(ttl_s)
        return bool(await self._r.set(key.render(), value, nx=True, px=px))

    async def get(self, key: Key) -> str | None:
        try:
            value = replies.text(await self._r.get(key.render()))
        except ResponseError as err:
            raise ProviderError(f"GET {key}: {err}") from err
        return value

    # -- lists ------------------------------------------------------------------------
    async def rpush(self, key: Key, values: Sequence[str]) -> int:
        if not values:
            return int(await self._r.llen(key.render()))
        return int(await self._r.rpush(key.render(), *values))

    async def lpop(self, key: Key) -> str | None:
        return replies.text(await self._r.lpop(key.render()))

    async def lrange(self, key: Key, start: int, stop: int) -> list[str]:
        return [str(v) for v in await self._r.lrange(key.render(), start, stop)]

    async def lmove(self, src: Key, dst: Key) -> str | None:
        return replies.text(await self._r.lmove(src.render(), dst.render(), "LEFT", "RIGHT"))

    async def rename(self, src: Key, dst: Key) -> None:
        try:
            await self._r.rename(src.render(), dst.render())
        except ResponseError as err:
            raise ProviderError(f"RENAME {src} -> {dst}: {err}") from err

    # -- sorted sets ------------------------------------------------------------------
    async def zadd(self, key: Key, members: Mapping[str, float], nx: bool = False) -> int:
        if not members:
            return 0
        return replies.to_int(await self._r.zadd(key.render(), replies.scores(members), nx=nx))

    async def zrange(self, key: Key, start: int, stop: int) -> list[tuple[str, float]]:
        rows = await self._r.zrange(key.render(), start, stop, withscores=True)
        return replies.scored(rows)

    async def zrangebyscore(
        self, key: Key, min_score: float, max_score: float
    ) -> list[tuple[str, float]]:
        rows = await self._r.zrangebyscore(
            key.render(), replies.score(min_score), replies.score(max_score), withscores=True
        )
        return replies.scored(rows)

    async def zrem(self, key: Key, members: Sequence[str]) -> int:
        if not members:
            return 0
        return int(await self._r.zrem(key.render(), *members))

    # -- transactions -----------------------------------------------------------------
    def transaction(self) -> RedisTransaction:
        return RedisTransaction(self._r, self._s, self._clock)

