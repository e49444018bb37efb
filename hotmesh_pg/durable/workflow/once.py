"""``once``: run a function in-process the first time and replay its recorded result.

No retries and no activity job (HotMesh parity); prefer an activity for anything that
can fail. The result is recorded only if no other run recorded it first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar, cast

from ..activities import call_user_function
from ..context import require_context
from ..engines import job_key, store_of
from ..interruptions import resolved
from ..markers import check_json, decode_value, encode_value, session_id, timestamp

__all__ = ["once"]

T = TypeVar("T")


def once(fn: Callable[..., Awaitable[T] | T], *args: Any) -> Awaitable[T]:
    ctx = require_context("once")
    index = ctx.next_index()
    hit, value = ctx.replay.lookup("once", index)
    if hit:
        recorded: Any = value.get("data") if isinstance(value, Mapping) else value
        return resolved(recorded)
    name = session_id("once", ctx.workflow_dimension, index)

    async def run() -> T:
        started = timestamp()
        result = await call_user_function(fn, *args)
        check_json(result, f"once({getattr(fn, '__name__', fn)!r}) result")
        record = {"data": result, "ac": started, "au": timestamp()}
        store = store_of(ctx.hotmesh)
        key = job_key(ctx.hotmesh, ctx.namespace, ctx.workflow_id)
        if not await store.hsetnx(key, name, encode_value(record)):
            earlier = decode_value(await store.hget(key, name))
            if isinstance(earlier, Mapping):
                winner: Any = earlier.get("data")
                return cast(T, winner)
        ctx.replay.record(name, record)
        return cast(T, result)

    return run()
