"""A worker process killed with SIGKILL mid-workflow: another worker finishes the workflow
and each activity's effect is recorded once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hotmesh_pg.durable import Durable

from . import killable_worker

pytestmark = pytest.mark.chaos

REPO = Path(__file__).resolve().parents[2]


async def _wait_for_line(path: Path, text: str, steps: int = 600) -> None:
    for _ in range(steps):
        if path.exists() and text in path.read_text():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in {path}")


async def test_sigkill_mid_workflow(durable_kwargs: dict[str, Any], tmp_path: Path) -> None:
    effects = tmp_path / "effects.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.durable.killable_worker",
         durable_kwargs["connection"], durable_kwargs["schema"], str(effects)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        ready = await asyncio.to_thread(proc.stdout.readline)
        assert ready.strip() == "ready"
        client = Durable.Client(**durable_kwargs)
        handle = await client.workflow.start(args=[], task_queue=killable_worker.TASK_QUEUE,
                                             workflow_name="two_steps", expire=120)
        await _wait_for_line(effects, f"one:{handle.workflow_id}")
        os.kill(proc.pid, signal.SIGKILL)  # mid-workflow: asleep between the two steps
        proc.wait()
        killable_worker.EFFECTS = effects
        await Durable.Worker.create(task_queue=killable_worker.TASK_QUEUE,
                                    workflow=killable_worker.two_steps, **durable_kwargs)
        assert await handle.result(timeout=60) == ["one", "two"]
        lines = effects.read_text().splitlines()
        assert lines.count(f"one:{handle.workflow_id}") == 1
        assert lines.count(f"two:{handle.workflow_id}") == 1
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
