"""Running ops: one database transaction per call, per queued :class:`PgTransaction`, or
per unit of work (:meth:`Executor.atomically`).

Outside a unit, all statements of a transaction are sent at once (one multi-statement
query, or a pipeline when a result must be checked before COMMIT) on a connection borrowed
from the pool for just that transaction, so no transaction stays open while user code runs
and two logical transactions never share a connection.

Inside a unit (an engine step: one stream message handled), every read and write made by
the task that opened it runs on one connection in one database transaction, committed
when the unit ends: the step's collation increments, state reads, writes, follow-up
messages, completion tasks and the ack of its message are one commit, so a crash leaves
either all of them or none. Effects outside the database (in-process hand-offs, local
pub/sub delivery, wake-ups) wait for that commit. A deadlock or serialization failure
anywhere in the unit rolls it back and runs the whole unit again.

Stream wake-ups are one NOTIFY per stream per transaction, delivered by Postgres at commit,
and none for entries handed to a consumer of this process that was waiting (:mod:`.handoff`).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import psycopg
from psycopg import errors as pg_errors

from ...errors import ProviderError
from ...keys import Key
from ..protocols import JSONDict, StreamMessage, Transaction
from .codec import dumps, loads
from .handoff import Waiter
from .ops import Op, OpBuilder, Rows, json_list
from .pool import Shared

__all__ = ["Executor", "PgTransaction", "Session"]

T = TypeVar("T")

log = logging.getLogger("hotmesh_pg.postgres")

_RETRYABLE = (
    pg_errors.DeadlockDetected,
    pg_errors.SerializationFailure,
    pg_errors.ForeignKeyViolation,
    pg_errors.UniqueViolation,
)
_ATTEMPTS = 5
_BEGIN = "BEGIN"
_COMMIT = "COMMIT"


class Session:
    """The open database transaction of one unit of work (see :meth:`Executor.atomically`).

    Bound to the task that opened it: a task spawned meanwhile inherits the context
    variable but not the session (it would otherwise share the connection mid-transaction).
    The connection is taken from the pool at the first statement, not before.
    """

    def __init__(self, task: asyncio.Task[Any] | None) -> None:
        self.task = task
        self.conn: psycopg.AsyncConnection[Any] | None = None
        self.begun = False
        self.failed: BaseException | None = None
        """The database error that aborted the transaction (it can only roll back now)."""
        self.after: list[Callable[[], None]] = []
        self.grants: list[tuple[str, list[Waiter | None], list[StreamMessage | None]]] = []
        self.wakes: list[str] = []
        self.pending: list[Op] = []
        self.ensured: set[tuple[Any, Any, Any]] = set()
        """Job rows already ensured in this transaction (see ``Executor._plan``)."""
        """Ops submitted without needing results: sent with the unit's next query or COMMIT."""

    @property
    def retryable(self) -> bool:
        return isinstance(self.failed, _RETRYABLE)


_SESSION: contextvars.ContextVar[Session | None] = contextvars.ContextVar(
    "hotmesh_pg_session", default=None)


