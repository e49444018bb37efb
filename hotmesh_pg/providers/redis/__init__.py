"""The Redis provider: HotMesh 0.0.55's own storage, key layout and command semantics.

``open_providers("redis://host:port/db")`` checks the server (reachable, Redis >= 6.2) and
returns Store, Stream and Sub over one connection pool plus one subscriber connection. A
database written through it reads like one written by HotMesh (runtime.md 7.1); the few
additions (delayed-entry and delivery-stamp companions of each stream) are described in
:mod:`.layout`.
"""

from __future__ import annotations

from ...clock import Clock, SystemClock
from ..protocols import Providers
from .client import check_server_version, connect
from .commands import Commands
from .scripts import ScriptSet
from .store import RedisStore
from .stream import RedisStream
from .sub import RedisSub

__all__ = [
    "RedisStore",
    "RedisStream",
    "RedisSub",
    "check_server_version",
    "open_providers",
    "purge_namespace",
]


async def open_providers(url: str, *, clock: Clock | None = None) -> Providers:
    """Connect to ``url`` and build the three services; ``ConnectionFailedError`` if it fails.

    ``clock`` drives stream delays and reclaim idle times (tests pass a ManualClock); key
    TTLs stay on the server clock, as in HotMesh.
    """
    client = await connect(url)
    scripts = ScriptSet(client)
    commands = Commands(clock or SystemClock())
    sub = RedisSub(client)

    async def close_client() -> None:
        await client.aclose()

    return Providers(
        kind="redis",
        store=RedisStore(client, scripts, commands),
        stream=RedisStream(client, scripts, commands),
        sub=sub,
        closers=[close_client, sub.close],
    )


async def purge_namespace(url: str, namespace: str) -> int:
    """Delete every key of ``namespace`` (``<ns>`` and ``<ns>:*``); return how many.

    For test isolation and ``hotmesh-pg`` maintenance; never called by the engine.
    """
    client = await connect(url)
    try:
        removed = 0
        batch: list[str] = []
        async for name in client.scan_iter(match=f"{_glob_escape(namespace)}:*", count=1000):
            batch.append(name)
            if len(batch) >= 500:
                removed += int(await client.delete(*batch))
                batch.clear()
        batch.append(namespace)
        removed += int(await client.delete(*batch))
        return removed
    finally:
        await client.aclose()


def _glob_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)
