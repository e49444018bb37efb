"""helloworld: random, an activity, random, once — replayed in order."""

from __future__ import annotations

from typing import Any

from hotmesh_pg.durable import Durable
from hotmesh_pg.durable.workflow import deterministic_random

TASK_QUEUE = "hello-world"


async def greet(name: str) -> str:
    return f"Hello, {name}!"


acts = Durable.workflow.proxy_activities(activities={"greet": greet})


async def example(name: str) -> str:
    r1 = await Durable.workflow.random()
    greeting = await acts.greet(name)
    r2 = await Durable.workflow.random()
    once = await Durable.workflow.once(greet, name)
    return f"{r1} {greeting} {r2} {once}"


async def test_helloworld(durable_kwargs: dict[str, Any]) -> None:
    assert await Durable.Connection.connect(durable_kwargs["connection"]) == durable_kwargs[
        "connection"]
    worker = await Durable.Worker.create(task_queue=TASK_QUEUE, workflow=example,
                                         **durable_kwargs)
    await worker.run()
    client = Durable.Client(**durable_kwargs)
    handle = await client.workflow.start(args=["HotMesh"], task_queue=TASK_QUEUE,
                                         workflow_name="example", expire=120)
    result = await handle.result(timeout=30)
    assert result == (f"{deterministic_random(1)} Hello, HotMesh! "
                      f"{deterministic_random(3)} Hello, HotMesh!")
