"""loopactivity: a gather of three activities and a sleep collates into one batch."""

from __future__ import annotations

import asyncio
from typing import Any

from hotmesh_pg.durable import Durable

TASK_QUEUE = "loop-world"


async def greet(name: str) -> str:
    return f"Hello, {name}!"


acts = Durable.workflow.proxy_activities(activities={"greet": greet})


async def example() -> list[Any]:
    return list(await asyncio.gather(
        acts.greet("1"), acts.greet("2"), acts.greet("3"),
        Durable.workflow.sleep_for("5 seconds"),
    ))


async def test_loopactivity(durable_kwargs: dict[str, Any]) -> None:
    client = Durable.Client(**durable_kwargs)
    handle = await client.workflow.start(args=[], task_queue=TASK_QUEUE,
                                         workflow_name="example", expire=120)
    await Durable.Worker.create(task_queue=TASK_QUEUE, workflow=example, **durable_kwargs)
    assert await handle.result(timeout=30) == ["Hello, 1!", "Hello, 2!", "Hello, 3!", 5]
    timeline = (await handle.export(allow=["timeline"]))["timeline"]
    keys = {entry["key"] for entry in timeline}
    assert any(k.startswith("-collator-1-") or k == "-collator-1-" for k in keys)