class Executor:
    """Runs lists of ops atomically against the shared pool (or the open unit of work)."""

    def __init__(self, shared: Shared, builder: OpBuilder) -> None:
        self.shared = shared
        self.builder = builder
        self._background: set[asyncio.Task[None]] = set()
        self.commits = 0
        """Transactions this executor ended (autocommitted reads included), for tests."""

    def _committed(self) -> None:
        """Count one transaction ended by this executor (tests pin commits per message)."""
        self.commits += 1

    # -- units of work ----------------------------------------------------------------------
    @staticmethod
    def session() -> Session | None:
        """The unit of work open in the current task, if any."""
        session = _SESSION.get()
        if session is None or session.task is not asyncio.current_task():
            return None
        return session

    async def atomically(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run ``fn`` as one unit of work: everything it reads and writes is one transaction.

        Nested calls join the outer unit. On a deadlock or serialization failure the
        transaction is rolled back and ``fn`` runs again from the start (up to five times);
        any other exception rolls back and propagates. If ``fn`` swallowed a database error
        the transaction cannot commit: that raises :class:`ProviderError` after rollback.
        """
        if self.session() is not None:
            return await fn()
        for attempt in range(1, _ATTEMPTS + 1):
            session = Session(asyncio.current_task())
            token = _SESSION.set(session)
            try:
                try:
                    result = await fn()
                    if session.failed is not None:
                        raise ProviderError(
                            f"transaction aborted by the database: {session.failed}"
                        ) from session.failed
                    await self._commit(session)
                except BaseException:
                    await self._rollback(session)
                    if session.retryable and attempt < _ATTEMPTS:
                        retry = True
                    else:
                        raise
                else:
                    retry = False
            finally:
                _SESSION.reset(token)
            if retry:
                log.debug("retrying unit of work after %s", type(session.failed).__name__)
                await asyncio.sleep(0.005 * attempt)
                continue
            self._settle(session)
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    async def _commit(self, session: Session) -> None:
        """Send what is still pending and COMMIT in one query; return the connection."""
        if session.conn is None and not session.pending:
            return
        if any(op.precommit for op in session.pending):
            await self._run_in_session(session, [])  # their checks must pass before COMMIT
        await self._run_in_session(session, [], commit=True)
        conn, session.conn = session.conn, None
        session.begun = False
        self._committed()
        if conn is not None:
            await self.shared.pool.putconn(conn)

    async def _rollback(self, session: Session) -> None:
        """Undo the unit: nothing handed over, the transaction rolled back, connection back."""
        self._forfeit(session)
        session.pending = []
        conn, session.conn = session.conn, None
        session.begun = False
        if conn is None:
            return
        try:
            status = conn.info.transaction_status
            if status in (psycopg.pq.TransactionStatus.INTRANS,
                          psycopg.pq.TransactionStatus.INERROR):
                await conn.execute(b"ROLLBACK")
        finally:
            await self.shared.pool.putconn(conn)

    @staticmethod
    def _forfeit(session: Session) -> None:
        grants, session.grants = session.grants, []
        for _, waiters, _ in grants:
            for waiter in waiters:
                if waiter is not None:
                    waiter.forfeit()

    def _settle(self, session: Session) -> None:
        """After the unit committed: hand entries over, deliver locally, wake consumers."""
        for stream, waiters, messages in session.grants:
            for waiter, message in zip(waiters, messages, strict=True):
                if waiter is None or message is None:
                    continue
                if not waiter.deliver(message):
                    self.release(stream, waiter.consumer, [message.id])
        session.grants = []
        for after in session.after:
            after()
        listener = self.shared.listener
        for stream in dict.fromkeys(session.wakes):
            listener.wake(stream)

    async def _session_cursor(self, session: Session) -> psycopg.AsyncClientCursor[Any]:
        """A client-side-binding cursor on the unit's connection (taken on first use)."""
        if session.failed is not None:
            raise ProviderError(
                f"transaction aborted by the database: {session.failed}") from session.failed
        if session.conn is None:
            session.conn = await self.shared.pool.getconn()
        return psycopg.AsyncClientCursor(session.conn)

    async def _session_send(
        self, session: Session, cur: psycopg.AsyncClientCursor[Any], texts: list[str],
    ) -> list[Rows]:
        """Send statements in the unit's transaction as one query; each one's rows.

        The first query of the unit starts with BEGIN (a multi-statement query containing
        BEGIN leaves the transaction open), so opening the transaction costs no round trip.
        """
        begin = not session.begun
        if begin:
            texts = [_BEGIN, *texts]
            session.begun = True
        try:
            sets = await _result_sets(cur, texts)
        except psycopg.Error as exc:
            session.failed = exc
            if isinstance(exc, pg_errors.DataError):
                raise ProviderError(f"database refused a value: {exc}") from exc
            if isinstance(exc, _RETRYABLE):
                raise ProviderError(f"transaction must be retried: {exc}") from exc
            raise
        return sets[1:] if begin else sets

    async def rows(self, query: bytes, params: Mapping[str, Any]) -> Rows:
        """Run one read; inside a unit it joins the unit's transaction (and sees its writes)."""
        session = self.session()
        if session is not None:
            _, reads = await self._run_in_session(session, [], [(query, params)])
            return reads[0]
        async with self.shared.pool.connection() as conn:
            cur2 = await conn.execute(query, params)
            rows = list(await cur2.fetchall()) if cur2.description else []
        self._committed()
        return rows

    def submit(self, ops: Sequence[Op]) -> bool:
        """Queue ``ops`` on the current unit if there is one (results not needed).

        They go out with the unit's next query or with its COMMIT, saving a round trip;
        their errors surface there and roll the whole unit back. ``False`` outside a unit.
        """
        session = self.session()
        if session is None:
            return False
        if session.failed is not None:
            raise ProviderError(
                f"transaction aborted by the database: {session.failed}") from session.failed
        session.pending.extend(ops)
        return True

    async def _run_in_session(
        self, session: Session, ops: Sequence[Op],
        reads: Sequence[tuple[bytes, Mapping[str, Any]]] = (), *, commit: bool = False,
    ) -> tuple[list[Any], list[Rows]]:
        """Send the unit's pending ops, then ``ops``, then ``reads`` (and COMMIT) as one query.

        Returns the results of ``ops`` and the rows of each read.
        """
        q = self.shared.queries
        cur = await self._session_cursor(session)
        pending, session.pending = session.pending, []
        all_ops = [*pending, *ops]
        plan = self._plan(all_ops, session.ensured)
        grants = self._hand_off(all_ops)
        start = len(session.grants)
        for i, waiters in grants:
            append = all_ops[i].append
            assert append is not None
            session.grants.append((append.stream, waiters, [None] * len(waiters)))
        texts = [cur.mogrify(*stmt) for sent in plan for stmt in sent if stmt is not None]
        texts.extend(cur.mogrify(q.notify, {"channel": self.shared.listener.stream_channel,
                                            "payload": s}) for s in self._notified(all_ops))
        texts.extend(cur.mogrify(query, params) for query, params in reads)
        if commit:
            texts.append(_COMMIT)
        sets = await self._session_send(session, cur, texts) if texts else []
        if commit:
            sets.pop()
        read_rows = sets[len(sets) - len(reads):] if reads else []
        results, all_rows = self._split(all_ops, plan, sets)
        # complete the grants recorded above with their messages (handed over at commit)
        for n, (i, waiters) in enumerate(grants):
            append = all_ops[i].append
            assert append is not None
            ids = sorted(int(r[0]) for r in all_rows[i][0])
            messages: list[StreamMessage | None] = [
                None if w is None else StreamMessage(str(entry_id), loads(body), 1)
                for w, entry_id, body in zip(waiters, ids, append.bodies, strict=True)]
            session.grants[start + n] = (append.stream, waiters, messages)
        for op in all_ops:
            if op.after is not None:
                session.after.append(op.after)
            session.wakes.extend(op.notify_streams)
        return results[len(pending):], read_rows

    async def run(self, ops: Sequence[Op]) -> list[Any]:
        session = self.session()
        if session is not None:
            results, _ = await self._run_in_session(session, ops)
            return results
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
                    if self.shared.listener.needs_notify(stream):
                        await conn.execute(q.notify, {
                            "channel": self.shared.listener.stream_channel,
                            "payload": stream})
            except Exception as exc:  # the entries stay pending and are reclaimed later
                log.warning("could not release handed-off entries %s of %s: %s",
                            list(ids), stream, exc)
                return
            self.shared.listener.wake(stream)

        task = asyncio.ensure_future(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _notified(self, ops: Sequence[Op]) -> list[str]:
        """Streams whose appends need a NOTIFY: one each, only if another process may wait
        on it (consumers of this process are woken in memory after commit)."""
        listener = self.shared.listener
        streams = dict.fromkeys(s for op in ops for s in op.notify_streams)
        return [s for s in streams if listener.needs_notify(s)]

    def _plan(
        self, ops: Sequence[Op], ensured: set[tuple[Any, Any, Any]] | None = None,
    ) -> list[list[tuple[Any, dict[str, Any]] | None]]:
        """The statements each op really sends (``None`` for a skipped one).

        A job row needs ensuring once per transaction: a repeated ``job_ensure`` for the same
        job is skipped unless a statement that may remove the row ran in between. A unit of
        work passes its own ``ensured`` set, kept across all its queries.
        """
        q = self.shared.queries
        if ensured is None:
            ensured = set()
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
        plan = self._plan(ops)
        notifies = [(q.notify, {"channel": self.shared.listener.stream_channel, "payload": s})
                    for s in self._notified(ops)]
        if any(op.precommit for op in ops):
            return await self._run_pipelined(ops, plan, notifies)
        async with self.shared.pool.connection() as conn:
            cur = psycopg.AsyncClientCursor(conn)
            texts = [cur.mogrify(*stmt) for sent in plan for stmt in sent if stmt is not None]
            texts.extend(cur.mogrify(query, params) for query, params in notifies)
            if not texts:
                return [op.result([[] for _ in op.statements]) for op in ops], \
                    [[[] for _ in op.statements] for op in ops]
            self._committed()
            sets = await _result_sets(cur, texts)
        return self._split(ops, plan, sets)

    @staticmethod
    def _split(
        ops: Sequence[Op], plan: list[list[tuple[Any, dict[str, Any]] | None]],
        sets: list[Rows],
    ) -> tuple[list[Any], list[list[Rows]]]:
        """Each op's result from the result sets of the statements really sent."""
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
        self._committed()
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

    def on_commit(self, callback: Callable[[], None]) -> Transaction:
        return self._add(Op([], lambda rs: None, after=callback))

    async def exec(self) -> list[Any]:
        if self._done:
            raise ProviderError("transaction already executed")
        self._done = True
        if not self._ops:
            return []
        return await self._executor.run(self._ops)

    async def submit(self) -> None:
        if self._done:
            raise ProviderError("transaction already executed")
        if self._ops and self._executor.submit(self._ops):
            self._done = True
            return
        await self.exec()


async def _result_sets(cur: psycopg.AsyncClientCursor[Any], texts: Sequence[str]) -> list[Rows]:
    """Send ``texts`` as one multi-statement query; the rows of each statement, in order."""
    await cur.execute(";\n".join(texts))
    sets: list[Rows] = []
    while True:
        sets.append(list(await cur.fetchall()) if cur.description else [])
        if not cur.nextset():
            return sets
