"""``search()``: a session that reads and writes this workflow's search fields.

Fields are job-hash fields named ``_{name}``. Each mutating call takes a sub-marker
``-search{dim}-{i}-{n}-`` holding its result, so on replay it returns the recorded
number and writes nothing. The field change and its marker are written in one store
transaction where the result is known beforehand (set, delete, mult); ``incr`` writes the
marker right after the increment.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any

from ..context import WorkflowContext, require_context
from ..engines import job_key, store_of
from ..interruptions import resolved
from ..markers import decode_value, format_number, session_id

__all__ = ["Search", "search"]

PENDING = "pending"


def _number(value: Any) -> float:
    number = float(value)
    return float(int(number)) if number.is_integer() else number


class Search:
    """Search fields of the running workflow (``set``, ``get``, ``mget``, ``delete``,
    ``incr``, ``mult``)."""

    def __init__(self, ctx: WorkflowContext, index: int) -> None:
        self._ctx = ctx
        self._index = index
        self._n = 0
        self._key = job_key(ctx.hotmesh, ctx.namespace, ctx.workflow_id)
        self._store = store_of(ctx.hotmesh)

    def _next_marker(self) -> tuple[str, Any]:
        name = session_id("search", self._ctx.workflow_dimension, self._index, self._n)
        self._n += 1
        recorded = self._ctx.replay.markers.get(name)
        return name, recorded

    async def set(self, *pairs: Any, **fields: Any) -> int:
        """``set("k1", v1, "k2", v2)``, ``set({"k": v})`` or ``set(k=v)``; returns new fields."""
        mapping: dict[str, Any] = {}
        if len(pairs) == 1 and isinstance(pairs[0], Mapping):
            mapping.update(pairs[0])
        else:
            if len(pairs) % 2:
                raise ValueError("search.set takes key/value pairs")
            mapping.update(zip(pairs[0::2], pairs[1::2], strict=True))
        mapping.update(fields)
        name, recorded = self._next_marker()
        if recorded is not None:
            return int(_number(recorded))
        existing = await self._store.hmget(self._key, [f"_{k}" for k in mapping])
        created = sum(1 for v in existing if v is None)
        tx = self._store.transaction()
        tx.hset(self._key, {f"_{k}": _text(v) for k, v in mapping.items()})
        tx.hset(self._key, {name: str(created)})
        await tx.exec()
        self._ctx.replay.markers[name] = str(created)
        return created

    async def get(self, key: str) -> str | None:
        """The live value of ``key`` (not recorded: a read, like HotMesh)."""
        return await self._store.hget(self._key, f"_{key}")

    async def mget(self, *keys: str) -> list[str | None]:
        return await self._store.hmget(self._key, [f"_{k}" for k in keys])

    async def delete(self, *keys: str) -> int:
        """Remove fields; returns how many existed."""
        name, recorded = self._next_marker()
        if recorded is not None:
            return int(_number(recorded))
        existing = await self._store.hmget(self._key, [f"_{k}" for k in keys])
        count = sum(1 for v in existing if v is not None)
        tx = self._store.transaction()
        tx.hdel(self._key, [f"_{k}" for k in keys])
        tx.hset(self._key, {name: str(count)})
        await tx.exec()
        self._ctx.replay.markers[name] = str(count)
        return count

    del_ = delete

    async def incr(self, key: str, amount: float) -> float:
        """Add ``amount`` to a numeric field; returns the new value."""
        name, recorded = self._next_marker()
        if recorded == PENDING:  # an earlier run incremented, then stopped before recording
            return _number(await self._store.hget(self._key, f"_{key}") or 0)
        if recorded is not None:
            return _number(recorded)
        tx = self._store.transaction()
        tx.hsetnx(self._key, name, PENDING)
        tx.hincrbyfloat(self._key, f"_{key}", float(amount))
        claimed, value = await tx.exec()
        if not claimed:  # a concurrent run of this same step got here first
            return _number(await self._store.hget(self._key, name) or value)
        await self._store.hset(self._key, {name: format_number(float(value))})
        self._ctx.replay.markers[name] = format_number(float(value))
        return _number(value)

    async def mult(self, key: str, factor: float) -> float:
        """Multiply a numeric field (absent = 1) by ``factor``; the product is stored."""
        name, recorded = self._next_marker()
        if recorded is not None:
            return _number(recorded)
        current = await self._store.hget(self._key, f"_{key}")
        base = float(decode_value(current)) if current not in (None, "") else 1.0
        product = base * float(factor)
        text = format_number(product)
        if not await self._store.hsetnx(self._key, name, text):
            return _number(await self._store.hget(self._key, name) or text)
        await self._store.hset(self._key, {f"_{key}": text})
        self._ctx.replay.markers[name] = text
        return _number(product)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_number(value)
    return str(value)


def search() -> Awaitable[Search]:
    """A search session bound to this workflow (claims one execution index)."""
    ctx = require_context("search")
    index = ctx.next_index()
    ctx.replay.occupied(index, "search")
    return resolved(Search(ctx, index))
