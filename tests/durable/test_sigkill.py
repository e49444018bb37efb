"""A worker process killed with SIGKILL mid-workflow: another worker finishes the workflow
and each activity's effect is recorded once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
from psycopg import sql

from hotmesh_pg.durable import Durable

from . import killable_worker

pytestmark = pytest.mark.chaos

REPO = Path(__file__).resolve().parents[2]
TIMEHOOK = '"type":"timehook"'


async def _wait_for_line(path: Path, text: str, steps: int = 600) -> None:
    for _ in range(steps):
        if path.exists() and text in path.read_text():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in {path}")


async def _wait_for_marker(handle: Any, marker: str, steps: int = 600) -> None:
    for _ in range(steps):
        timeline = (await handle.export(allow=["timeline"]))["timeline"]
        if any(entry["key"] == marker for entry in timeline):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{marker} was never recorded")


def _timer_pending(kwargs: dict[str, Any]) -> bool:
    """A sleep's timer is waiting in storage (a delayed engine-stream entry).

    Postgres keeps delayed entries in the streams table, not yet reserved; Redis parks them
    in the ``<ns>:<app>:xd:<topic>`` sorted set beside the stream (members ``<id> <json>``).
    """
    if "schema" in kwargs:
        with psycopg.connect(kwargs["connection"]) as conn:
            row = conn.execute(
                sql.SQL("SELECT count(*) FROM {}.streams WHERE message LIKE %s "
                        "AND reserved_by IS NULL").format(sql.Identifier(kwargs["schema"])),
                (f"%{TIMEHOOK}%",)).fetchone()
        return bool(row and row[0])
    client = redis.Redis.from_url(kwargs["connection"], decode_responses=True)
    try:
        for key in client.scan_iter(match=f"{kwargs['hotmesh_namespace']}:*:xd:*"):
            if any(TIMEHOOK in member for member in client.zrange(key, 0, -1)):
                return True
        return False
    finally:
        client.close()


async def _run(durable_kwargs: dict[str, Any], tmp_path: Path, *, in_flight: bool) -> None:
    effects = tmp_path / "effects.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.durable.killable_worker",
         json.dumps(durable_kwargs), str(effects)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        ready = await asyncio.to_thread(proc.stdout.readline)
        assert ready.strip() == "ready"
        client = Durable.Client(**durable_kwargs)
        handle = await client.workflow.start(args=[], task_queue=killable_worker.TASK_QUEUE,
                                             workflow_name="two_steps", expire=120)
        await _wait_for_line(effects, f"one:{handle.workflow_id}")
        await _wait_for_marker(handle, "-proxy-1-")
        if not in_flight:  # asleep: the workflow lives only in storage now
            for _ in range(600):
                if _timer_pending(durable_kwargs):
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the sleep's timer was never seen waiting in storage")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killable_worker.EFFECTS = effects
        # the survivor reclaims whatever the dead process had claimed after 2 s
        await Durable.Worker.create(task_queue=killable_worker.TASK_QUEUE,
                                    workflow=killable_worker.two_steps,
                                    options={"reclaim_delay": 2000},
                                    engine={"reclaim_delay": 2000}, **durable_kwargs)
        assert await handle.result(timeout=60) == ["one", "two"]
        lines = effects.read_text().splitlines()
        assert lines.count(f"one:{handle.workflow_id}") == 1
        assert lines.count(f"two:{handle.workflow_id}") == 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def test_sigkill_mid_workflow(durable_kwargs: dict[str, Any], tmp_path: Path) -> None:
    """Killed while the workflow sleeps between its two activities."""
    await _run(durable_kwargs, tmp_path, in_flight=False)


async def test_sigkill_with_steps_in_flight(
    durable_kwargs: dict[str, Any], tmp_path: Path,
) -> None:
    """Killed the moment the first activity's result is recorded (next steps in flight).

    The dead process may have passed a step's collation guard (its own commit) without
    committing the step; the survivor's redelivery must run that step, not drop it.
    """
    await _run(durable_kwargs, tmp_path, in_flight=True)
