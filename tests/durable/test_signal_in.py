"""``signal_in=False``: a workflow started without its signal-in hook (newer HotMesh's
``signalIn: false``) runs the same, takes signals for ``wait_for``, and costs two stream
messages fewer (no hook registration, no closing signal)."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest
from psycopg import sql

from hotmesh_pg.durable import Durable

TASK_QUEUE = "signal-in"


async def double(x: int) -> int:
    return x * 2


acts = Durable.workflow.proxy_activities(activities={"double": double})


async def doubled_then_told(x: int) -> list[Any]:
    ctx = Durable.workflow.get_context()
    first = await acts.double(x)
    told = await Durable.workflow.wait_for(f"tell-{ctx.workflow_id}")
    return [first, await acts.double(first), told]


async def twice(x: int) -> int:
    return int(await acts.double(await acts.double(x)))


async def _run(client: Any, signal_in: bool) -> list[Any]:
    handle = await client.workflow.start(args=[3], task_queue=TASK_QUEUE,
                                         workflow_name="doubled_then_told", expire=120,
                                         signal_in=signal_in)
    await client.workflow.signal(f"tell-{handle.workflow_id}", {"told": signal_in})
    return list(await handle.result(timeout=60))


async def test_runs_and_takes_signals_without_signal_in(durable_kwargs: dict[str, Any]) -> None:
    await Durable.Worker.create(task_queue=TASK_QUEUE, workflow=doubled_then_told,
                                **durable_kwargs)
    client = Durable.Client(**durable_kwargs)
    assert await _run(client, False) == [6, 12, {"told": False}]
    assert await _run(client, True) == [6, 12, {"told": True}]


def _messages_written(kwargs: dict[str, Any]) -> int:
    with psycopg.connect(kwargs["connection"]) as conn:
        seq = conn.execute("SELECT pg_get_serial_sequence(%s, 'id')",
                           (f'"{kwargs["schema"]}".streams',)).fetchone()
        assert seq and seq[0]
        row = conn.execute(sql.SQL(
            "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {}").format(
            sql.SQL(seq[0]))).fetchone()
    return int(row[0]) if row else 0


async def _settled(kwargs: dict[str, Any]) -> int:
    """The streams high-water once nothing more is written (the closing signal of a
    signal-in hook is processed after the result is already known)."""
    last = -1
    for _ in range(200):
        now = _messages_written(kwargs)
        if now == last:
            return now
        last = now
        await asyncio.sleep(0.3)
    raise AssertionError("stream messages kept being written")


async def test_two_messages_fewer(durable_kwargs: dict[str, Any]) -> None:
    if "schema" not in durable_kwargs:
        pytest.skip("counts rows of the Postgres streams table")
    await Durable.Worker.create(task_queue=TASK_QUEUE, workflow=twice, **durable_kwargs)
    client = Durable.Client(**durable_kwargs)
    written: dict[bool, int] = {}
    for signal_in in (True, False):
        before = await _settled(durable_kwargs)
        handle = await client.workflow.start(args=[1], task_queue=TASK_QUEUE,
                                             workflow_name="twice", expire=120,
                                             signal_in=signal_in)
        assert await handle.result(timeout=60) == 4
        written[signal_in] = await _settled(durable_kwargs) - before
    assert written[True] - written[False] == 2
