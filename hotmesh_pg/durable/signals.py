"""Sending signals, and keeping the ones that arrive before their ``wait_for``.

HotMesh 0.0.55 delivered a signal only to a ``waitFor`` already registered in the engine;
one sent a moment earlier was lost. Here every signal is also written to a per-namespace
buffer (field = signal id, value = ``{data, nonce, ts}``). A workflow that registers a wait
first claims a buffered signal for that id (``HDEL`` decides the single winner) and records
it as its wait marker without going through the engine. Buffered entries older than
``SIGNAL_BUFFER_TTL_S`` are ignored and removed.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from ..keys import Key, KeyType
from .engines import hotmesh_namespace, store_of

if TYPE_CHECKING:
    from ..hotmesh import HotMesh

__all__ = ["SIGNAL_BUFFER_TTL_S", "claim_buffered", "forget_delivered", "send_signal"]

SIGNAL_BUFFER_TTL_S = 600.0


def _buffer(hm: HotMesh, app_id: str) -> Key:
    return Key(KeyType.SEARCH, hotmesh_namespace(hm), app_id, "durable-signal-buffer")


async def send_signal(hm: HotMesh, app_id: str, signal_id: str, data: Any) -> str:
    """Buffer the signal, then hook any waiter already registered; return the message id."""
    if not isinstance(signal_id, str) or not signal_id:
        raise ValueError(f"signal id must be a non-empty string, got {signal_id!r}")
    from ..hotmesh import HotMesh as _HotMesh

    nonce = _HotMesh.guid()
    entry = json.dumps({"data": data, "nonce": nonce, "ts": time.time()})
    await store_of(hm).hset(_buffer(hm, app_id), {signal_id: entry})
    message_id = await hm.hook(f"{app_id}.wfs.signal", {"id": signal_id, "data": data,
                                                        "nonce": nonce})
    return str(message_id)


async def claim_buffered(hm: HotMesh, app_id: str, signal_id: str) -> tuple[bool, Any]:
    """Take a buffered signal for ``signal_id`` if one is waiting; exactly one caller wins."""
    store = store_of(hm)
    key = _buffer(hm, app_id)
    raw = await store.hget(key, signal_id)
    if raw is None:
        return False, None
    if await store.hdel(key, [signal_id]) != 1:
        return False, None
    try:
        entry = json.loads(raw)
    except ValueError:
        return False, None
    if time.time() - float(entry.get("ts", 0)) > SIGNAL_BUFFER_TTL_S:
        return False, None
    return True, entry.get("data")


async def forget_delivered(hm: HotMesh, app_id: str, signal_id: str, nonce: str | None) -> None:
    """Drop the buffer copy of a signal the engine already delivered to a waiter."""
    if not nonce:
        return
    store = store_of(hm)
    key = _buffer(hm, app_id)
    raw = await store.hget(key, signal_id)
    if raw is None:
        return
    try:
        if json.loads(raw).get("nonce") == nonce:
            await store.hdel(key, [signal_id])
    except ValueError:
        return
