"""One connection pool and one LISTEN connection per (dsn, schema, event loop) in a process.

Every provider set opened on the same target shares them (reference-counted), so an engine,
its workers and a Durable client in one process cost one pool and one listener.
"""

from __future__ import annotations

import asyncio
import logging
import os
import weakref
from dataclasses import dataclass, field

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import AsyncConnectionPool

from ...errors import ConnectionFailedError
from .listener import Listener
from .maintenance import PruneTask
from .queries import Queries

__all__ = ["Shared", "acquire", "describe_target", "release"]

log = logging.getLogger("hotmesh_pg.postgres")

CONNECT_TIMEOUT_S = 5
POOL_MAX_SIZE = int(os.environ.get("HOTMESH_PG_POOL_MAX", "10"))
"""Connections per (dsn, schema) pool in a process; blocking consumers hold none while waiting."""


def describe_target(dsn: str) -> str:
    """``host:port/db`` for messages (never the password)."""
    try:
        info = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "<unparseable DSN>"
    host = info.get("host") or info.get("hostaddr") or "localhost"
    port = info.get("port") or "5432"
    db = info.get("dbname") or ""
    return f"{host}:{port}/{db}"


@dataclass
class Shared:
    dsn: str
    schema: str
    queries: Queries
    pool: AsyncConnectionPool
    listener: Listener
    pruner: PruneTask
    loop: weakref.ref[asyncio.AbstractEventLoop] | None = None
    refs: int = 0
    closed: bool = False
    extra: dict[str, object] = field(default_factory=dict)


_registry: dict[tuple[str, str, int, bool], Shared] = {}
_lock: asyncio.Lock | None = None


async def check_connect(dsn: str) -> None:
    """Fail fast with host and port when the server cannot be reached."""
    try:
        conn = await psycopg.AsyncConnection.connect(dsn, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConnectionFailedError(
            f"cannot connect to Postgres at {describe_target(dsn)}: {first}"
        ) from exc
    await conn.close()


async def acquire(dsn: str, schema: str, *, listen: bool = True) -> Shared:
    """The shared pool and listener for this target, opened on first use."""
    global _lock
    loop = asyncio.get_running_loop()
    if _lock is None or getattr(_lock, "_hm_loop", None) is not loop:
        _lock = asyncio.Lock()
        _lock._hm_loop = loop  # type: ignore[attr-defined]
    key = (dsn, schema, id(loop), listen)
    async with _lock:
        shared = _registry.get(key)
        if shared is not None and (shared.loop is None or shared.loop() is not loop):
            # A loop that died without closing its providers left this entry behind.
            del _registry[key]
            shared = None
        if shared is None or shared.closed:
            await check_connect(dsn)
            queries = Queries(schema)
            pool = AsyncConnectionPool(
                dsn, min_size=1, max_size=POOL_MAX_SIZE, open=False,
                kwargs={"connect_timeout": CONNECT_TIMEOUT_S, "autocommit": True},
                name=f"hotmesh:{schema}",
            )
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT_S * 2)
            listener = Listener(dsn, schema, queries, pool, listen=listen)
            pruner = PruneTask(pool, queries)
            shared = Shared(dsn, schema, queries, pool, listener, pruner, loop=weakref.ref(loop))
            _registry[key] = shared
        shared.refs += 1
        return shared


async def release(shared: Shared) -> None:
    """Drop one reference; the last one closes the listener and the pool."""
    shared.refs -= 1
    if shared.refs > 0 or shared.closed:
        return
    shared.closed = True
    for key, value in list(_registry.items()):
        if value is shared:
            del _registry[key]
    await shared.pruner.close()
    await shared.listener.close()
    await shared.pool.close()
