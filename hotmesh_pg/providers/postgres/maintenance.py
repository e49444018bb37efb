"""Pruning: hard-deletes what expiry only hid (runtime.md 7.8 #3, 8.10).

Expired jobs stay as tombstones for ``job_retention_s`` before they are deleted, because a
write to a job id with no row creates it (Redis semantics) and late messages for an expired
job must not resurrect it; pub/sub bodies are kept a few minutes for listeners catching up.
A task per shared pool runs :func:`prune` every ``PRUNE_INTERVAL_S``; operators may also call
it from cron.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

import psycopg
from psycopg_pool import AsyncConnectionPool

from ...clock import Clock, SystemClock
from .queries import Queries

__all__ = ["PruneTask", "prune"]

log = logging.getLogger("hotmesh_pg.postgres.maintenance")

PRUNE_INTERVAL_S = float(os.environ.get("HOTMESH_PG_PRUNE_INTERVAL_S", "300"))
JOB_RETENTION_S = float(os.environ.get("HOTMESH_PG_JOB_RETENTION_S", str(24 * 3600)))
SUB_RETENTION_S = 300.0
_BATCH = 1000


async def prune(
    pool: AsyncConnectionPool, queries: Queries, *, clock: Clock | None = None,
    job_retention_s: float = JOB_RETENTION_S, sub_retention_s: float = SUB_RETENTION_S,
) -> int:
    """Delete long-expired jobs, expired keys and old pub/sub bodies; return rows deleted."""
    now = (clock or SystemClock()).now_ms()
    deleted = 0
    steps = (
        (queries.prune_jobs, now - int(job_retention_s * 1000)),
        (queries.prune_keys, now),
    )
    async with pool.connection() as conn:
        for query, before in steps:
            while True:
                cur = await conn.execute(query, {"before": before, "batch": _BATCH})
                deleted += cur.rowcount
                if cur.rowcount < _BATCH:
                    break
        cur = await conn.execute(queries.sub_prune,
                                 {"before": now - int(sub_retention_s * 1000)})
        deleted += cur.rowcount
    return deleted


class PruneTask:
    """Runs :func:`prune` on an interval for one shared pool; failures are logged only."""

    def __init__(self, pool: AsyncConnectionPool, queries: Queries) -> None:
        self._pool = pool
        self._queries = queries
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None and PRUNE_INTERVAL_S > 0:
            self._task = asyncio.create_task(self._run(), name="hotmesh-pg-prune")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(PRUNE_INTERVAL_S)
            try:
                count = await prune(self._pool, self._queries)
                if count:
                    log.debug("pruned %d expired rows", count)
            except psycopg.Error as exc:
                log.warning("prune failed: %s", exc)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
