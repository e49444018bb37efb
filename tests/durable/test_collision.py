"""collision: a child id equal to the parent's id is retried, then fails the parent."""

from __future__ import annotations

from typing import Any

import pytest

from hotmesh_pg.durable import Durable
from hotmesh_pg.errors import WorkflowFailedError

TASK_QUEUE = "collision-world"
COUNTER = {"n": 0}


async def greet(name: str) -> str:
    return f"Hello, {name}!"


acts = Durable.workflow.proxy_activities(activities={"greet": greet})


async def example(name: str) -> Any:
    await acts.greet(name)
    return await Durable.workflow.exec_child(
        workflow_name="childExample", task_queue=TASK_QUEUE, args=["Howdy!"],
        workflow_id="collision-child")


async def childExample(name: str) -> str:
    return str(await acts.greet(name))


async def fixableExample(bad_count: int) -> Any:
    COUNTER["n"] += 1
    child = "fixable-collision-child" if COUNTER["n"] <= bad_count else \
        "fixable-collision-child-fixed"
    return await Durable.workflow.exec_child(
        workflow_name="childExample", task_queue=TASK_QUEUE, args=["FIXED"],
        workflow_id=child)


async def test_duplicate_child_fails_parent(durable_kwargs: dict[str, Any]) -> None:
    await Durable.Worker.create(task_queue=TASK_QUEUE,
                                workflow={"example": example, "childExample": childExample},
                                **durable_kwargs)
    client = Durable.Client(**durable_kwargs)
    handle = await client.workflow.start(
        args=["ColdMush"], task_queue=TASK_QUEUE, workflow_name="example",
        workflow_id="collision-child", expire=120,
        config={"maximum_attempts": 2, "maximum_interval": "1 second",
                "backoff_coefficient": 1})
    with pytest.raises(WorkflowFailedError) as failed:
        await handle.result(timeout=30)
    assert "Duplicate job: collision-child" in failed.value.message


async def test_fixable_collision(durable_kwargs: dict[str, Any]) -> None:
    COUNTER["n"] = 0
    await Durable.Worker.create(
        task_queue=TASK_QUEUE,
        workflow={"fixableExample": fixableExample, "childExample": childExample},
        **durable_kwargs)
    client = Durable.Client(**durable_kwargs)
    handle = await client.workflow.start(
        args=[1], task_queue=TASK_QUEUE, workflow_name="fixableExample",
        workflow_id="fixable-collision-child", expire=120,
        config={"maximum_attempts": 3, "maximum_interval": "1 second",
                "backoff_coefficient": 1})
    assert await handle.result(throw_on_error=False, timeout=30) == "Hello, FIXED!"
