"""Small helpers shared by the runtime tests: stream messages and waiting on conditions."""

from __future__ import annotations

import asyncio
import inspect
import secrets
from collections.abc import Callable
from typing import Any

from hotmesh_pg.keys import Key
from hotmesh_pg.providers.protocols import Providers

WAIT_S = 20.0
"""Upper bound for a condition to become true (a hang guard, not a speed assertion)."""


def message(topic: str | None, data: dict[str, Any]) -> dict[str, Any]:
    """A worker (or engine) stream message as a worker activity publishes it."""
    metadata: dict[str, Any] = {
        "guid": secrets.token_hex(8),
        "jid": "job-" + secrets.token_hex(4),
        "gid": secrets.token_hex(4),
        "dad": ",0",
        "aid": "a1",
    }
    if topic is not None:
        metadata["topic"] = topic
    return {"metadata": metadata, "data": data}


async def wait_until(probe: Callable[[], Any], expected: Any, timeout_s: float = WAIT_S) -> None:
    """Poll ``probe()`` (sync or async) until it equals ``expected``."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = probe()
        if inspect.isawaitable(last):
            last = await last
        if last == expected:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"condition not reached in {timeout_s}s: got {last!r}, "
                         f"wanted {expected!r}")


async def collect(
    providers: Providers, ns: str, app: str, count: int, timeout_s: float = WAIT_S
) -> list[dict[str, Any]]:
    """Read (and ack) ``count`` entries from the app's engine stream, as an engine would."""
    stream = Key.stream(ns, app)
    await providers.stream.create_group(stream, "ENGINE")
    out: list[dict[str, Any]] = []
    deadline = asyncio.get_running_loop().time() + timeout_s
    while len(out) < count:
        left_ms = int((deadline - asyncio.get_running_loop().time()) * 1000)
        if left_ms <= 0:
            raise AssertionError(f"only {len(out)} of {count} engine-stream entries arrived")
        batch = await providers.stream.consume(stream, "ENGINE", "test-engine",
                                               count - len(out), min(left_ms, 500))
        if batch:
            await providers.stream.ack(stream, "ENGINE", [m.id for m in batch])
        out.extend(m.data for m in batch)
    return out
