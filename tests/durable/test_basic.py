"""basic: every kind of durable call in one workflow, started before its workers exist."""

from __future__ import annotations

import asyncio
from typing import Any

from hotmesh_pg.durable import Durable
from hotmesh_pg.durable.workflow import deterministic_random

TASK_QUEUE = "basic-world"


async def greet(name: str) -> dict[str, str]:
    await asyncio.sleep(0.5)
    return {"complex": f"Basic, {name}!"}


acts = Durable.workflow.proxy_activities(activities={"greet": greet})


async def example(name: str) -> dict[str, Any]:
    wf = Durable.workflow
    random1 = await wf.random()
    proxy_greeting = await acts.greet(name)
    await acts.greet(f"{name}2")
    random2 = await wf.random()
    once_greeting = await wf.once(greet, name)
    await wf.sleep_for("2 seconds")
    await wf.exec_child(workflow_name="childExample", task_queue=TASK_QUEUE, args=[name])
    await wf.start_child(workflow_name="childExample", task_queue=TASK_QUEUE,
                         args=[f"start-{name}"])
    payload = await wf.wait_for("abcdefg")
    greeting3, greeting4 = await asyncio.gather(acts.greet(f"{name}3"), acts.greet(f"{name}4"))
    job_id, job_body = await asyncio.gather(
        wf.start_child(workflow_name="childExample", task_queue=TASK_QUEUE,
                       args=[f"start-{name}x"], workflow_id="MyWorkflowId123"),
        wf.exec_child(workflow_name="childExample", task_queue=TASK_QUEUE,
                      args=[f"start-{name}y"]),
    )
    return {"random1": random1, "proxyGreeting": proxy_greeting, "random2": random2,
            "oneTimeGreeting": once_greeting, "payload": payload,
            "proxyGreeting3": greeting3, "proxyGreeting4": greeting4,
            "jobId": job_id, "jobBody": job_body}


async def childExample(name: str) -> str:
    return f"Hello from child workflow, {name}!"


async def test_basic(durable_kwargs: dict[str, Any]) -> None:
    client = Durable.Client(**durable_kwargs)
    handle = await client.workflow.start(args=["HotMesh"], task_queue=TASK_QUEUE,
                                         workflow_name="example", expire=600)
    await Durable.Worker.create(task_queue=TASK_QUEUE, workflow=example, **durable_kwargs)
    await Durable.Worker.create(task_queue=TASK_QUEUE, workflow=childExample, **durable_kwargs)
    await asyncio.sleep(8)
    signal = {"id": "abcdefg", "data": {"hello": "world", "id": "abcdefg"}}
    await handle.signal("abcdefg", signal)
    assert await handle.result(timeout=60) == {
        "random1": deterministic_random(1),
        "proxyGreeting": {"complex": "Basic, HotMesh!"},
        "random2": deterministic_random(4),
        "oneTimeGreeting": {"complex": "Basic, HotMesh!"},
        "payload": signal,
        "proxyGreeting3": {"complex": "Basic, HotMesh3!"},
        "proxyGreeting4": {"complex": "Basic, HotMesh4!"},
        "jobId": "MyWorkflowId123",
        "jobBody": "Hello from child workflow, start-HotMeshy!",
    }
