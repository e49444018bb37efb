"""Sending signals, and keeping the ones that arrive before their ``wait_for``.

HotMesh 0.0.55 delivered a signal only to a ``waitFor`` already registered in the engine;
one sent a moment earlier was lost. Here:

* the sender hooks the signal straight to a registered waiter; when none is registered it
  writes the signal to a per-namespace buffer (field = signal id), then looks again and,
  if a waiter appeared meanwhile, takes its entry back and hooks it;
* a workflow about to wait first claims a buffered signal for that id (``HDEL`` decides
  the single winner) and records it as its wait marker without going through the engine;
* after its wait is handed to the engine, the worker watches briefly for the waiter's
  registration and delivers any signal buffered in between.

Buffered entries older than ``SIGNAL_BUFFER_TTL_S`` are ignored. A signal buffered while
the waiting worker is killed inside that short watch stays buffered until the TTL passes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..keys import Key, KeyType
from .engines import hotmesh_namespace, store_of

if TYPE_CHECKING:
    from ..hotmesh import HotMesh

__all__ = ["SIGNAL_BUFFER_TTL_S", "claim_buffered", "send_signal", "watch_waiters"]

log = logging.getLogger("hotmesh_pg.durable")

SIGNAL_BUFFER_TTL_S = 600.0
WATCH_STEPS_S = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
"""Delays of the post-registration watch (about 9.4 s in total)."""

_WATCHERS: set[asyncio.Task[None]] = set()


def _buffer(hm: HotMesh, app_id: str) -> Key:
    return Key(KeyType.SEARCH, hotmesh_namespace(hm), app_id, "durable-signal-buffer")


async def _registered(hm: HotMesh, app_id: str, signal_id: str) -> bool:
    """Whether a ``wait_for(signal_id)`` is registered with the engine right now."""
    registry = Key(KeyType.SIGNALS, hotmesh_namespace(hm), app_id)
    return await store_of(hm).hget(registry, f"{app_id}.wfs.signal:{signal_id}") is not None


async def _hook(hm: HotMesh, app_id: str, signal_id: str, data: Any) -> str:
    return str(await hm.hook(f"{app_id}.wfs.signal", {"id": signal_id, "data": data}))


async def send_signal(hm: HotMesh, app_id: str, signal_id: str, data: Any) -> str:
    """Deliver to a registered waiter, else keep it for the next ``wait_for(signal_id)``.

    Returns the hook message id, or ``""`` when the signal was buffered.
    """
    if not isinstance(signal_id, str) or not signal_id:
        raise ValueError(f"signal id must be a non-empty string, got {signal_id!r}")
    if await _registered(hm, app_id, signal_id):
        return await _hook(hm, app_id, signal_id, data)
    entry = json.dumps({"data": data, "ts": time.time()})
    await store_of(hm).hset(_buffer(hm, app_id), {signal_id: entry})
    if await _registered(hm, app_id, signal_id):
        found, buffered = await claim_buffered(hm, app_id, signal_id)
        if found:
            return await _hook(hm, app_id, signal_id, buffered)
    return ""


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


async def _watch(hm: HotMesh, app_id: str, signal_ids: list[str]) -> None:
    pending = list(dict.fromkeys(signal_ids))
    for delay in WATCH_STEPS_S:
        if not pending:
            return
        await asyncio.sleep(delay)
        still: list[str] = []
        for signal_id in pending:
            if not await _registered(hm, app_id, signal_id):
                still.append(signal_id)
                continue
            found, data = await claim_buffered(hm, app_id, signal_id)
            if found:
                await _hook(hm, app_id, signal_id, data)
        pending = still


def watch_waiters(hm: HotMesh, app_id: str, signal_ids: Iterable[str]) -> None:
    """In the background, deliver signals buffered while these waits were registering."""
    ids = list(signal_ids)
    if not ids:
        return

    async def run() -> None:
        try:
            await _watch(hm, app_id, ids)
        except Exception:  # the engine may be stopping; the buffer keeps the signal
            log.debug("durable signal watch ended early", exc_info=True)

    task = asyncio.get_running_loop().create_task(run())
    _WATCHERS.add(task)
    task.add_done_callback(_WATCHERS.discard)
