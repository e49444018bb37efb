"""The Store protocol over Postgres: job state, hashes, lists, sorted sets, strings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from ...errors import ProviderError
from ...keys import Key
from ..protocols import Transaction
from .codec import decode, encode
from .glob import glob_match, glob_prefix
from .ops import Op, OpBuilder, Params
from .tx import Executor, PgTransaction

__all__ = ["PgStore"]

_SCAN_BATCH = 1000
T = TypeVar("T")


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class PgStore:
    kind = "postgres"

    def __init__(self, executor: Executor, sub_publish: Any) -> None:
        self._x = executor
        self._b: OpBuilder = executor.builder
        self._q = executor.shared.queries
        self._sub_publish = sub_publish

    async def _one(self, op: Any) -> Any:
        return (await self._x.run([op]))[0]

    async def _rows(self, query: bytes, params: Params) -> list[tuple[Any, ...]]:
        return await self._x.rows(query, params)

    def _now(self) -> int:
        return self._b.clock.now_ms()

    # -- hashes --------------------------------------------------------------------------
    async def hset(self, key: Key, mapping: Mapping[str, str]) -> int:
        return int(await self._one(self._b.hset(key, mapping)))

    async def hsetnx(self, key: Key, field: str, value: str) -> bool:
        return bool(await self._one(self._b.hsetnx(key, field, value)))

    async def _fields(self, key: Key, fields: Sequence[str] | None) -> dict[str, str]:
        if self._b.is_stream(key):
            raise ProviderError(f"hash read on stream key {key.render()!r}")
        if self._b.is_job(key):
            p = self._b.job_params(key)
            query = self._q.job_hgetall if fields is None else self._q.job_hmget
        else:
            p = {"key": self._b.kv(key), "now": self._now()}
            query = self._q.hash_getall if fields is None else self._q.hash_mget
        if fields is not None:
            p["fields"] = [encode(f) for f in fields]
        return {decode(f): decode(v) for f, v in await self._rows(query, p)}

    async def hget(self, key: Key, field: str) -> str | None:
        return (await self._fields(key, [field])).get(field)

    async def hmget(self, key: Key, fields: Sequence[str]) -> list[str | None]:
        found = await self._fields(key, list(fields))
        return [found.get(f) for f in fields]

    async def hgetall(self, key: Key) -> dict[str, str]:
        return await self._fields(key, None)

    async def hdel(self, key: Key, fields: Sequence[str]) -> int:
        return int(await self._one(self._b.hdel(key, fields)))

    async def hincrbyfloat(self, key: Key, field: str, amount: float) -> float:
        return float(await self._one(self._b.hincr(key, field, amount, integer=False)))

    async def hincrby(self, key: Key, field: str, amount: int) -> int:
        return int(await self._one(self._b.hincr(key, field, amount, integer=True)))

    async def hscan(self, key: Key, match: str = "*", limit: int = 1000) -> dict[str, str]:
        out: dict[str, str] = {}
        for f, v in (await self._fields(key, None)).items():
            if glob_match(match, f):
                out[f] = v
                if len(out) >= limit:
                    break
        return out

    # -- keys ----------------------------------------------------------------------------
    async def exists(self, key: Key) -> bool:
        if self._b.is_job(key):
            rows = await self._rows(self._q.job_exists, self._b.job_params(key))
        elif self._b.is_stream(key):
            rows = await self._rows(self._q.stream_exists, {"stream": self._b.kv(key)})
        else:
            rows = await self._rows(self._q.kv_exists, {"key": self._b.kv(key),
                                                        "now": self._now()})
        return bool(rows)

    async def delete(self, *keys: Key) -> int:
        if not keys:
            return 0
        return int(await self._one(self._b.delete(keys)))

    async def expire(self, key: Key, seconds: float) -> bool:
        return bool(await self._one(self._b.expire(key, seconds)))

    async def scan_jobs(self, ns: str, app: str, match: str = "*", limit: int = 1000) -> list[str]:
        prefix = encode(glob_prefix(match))
        params: Params = {"ns": encode(ns), "app": encode(app), "now": self._now(),
                          "prefix": _like_prefix(prefix), "after": "", "batch": _SCAN_BATCH}
        out: list[str] = []
        while len(out) < limit:
            rows = await self._rows(self._q.job_scan, params)
            for (jid,) in rows:
                decoded = decode(jid)
                if glob_match(match, decoded):
                    out.append(decoded)
                    if len(out) >= limit:
                        break
            if len(rows) < _SCAN_BATCH:
                break
            params["after"] = rows[-1][0]
        return out

    # -- durable search (optional capability used by hotmesh_pg.durable.search) ----------
    async def search_jobs(
        self, ns: str, app: str, prefixes: Sequence[str], parsed: Any,
        schema: Mapping[str, Any],
    ) -> tuple[int, list[tuple[str, dict[str, str]]]]:
        """Run a parsed durable search query as SQL (see ``.search``)."""
        from .search import search_jobs

        return await search_jobs(self._x.shared.pool, self._x.shared.schema, self._now(),
                                 ns, app, prefixes, parsed, schema)

    async def ensure_search_index(self, ns: str, app: str, schema: Mapping[str, Any]) -> None:
        """Create the indexes behind a durable search index's fields (see ``.search``)."""
        from .search import ensure_search_index

        del ns, app  # the indexes are per field name, shared by every namespace
        await ensure_search_index(self._x.shared.pool, self._x.shared.schema, schema)

    # -- strings -------------------------------------------------------------------------
    async def set_nx(self, key: Key, value: str, ttl_s: float | None = None) -> bool:
        return bool(await self._one(self._b.set_nx(key, value, ttl_s)))

    async def get(self, key: Key) -> str | None:
        if self._b.is_job(key) or self._b.is_stream(key):
            raise ProviderError(f"get is not supported on key {key.render()!r}")
        rows = await self._rows(self._q.string_get, {"key": self._b.kv(key), "now": self._now()})
        return decode(rows[0][0]) if rows and rows[0][0] is not None else None

    # -- lists ---------------------------------------------------------------------------
    async def rpush(self, key: Key, values: Sequence[str]) -> int:
        return int(await self._one(self._b.rpush(key, values)))

    async def lpop(self, key: Key) -> str | None:
        result: str | None = await self._one(self._b.lpop(key))
        return result

    async def lrange(self, key: Key, start: int, stop: int) -> list[str]:
        k = self._b._no_jobs(key, "lrange")
        rows = await self._rows(self._q.list_range, {"key": k, "now": self._now(),
                                                     "start": int(start), "stop": int(stop)})
        return [decode(r[0]) for r in rows]

    async def lmove(self, src: Key, dst: Key) -> str | None:
        result: str | None = await self._one(self._b.lmove(src, dst))
        return result

    async def rename(self, src: Key, dst: Key) -> None:
        await self._one(self._b.rename(src, dst))

    # -- sorted sets ---------------------------------------------------------------------
    async def zadd(self, key: Key, members: Mapping[str, float], nx: bool = False) -> int:
        return int(await self._one(self._b.zadd(key, members, nx)))

    async def zrange(self, key: Key, start: int, stop: int) -> list[tuple[str, float]]:
        k = self._b._no_jobs(key, "zrange")
        rows = await self._rows(self._q.zset_range, {"key": k, "now": self._now(),
                                                     "start": int(start), "stop": int(stop)})
        return [(decode(m), float(s)) for m, s in rows]

    async def zrangebyscore(
        self, key: Key, min_score: float, max_score: float
    ) -> list[tuple[str, float]]:
        k = self._b._no_jobs(key, "zrangebyscore")
        rows = await self._rows(self._q.zset_range_by_score,
                                {"key": k, "now": self._now(),
                                 "min": float(min_score), "max": float(max_score)})
        return [(decode(m), float(s)) for m, s in rows]

    async def zrem(self, key: Key, members: Sequence[str]) -> int:
        return int(await self._one(self._b.zrem(key, members)))

    # -- transactions --------------------------------------------------------------------
    def transaction(self) -> Transaction:
        return PgTransaction(self._x, self._sub_publish)

    async def guarded_increments(
        self, increments: Sequence[tuple[Key, str, float]], key: Key, fields: Sequence[str],
    ) -> tuple[list[float], list[str | None], Callable[[], Awaitable[None]]] | None:
        """Inside a unit of work: increment, then read ``fields`` of ``key``, in one query.

        Returns the new values, the fields read (after the increments) and ``undo``, which
        takes the increments back (a savepoint precedes them) if the caller finds it should
        not have made them. ``None`` outside a unit (the caller reads, checks, then
        increments, as before). Provider-specific: the engine asks for it by name.
        """
        session = self._x.session()
        if session is None or not self._b.is_job(key):
            return None
        params = self._b.job_params(key)
        params["fields"] = [encode(f) for f in fields]
        ops = [Op([(self._q.guard, {})], lambda rs: None)]
        ops.extend(self._b.hincr(k, f, amount, integer=False) for k, f, amount in increments)
        # No job row is ensured first: an increment of a missing job writes nothing, the
        # read then finds nothing and the caller drops the message. A job found here exists
        # for the rest of the unit, so its later writes need no ensuring either.
        job = (params["ns"], params["app"], params["jid"])
        known = job in session.ensured
        if all(self._b.is_job(k) and k == key for k, _, _ in increments):
            session.ensured.add(job)
        results, (rows,) = await self._x._run_in_session(session, ops,
                                                         [(self._q.job_hmget, params)])
        found = {decode(f): decode(v) for f, v in rows}
        if not found and not known:
            session.ensured.discard(job)

        async def undo() -> None:
            await self._x._run_in_session(session, [], [(self._q.guard_undo, {})])
            if not known:
                session.ensured.discard(job)

        return [float(v) for v in results[1:]], [found.get(f) for f in fields], undo

    async def atomically(self, fn: Callable[[], Awaitable[T]]) -> T:
        """One database transaction for everything ``fn`` does (see ``Executor.atomically``)."""
        return await self._x.atomically(fn)
