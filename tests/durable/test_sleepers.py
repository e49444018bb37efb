"""Sleeping workflows live in storage only: many asleep at once hold no asyncio task and no
connection in the worker's process, and short sleepers all wake and finish."""

from __future__ import annotations

import asyncio
import os
from typing import Any
from urllib.parse import urlsplit

import psycopg
import redis
from psycopg import sql

from hotmesh_pg.durable import Durable

TASK_QUEUE = "sleepers"
SLEEPERS = 40
POOL_BOUND = 16
"""Connections a process may hold whatever the load: the pools' maxima plus listeners."""
TIMEHOOK = '"type":"timehook"'


async def nap(seconds: float) -> str:
    await Durable.workflow.sleep_for(seconds)
    return "awake"


def _sockets_to(port: int) -> int:
    """TCP connections this process holds to ``port`` (read from /proc, not from the pool's
    own bookkeeping, so a connection leaked outside the pool counts too)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        try:
            with open(table) as rows:
                next(rows)
                for row in rows:
                    cols = row.split()
                    if int(cols[2].rsplit(":", 1)[1], 16) == port and cols[9] in inodes:
                        count += 1
        except FileNotFoundError:
            continue
    return count


def _timers_pending(kwargs: dict[str, Any]) -> int:
    if "schema" in kwargs:
        with psycopg.connect(kwargs["connection"]) as conn:
            row = conn.execute(
                sql.SQL("SELECT count(*) FROM {}.streams WHERE message LIKE %s "
                        "AND reserved_by IS NULL").format(sql.Identifier(kwargs["schema"])),
                (f"%{TIMEHOOK}%",)).fetchone()
        return int(row[0]) if row else 0
    client = redis.Redis.from_url(kwargs["connection"], decode_responses=True)
    try:
        return sum(sum(TIMEHOOK in member for member in client.zrange(key, 0, -1))
                   for key in client.scan_iter(match=f"{kwargs['hotmesh_namespace']}:*:xd:*"))
    finally:
        client.close()


async def _start(client: Any, seconds: float) -> Any:
    return await client.workflow.start(args=[seconds], task_queue=TASK_QUEUE,
                                       workflow_name="nap", expire=120)


async def test_sleepers_hold_no_tasks_or_connections(durable_kwargs: dict[str, Any]) -> None:
    port = urlsplit(durable_kwargs["connection"]).port or 5432
    await Durable.Worker.create(task_queue=TASK_QUEUE, workflow=nap, **durable_kwargs)
    client = Durable.Client(**durable_kwargs)
    assert await (await _start(client, 0.1)).result(timeout=30) == "awake"  # warm
    tasks_before = len(asyncio.all_tasks())

    await asyncio.gather(*(_start(client, 3600) for _ in range(SLEEPERS)))
    for _ in range(1200):
        if _timers_pending(durable_kwargs) >= SLEEPERS:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the sleepers never all registered their timers")
    await asyncio.sleep(0.2)  # let the last worker replies settle

    # the consumers' own tasks come and go with their polls; per-sleeper growth would
    # add SLEEPERS of them
    assert len(asyncio.all_tasks()) <= tasks_before + 2
    if "schema" in durable_kwargs:
        # the Postgres pool grows with concurrent starts up to its maximum; a connection
        # per sleeper would pass it. (redis-py's pool has no maximum: it keeps as many idle
        # connections as commands were ever in flight at once, so it proves nothing here.)
        assert _sockets_to(port) <= POOL_BOUND < SLEEPERS


async def test_short_sleepers_all_wake_and_finish(durable_kwargs: dict[str, Any]) -> None:
    await Durable.Worker.create(task_queue=TASK_QUEUE, workflow=nap, **durable_kwargs)
    client = Durable.Client(**durable_kwargs)
    handles = await asyncio.gather(*(_start(client, 1) for _ in range(SLEEPERS)))
    results = await asyncio.gather(*(h.result(timeout=120) for h in handles))
    assert results == ["awake"] * SLEEPERS
    for handle in handles:
        timeline = (await handle.export(allow=["timeline"]))["timeline"]
        assert [e["key"] for e in timeline if e["key"].startswith("-sleep")] == ["-sleep-1-"]
