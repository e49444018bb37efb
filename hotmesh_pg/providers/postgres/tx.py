"""Running ops: one database transaction per call or per queued :class:`PgTransaction`.

All statements of a transaction are sent at once (one multi-statement query, or a pipeline
when a result must be checked before COMMIT) on a connection borrowed from the pool for
just that transaction, so no transaction stays open while user code runs and two logical
transactions never share a connection. Stream wake-ups are one NOTIFY per stream per
transaction, delivered by Postgres at commit, and none for entries handed to a consumer of
this process that was waiting (:mod:`.handoff`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from ...errors import ProviderError
from ...keys import Key
from ..protocols import JSONDict, StreamMessage, Transaction
from .codec import dumps, loads
from .handoff import Waiter
from .ops import Op, OpBuilder, Rows, json_list
from .pool import Shared

__all__ = ["Executor", "PgTransaction"]

log = logging.getLogger("hotmesh_pg.postgres")

_RETRYABLE = (
    pg_errors.DeadlockDetected,
    pg_errors.SerializationFailure,
    pg_errors.ForeignKeyViolation,
    pg_errors.UniqueViolation,
)
_ATTEMPTS = 5


class Executor:
    """Runs lists of ops atomically against the shared pool."""

    def __init__(self, shared: Shared, builder: OpBuilder) -> None:
        self.shared = shared
        self.builder = builder
        self._background: set[asyncio.Task[None]] = set()

    async def run(self, ops: Sequence[Op]) -> list[Any]:
        grants = self._hand_off(ops)
        try:
            for attempt in range(1, _ATTEMPTS + 1):
                try:
                    results, rows = await self._run_once(ops)
                except _RETRYABLE as exc:
                    if attempt == _ATTEMPTS:
                        raise ProviderError(
                            f"transaction failed after {attempt} attempts: {exc}") from exc
                    log.debug("retrying transaction after %s", type(exc).__name__)
                    await asyncio.sleep(0.005 * attempt)
                    continue
                except pg_errors.DataError as exc:
                    raise ProviderError(f"database refused a value: {exc}") from exc
                break
            else:  # pragma: no cover
                raise AssertionError("unreachable")
        except BaseException:
            for _, waiters in grants:
                for waiter in waiters:
                    if waiter is not None:
                        waiter.forfeit()
            raise
        self._deliver(ops, grants, rows)
        listener = self.shared.listener
        for op in ops:
            if op.after is not None:
                op.after()
            for stream in op.notify_streams:
                listener.wake(stream)
        return results

    # -- hand-off to waiting consumers (see .handoff) ------------------------------------
    def _hand_off(self, ops: Sequence[Op]) -> list[tuple[int, list[Waiter | None]]]:
        """Promise appended entries to consumers of this process waiting on their stream."""
        handoffs = self.shared.listener.handoffs
        grants: list[tuple[int, list[Waiter | None]]] = []
        for i, op in enumerate(ops):
            append = op.append
            if append is None:
                continue
            waiters = [handoffs.reserve(append.stream) for _ in append.bodies]
            if not any(waiters):
                continue
            append.params["reserved"] = json_list([w.consumer if w else None for w in waiters])
            if all(waiters):
                # every entry already has its consumer: nobody else needs waking
                op.notify_streams = [s for s in op.notify_streams if s != append.stream]
            grants.append((i, waiters))
        return grants

    def _deliver(
        self, ops: Sequence[Op], grants: list[tuple[int, list[Waiter | None]]],
        rows: list[list[Rows]],
    ) -> None:
        for i, waiters in grants:
            append = ops[i].append
            assert append is not None
            ids = sorted(int(r[0]) for r in rows[i][0])
            for waiter, entry_id, body in zip(waiters, ids, append.bodies, strict=True):
                if waiter is None:
                    continue
                message = StreamMessage(str(entry_id), loads(body), 1)
                if not waiter.deliver(message):
                    self.release(append.stream, waiter.consumer, [message.id])

    def release(self, stream: str, consumer: str, ids: Sequence[str]) -> None:
        """Give entries handed to a consumer that is gone back to the stream (background)."""
        async def run() -> None:
            q = self.shared.queries
            try:
                async with self.shared.pool.connection() as conn:
                    await conn.execute(q.stream_release, {
                        "stream": stream, "consumer": consumer,
                        "ids": [int(i) for i in ids]})
                    await conn.execute(q.notify, {
                        "channel": self.shared.listener.stream_channel, "payload": stream})
            except Exception as exc:  # the entries stay pending and are reclaimed later
                log.warning("could not release handed-off entries %s of %s: %s",
                            list(ids), stream, exc)
                return
            self.shared.listener.wake(stream)

        task = asyncio.ensure_future(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _plan(self, ops: Sequence[Op]) -> list[list[tuple[Any, dict[str, Any]] | None]]:
        """The statements each op really sends (``None`` for a skipped one).

        A job row needs ensuring once per transaction: a repeated ``job_ensure`` for the same
        job is skipped unless a statement that may remove the row ran in between.
        """
        q = self.shared.queries
        ensured: set[tuple[Any, Any, Any]] = set()
        plan: list[list[tuple[Any, dict[str, Any]] | None]] = []
        for op in ops:
            sent: list[tuple[Any, dict[str, Any]] | None] = []
            for query, params in op.statements:
                if query is q.job_ensure:
                    job = (params["ns"], params["app"], params["jid"])
                    if job in ensured:
                        sent.append(None)
                        continue
                    ensured.add(job)
                elif query is q.job_delete or query is q.job_drop_expired:
                    ensured.clear()
                sent.append((query, params))
            plan.append(sent)
        return plan

    async def _run_once(self, ops: Sequence[Op]) -> tuple[list[Any], list[list[Rows]]]:
        """One transaction in one round trip.

        Without an op that must inspect its rows before commit, the whole transaction is one
        multi-statement query (the server runs it as one implicit transaction: all or
        nothing), with every value bound client-side by psycopg's adapters: one send, one
        wait, no BEGIN/COMMIT statements. Otherwise BEGIN, the statements and COMMIT go out
        as a pipeline and COMMIT waits for the check.
        """
        q = self.shared.queries
        streams = list(dict.fromkeys(s for op in ops for s in op.notify_streams))
        plan = self._plan(ops)
        notifies = [(q.notify, {"channel": self.shared.listener.stream_channel, "payload": s})
                    for s in streams]
        if any(op.precommit for op in ops):
            return await self._run_pipelined(ops, plan, notifies)
        async with self.shared.pool.connection() as conn:
            cur = psycopg.AsyncClientCursor(conn)
            texts = [cur.mogrify(*stmt) for sent in plan for stmt in sent if stmt is not None]
            texts.extend(cur.mogrify(query, params) for query, params in notifies)
            if not texts:
                return [op.result([[] for _ in op.statements]) for op in ops], \
                    [[[] for _ in op.statements] for op in ops]
            await cur.execute(";\n".join(texts))
            sets: list[Rows] = []
            while True:
                sets.append(list(await cur.fetchall()) if cur.description else [])
                if not cur.nextset():
                    break
        results: list[Any] = []
        all_rows: list[list[Rows]] = []
        position = 0
        for op, sent in zip(ops, plan, strict=True):
            rows: list[Rows] = []
            for stmt in sent:
                if stmt is None:
                    rows.append([])
                else:
                    rows.append(sets[position])
                    position += 1
            results.append(op.result(rows))
            all_rows.append(rows)
        return results, all_rows

    async def _run_pipelined(
        self, ops: Sequence[Op], plan: list[list[tuple[Any, dict[str, Any]] | None]],
        notifies: list[tuple[Any, dict[str, Any]]],
    ) -> tuple[list[Any], list[list[Rows]]]:
        async with self.shared.pool.connection() as conn:
            cursors: list[list[psycopg.AsyncCursor[Any] | None]] = []
            async with conn.pipeline() as pipe:
                tx = conn.transaction()
                await tx.__aenter__()
                try:
                    for sent in plan:
                        op_cursors: list[psycopg.AsyncCursor[Any] | None] = []
                        for stmt in sent:
                            if stmt is None:
                                op_cursors.append(None)
                                continue
                            cur = conn.cursor()
                            await cur.execute(*stmt)
                            op_cursors.append(cur)
                        cursors.append(op_cursors)
                    for query, params in notifies:
                        await conn.execute(query, params)
                    await pipe.sync()
                    out = await self._results(ops, cursors)
                except BaseException as exc:
                    await tx.__aexit__(type(exc), exc, exc.__traceback__)
                    raise
                await tx.__aexit__(None, None, None)
            return out

    @staticmethod
    async def _results(
        ops: Sequence[Op], cursors: list[list[psycopg.AsyncCursor[Any] | None]]
    ) -> tuple[list[Any], list[list[Rows]]]:
        results = []
        all_rows: list[list[Rows]] = []
        for op, op_cursors in zip(ops, cursors, strict=True):
            rows: list[Rows] = []
            for cur in op_cursors:
                if cur is None:
                    rows.append([])
                else:
                    rows.append(list(await cur.fetchall()) if cur.description else [])
            results.append(op.result(rows))
            all_rows.append(rows)
        return results, all_rows


class PgTransaction:
    """MULTI/EXEC over Postgres: queued ops, applied by :meth:`exec` in one transaction."""

    def __init__(self, executor: Executor, sub_publish: Any) -> None:
        self._executor = executor
        self._b = executor.builder
        self._ops: list[Op] = []
        self._sub_publish = sub_publish
        self._done = False

    def _add(self, op: Op) -> PgTransaction:
        if self._done:
            raise ProviderError("transaction already executed")
        self._ops.append(op)
        return self

    def hset(self, key: Key, mapping: Mapping[str, str]) -> Transaction:
        return self._add(self._b.hset(key, mapping))

    def hsetnx(self, key: Key, field: str, value: str) -> Transaction:
        return self._add(self._b.hsetnx(key, field, value))

    def hdel(self, key: Key, fields: Sequence[str]) -> Transaction:
        return self._add(self._b.hdel(key, fields))

    def hincrbyfloat(self, key: Key, field: str, amount: float) -> Transaction:
        return self._add(self._b.hincr(key, field, amount, integer=False))

    def hincrby(self, key: Key, field: str, amount: int) -> Transaction:
        return self._add(self._b.hincr(key, field, amount, integer=True))

    def delete(self, *keys: Key) -> Transaction:
        return self._add(self._b.delete(keys))

    def expire(self, key: Key, seconds: float) -> Transaction:
        return self._add(self._b.expire(key, seconds))

    def rpush(self, key: Key, values: Sequence[str]) -> Transaction:
        return self._add(self._b.rpush(key, values))

    def zadd(self, key: Key, members: Mapping[str, float], nx: bool = False) -> Transaction:
        return self._add(self._b.zadd(key, members, nx))

    def zrem(self, key: Key, members: Sequence[str]) -> Transaction:
        return self._add(self._b.zrem(key, members))

    def xadd(self, stream: Key, message: JSONDict, delay_ms: int = 0) -> Transaction:
        op = self._b.xadd(stream, [dumps(message)], delay_ms,
                          self._executor.shared.listener.stream_channel)
        inner = op.result
        op.result = lambda rs: inner(rs)[0]
        return self._add(op)

    def xack(self, stream: Key, group: str, ids: Sequence[str]) -> Transaction:
        return self._add(self._b.xack(stream, ids))

    def xlen(self, stream: Key) -> Transaction:
        return self._add(self._b.xlen(stream))

    def publish(self, channel: str, message: JSONDict) -> Transaction:
        return self._add(self._sub_publish(channel, message))

    async def exec(self) -> list[Any]:
        if self._done:
            raise ProviderError("transaction already executed")
        self._done = True
        if not self._ops:
            return []
        return await self._executor.run(self._ops)
