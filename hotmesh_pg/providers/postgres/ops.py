"""Store writes as data: each one is a few statements plus how to read its result.

A write becomes an :class:`Op` so that a standalone call and a queued transaction call run
the very same statements; :mod:`.tx` executes any list of ops in one database transaction
(pipelined, one round trip) and turns their rows into Redis-style results.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...clock import Clock
from ...errors import ProviderError
from ...keys import Key, KeyType
from .codec import decode, encode
from .queries import Queries

__all__ = ["Append", "Op", "OpBuilder", "json_list"]

Rows = list[tuple[Any, ...]]
Params = dict[str, Any]


@dataclass
class Append:
    """A stream append's bodies and the statement parameters that say who they go to.

    The executor fills ``params["reserved"]`` (a JSON array) at run time with the consumers
    (waiting in this process) that the entries are handed to (see :mod:`.handoff`).
    """

    stream: str
    bodies: list[str]
    params: Params


@dataclass
class Op:
    """Statements to run in order and a function of their rows giving the call's result.

    ``result`` normally runs after commit; an op with ``precommit`` has its ``result`` run
    before COMMIT so that raising there rolls everything back (RENAME of a missing key).
    ``after`` runs once the transaction committed (in-process wake-ups).
    """

    statements: list[tuple[bytes, Params]]
    result: Callable[[list[Rows]], Any]
    after: Callable[[], None] | None = None
    notify_streams: list[str] = field(default_factory=list)
    precommit: bool = False
    append: Append | None = None


def _count(i: int) -> Callable[[list[Rows]], int]:
    return lambda rs: len(rs[i])


def _count_true(i: int) -> Callable[[list[Rows]], int]:
    return lambda rs: sum(1 for r in rs[i] if r[0])


def _amount_text(amount: float | int) -> str:
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise ProviderError(f"increment amount must be a number, got {type(amount).__name__}")
    if isinstance(amount, float) and not math.isfinite(amount):
        raise ProviderError(f"increment amount must be finite, got {amount!r}")
    return str(amount) if isinstance(amount, int) else repr(amount)


class OpBuilder:
    """Builds the :class:`Op` for each write, routing by key kind (never parsing keys)."""

    def __init__(self, queries: Queries, clock: Clock) -> None:
        self.q = queries
        self.clock = clock

    # -- routing helpers -----------------------------------------------------------------
    @staticmethod
    def is_job(key: Key) -> bool:
        return key.kind is KeyType.JOB_STATE

    @staticmethod
    def is_stream(key: Key) -> bool:
        return key.kind is KeyType.STREAMS

    @staticmethod
    def kv(key: Key) -> str:
        return encode(key.render())

    def job_params(self, key: Key) -> Params:
        return {"ns": encode(key.ns), "app": encode(key.app), "jid": encode(key.id),
                "now": self.clock.now_ms()}

    def _no_streams(self, key: Key, what: str) -> None:
        if self.is_stream(key):
            raise ProviderError(f"{what} is not supported on stream key {key.render()!r}")

    def _kv_prelude(self, keys: Sequence[str], kind: str | None = None,
                    ensure: str | None = None) -> list[tuple[bytes, Params]]:
        now = self.clock.now_ms()
        stmts = [(self.q.kv_drop_expired, {"keys": list(keys), "now": now})]
        if ensure is not None and kind is not None:
            stmts.append((self.q.kv_ensure, {"key": ensure, "kind": kind}))
        return stmts

    # -- hashes --------------------------------------------------------------------------
    def hset(self, key: Key, mapping: Mapping[str, str]) -> Op:
        self._no_streams(key, "hset")
        # Sorted so concurrent writers lock overlapping rows in one order (no deadlocks).
        items = sorted((encode(f), encode(_text(v, key))) for f, v in mapping.items())
        fields = [f for f, _ in items]
        values = [v for _, v in items]
        if not fields:
            return Op([], lambda rs: 0)
        if self.is_job(key):
            p = self.job_params(key)
            # a JSON object (in sorted field order) binds far cheaper than two text arrays
            doc = json.dumps(dict(items), ensure_ascii=False, separators=(",", ":"))
            return Op([(self.q.job_ensure, p), (self.q.job_hset, {**p, "doc": doc})],
                      _count_true(1))
        k = self.kv(key)
        return Op([*self._kv_prelude([k], "hash", k),
                    (self.q.hash_set, {"key": k, "fields": fields, "values": values})],
                  _count_true(2))

    def hsetnx(self, key: Key, field_: str, value: str) -> Op:
        self._no_streams(key, "hsetnx")
        f, v = encode(field_), encode(_text(value, key))
        if self.is_job(key):
            p = self.job_params(key)
            stmts = [(self.q.job_ensure, p), (self.q.job_hsetnx, {**p, "field": f, "value": v})]
            if field_ == ":":
                # Creating a job: an expired incarnation is dropped so its id can be reused.
                stmts.insert(0, (self.q.job_drop_expired, p))
            last = len(stmts) - 1
            return Op(stmts, lambda rs: bool(rs[last]))
        k = self.kv(key)
        return Op([*self._kv_prelude([k], "hash", k),
                    (self.q.hash_setnx, {"key": k, "field": f, "value": v})],
                  lambda rs: bool(rs[2]))

    def hdel(self, key: Key, fields: Sequence[str]) -> Op:
        self._no_streams(key, "hdel")
        fs = [encode(f) for f in fields]
        if self.is_job(key):
            return Op([(self.q.job_hdel, {**self.job_params(key), "fields": fs})], _count(0))
        k = self.kv(key)
        return Op([*self._kv_prelude([k]),
                    (self.q.hash_del, {"key": k, "fields": fs}),
                     (self.q.kv_drop_if_empty, {"keys": [k]})],
                  _count(1))

    def hincr(self, key: Key, field_: str, amount: float | int, *, integer: bool) -> Op:
        self._no_streams(key, "hincrby")
        text_amount = _amount_text(amount)
        f = encode(field_)
        # The existing value is checked by the statement itself (a ::bigint / ::numeric cast
        # that raises), so a refused increment writes nothing and aborts its transaction,
        # like HINCRBY on a non-integer field inside EXEC-validated writes on Redis.

        def convert(rows: Rows) -> float | int:
            if not rows:
                # The job expired: nothing is written (no resurrection); like Redis on a
                # vanished key, the caller sees the amount as the new value.
                return int(amount) if integer else float(amount)
            raw = str(rows[0][0])
            if integer:
                try:
                    return int(raw)
                except ValueError as exc:
                    raise ProviderError(
                        f"hincrby: field {field_!r} of {key.render()!r} is not an integer"
                    ) from exc
            return float(raw)

        if self.is_job(key):
            p = self.job_params(key)
            return Op([(self.q.job_ensure, p),
                       (self.q.job_hincr, {**p, "field": f, "amount": text_amount,
                                          "integer": integer})],
                      lambda rs: convert(rs[1]))
        k = self.kv(key)
        return Op([*self._kv_prelude([k], "hash", k),
                    (self.q.hash_incr, {"key": k, "field": f, "amount": text_amount,
                                        "integer": integer})],
                  lambda rs: convert(rs[2]))

    # -- keys ----------------------------------------------------------------------------
    def delete(self, keys: Sequence[Key]) -> Op:
        stmts: list[tuple[bytes, Params]] = []
        kinds: list[str] = []
        kv_keys = [self.kv(k) for k in keys if not self.is_job(k) and not self.is_stream(k)]
        streams = [self.kv(k) for k in keys if self.is_stream(k)]
        for k in keys:
            if self.is_job(k):
                stmts.append((self.q.job_delete, self.job_params(k)))
                kinds.append("live")
        if kv_keys:
            stmts.append((self.q.kv_delete, {"keys": kv_keys, "now": self.clock.now_ms()}))
            kinds.append("live")
        if streams:
            stmts.append((self.q.stream_delete, {"keys": streams}))
            kinds.append("count")

        def result(rs: list[Rows]) -> int:
            total = 0
            for kind, rows in zip(kinds, rs, strict=True):
                if kind == "live":
                    total += sum(1 for r in rows if r[0])
                else:
                    total += int(rows[0][0]) if rows else 0
            return total

        return Op(stmts, result)

    def expire(self, key: Key, seconds: float) -> Op:
        self._no_streams(key, "expire")
        if seconds <= 0:
            return self.delete([key])
        at = self.clock.now_ms() + math.ceil(seconds * 1000)
        if self.is_job(key):
            return Op([(self.q.job_expire, {**self.job_params(key), "at": at})],
                      lambda rs: bool(rs[0]))
        k = self.kv(key)
        return Op([(self.q.kv_expire, {"key": k, "at": at, "now": self.clock.now_ms()})],
                  lambda rs: bool(rs[0]))

    # -- strings -------------------------------------------------------------------------
    def set_nx(self, key: Key, value: str, ttl_s: float | None) -> Op:
        self._no_streams(key, "set")
        if self.is_job(key):
            raise ProviderError(f"set is not supported on job key {key.render()!r}")
        k = self.kv(key)
        now = self.clock.now_ms()
        at = None if ttl_s is None else now + math.ceil(ttl_s * 1000)
        return Op([*self._kv_prelude([k]),
                    (self.q.string_set_nx,
                      {"key": k, "value": encode(_text(value, key)), "at": at})],
                  lambda rs: bool(rs[1]))

    # -- lists ---------------------------------------------------------------------------
    def _no_jobs(self, key: Key, what: str) -> str:
        if self.is_job(key) or self.is_stream(key):
            raise ProviderError(f"{what} is not supported on key {key.render()!r}")
        return self.kv(key)

    def rpush(self, key: Key, values: Sequence[str]) -> Op:
        k = self._no_jobs(key, "rpush")
        vals = [encode(_text(v, key)) for v in values]
        return Op([*self._kv_prelude([k], "list", k),
                    (self.q.kv_lock, {"keys": [k]}),
                     (self.q.list_push, {"key": k, "values": vals}),
                     (self.q.list_len, {"key": k})],
                  lambda rs: int(rs[4][0][0]))

    def lpop(self, key: Key) -> Op:
        k = self._no_jobs(key, "lpop")
        return Op([*self._kv_prelude([k]),
                    (self.q.kv_lock, {"keys": [k]}),
                     (self.q.list_pop, {"key": k}),
                     (self.q.kv_drop_if_empty, {"keys": [k]})],
                  lambda rs: decode(rs[2][0][0]) if rs[2] else None)

    def lmove(self, src: Key, dst: Key) -> Op:
        s, d = self._no_jobs(src, "lmove"), self._no_jobs(dst, "lmove")
        return Op([*self._kv_prelude([s, d], "list", d),
                    (self.q.kv_lock, {"keys": [s, d]}),
                     (self.q.list_move, {"src": s, "dst": d}),
                     (self.q.kv_drop_if_empty, {"keys": [s, d]})],
                  lambda rs: decode(rs[3][0][0]) if rs[3] else None)

    def rename(self, src: Key, dst: Key) -> Op:
        s, d = self._no_jobs(src, "rename"), self._no_jobs(dst, "rename")

        def result(rs: list[Rows]) -> None:
            if not rs[2]:
                raise ProviderError(f"rename: no such key {src.render()!r}")

        return Op([*self._kv_prelude([s, d]),
                    (self.q.kv_rename_clear_dst, {"src": s, "dst": d}),
                     (self.q.kv_rename, {"src": s, "dst": d})],
                  result, precommit=True)

    # -- sorted sets ---------------------------------------------------------------------
    def zadd(self, key: Key, members: Mapping[str, float], nx: bool) -> Op:
        k = self._no_jobs(key, "zadd")
        if not members:
            return Op([], lambda rs: 0)
        pairs = sorted((encode(m), float(s)) for m, s in members.items())
        names = [m for m, _ in pairs]
        scores = [s for _, s in pairs]
        query = self.q.zset_add_nx if nx else self.q.zset_add
        counter = _count(2) if nx else _count_true(2)
        return Op([*self._kv_prelude([k], "zset", k),
                    (query, {"key": k, "members": names, "scores": scores})],
                  counter)

    def zrem(self, key: Key, members: Sequence[str]) -> Op:
        k = self._no_jobs(key, "zrem")
        return Op([*self._kv_prelude([k]),
                    (self.q.zset_rem, {"key": k, "members": [encode(m) for m in members]}),
                     (self.q.kv_drop_if_empty, {"keys": [k]})],
                  _count(1))

    # -- streams -------------------------------------------------------------------------
    def xadd(self, stream: Key, bodies: Sequence[str], delay_ms: int, channel: str) -> Op:
        if not self.is_stream(stream):
            raise ProviderError(f"xadd needs a stream key, got {stream.render()!r}")
        s = self.kv(stream)
        now = self.clock.now_ms()
        params: Params = {"stream": s, "messages": json_list(bodies), "now": now,
                          "visible_at": now + max(0, int(delay_ms)),
                          "reserved": json_list([None] * len(bodies))}
        # delayed entries are never handed off: nobody may see them before their time
        append = Append(s, list(bodies), params) if delay_ms <= 0 else None
        return Op([(self.q.stream_add, params)], lambda rs: sorted(str(r[0]) for r in rs[0]),
                  notify_streams=[s] if delay_ms <= 0 else [], append=append)

    def xack(self, stream: Key, ids: Sequence[str]) -> Op:
        return Op([(self.q.stream_ack, {"stream": self.kv(stream), "ids": _ids(ids)})],
                  lambda rs: int(rs[0][0][0]))

    def xlen(self, stream: Key) -> Op:
        return Op([(self.q.stream_len, {"stream": self.kv(stream)})],
                  lambda rs: int(rs[0][0][0]))


def json_list(items: Sequence[str | None]) -> str:
    return json.dumps(list(items), ensure_ascii=False, separators=(",", ":"))


def _ids(ids: Sequence[str]) -> list[int]:
    out = []
    for i in ids:
        try:
            out.append(int(i))
        except (TypeError, ValueError) as exc:
            raise ProviderError(f"invalid stream entry id {i!r}") from exc
    return out


def _text(value: object, key: Key) -> str:
    if not isinstance(value, str):
        raise ProviderError(
            f"values stored under {key.render()!r} must be str, got {type(value).__name__}"
        )
    return value
