"""interrupt: a parent runs one child, starts another and interrupts it."""

from __future__ import annotations

from typing import Any

from hotmesh_pg.durable import Durable


async def child_activity(name: str) -> str:
    return f"interrupt childActivity, {name}!"


acts = Durable.workflow.proxy_activities(activities={"child_activity": child_activity})


async def childExample(name: str) -> str:
    await Durable.workflow.sleep_for(5)
    return str(await acts.child_activity(name))


async def fastChild(name: str) -> str:
    return str(await acts.child_activity(name))


async def parentExample(name: str) -> dict[str, Any]:
    output = await Durable.workflow.exec_child(
        workflow_name="fastChild", task_queue="child-world", args=[f"{name} to CHILD"],
        workflow_id="jimbo1")
    await Durable.workflow.start_child(
        workflow_name="childExample", task_queue="child-world", args=[f"{name} to CHILD"],
        workflow_id="jimbo2", expire=600)
    await Durable.workflow.interrupt("jimbo2", {"throw": False, "expire": 600})
    return {"childWorkflowOutput": output, "cancelledWorkflowId": "jimbo2"}


async def test_interrupt(durable_kwargs: dict[str, Any]) -> None:
    await Durable.Worker.create(task_queue="parent-world", workflow=parentExample,
                                **durable_kwargs)
    await Durable.Worker.create(task_queue="child-world",
                                workflow=[childExample, fastChild], **durable_kwargs)
    client = Durable.Client(**durable_kwargs)
    handle = await client.workflow.start(args=["PARENT"], task_queue="parent-world",
                                         workflow_name="parentExample", expire=600)
    assert await handle.result(timeout=30) == {
        "childWorkflowOutput": "interrupt childActivity, PARENT to CHILD!",
        "cancelledWorkflowId": "jimbo2",
    }
    cancelled = await client.workflow.get_handle("child-world", "childExample", "jimbo2")
    assert (await cancelled.state(True))["metadata"]["js"] < -1_000_000
    assert await cancelled.result(timeout=30) is None
