"""nested: two parents started at once (deploy race) before workers; each runs a child."""

from __future__ import annotations

import asyncio
from typing import Any

from hotmesh_pg.durable import Durable


async def parent_activity(name: str) -> str:
    return f"parentActivity, {name}!"


async def child_activity(name: str) -> str:
    return f"childActivity, {name}!"


parent_acts = Durable.workflow.proxy_activities(activities={"parent_activity": parent_activity})
child_acts = Durable.workflow.proxy_activities(activities={"child_activity": child_activity})


async def parentExample(name: str) -> dict[str, Any]:
    activity_output = await parent_acts.parent_activity(name)
    child_output = await Durable.workflow.exec_child(
        workflow_name="childExample", task_queue="child-world", args=[f"{name} to CHILD"])
    return {"activityOutput": activity_output, "childWorkflowOutput": child_output}


async def childExample(name: str) -> str:
    return str(await child_acts.child_activity(name))


async def test_nested(durable_kwargs: dict[str, Any]) -> None:
    client = Durable.Client(**durable_kwargs)
    first, second = await asyncio.gather(
        client.workflow.start(args=["PARENT"], task_queue="parent-world",
                              workflow_name="parentExample", expire=120),
        client.workflow.start(args=["PARENT"], task_queue="parent-world",
                              workflow_name="parentExample", expire=120),
    )
    await Durable.Worker.create(task_queue="parent-world", workflow=parentExample,
                                **durable_kwargs)
    await Durable.Worker.create(task_queue="child-world", workflow=childExample,
                                **durable_kwargs)
    expected = {"activityOutput": "parentActivity, PARENT!",
                "childWorkflowOutput": "childActivity, PARENT to CHILD!"}
    assert await first.result(timeout=30) == expected
    assert await second.result(timeout=30) == expected
