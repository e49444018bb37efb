"""hook: a hook thread doing every primitive in its own dimension, sharing search state and
signalling the main thread; export facets and search afterwards."""

from __future__ import annotations

import asyncio
from typing import Any

from hotmesh_pg.durable import Durable

NAMESPACE = "staging"
TASK_QUEUE = "hook-world"


async def greet(name: str) -> str:
    return f"Hello, {name}!"


async def bye(name: str, delay_ms: int = 0) -> str:
    await asyncio.sleep(delay_ms / 1000)
    return f"Goodbye, {name}!"


async def child_activity(name: str) -> str:
    return f"childActivity, {name}!"


acts = Durable.workflow.proxy_activities(activities={"greet": greet, "bye": bye})
child_acts = Durable.workflow.proxy_activities(activities={"child_activity": child_activity})


async def example(name: str) -> str:
    wf = Durable.workflow
    search = await wf.search()
    await search.set("custom1", "durable", "custom2", "55", "jimbo", "jones")
    await search.incr("counter", 10)
    await search.incr("counter", 1)
    await search.mult("multer", 12)
    await search.mult("multer", 10)
    await wf.exec_child(workflow_name="childExample", task_queue="child-world", args=[name])
    await wf.start_child(workflow_name="childExample", task_queue="child-world", args=[name])
    hello, goodbye = await asyncio.gather(acts.greet(name), acts.bye(name))
    await wf.wait_for("abcdefg")
    await wf.sleep_for("2 seconds")
    return f"{hello} - {goodbye}"


async def exampleHook(name: str) -> None:
    wf = Durable.workflow
    search = await wf.search()
    await search.incr("counter", 100)
    await search.set("jimbo", "jackson")
    greeting, _slept = await asyncio.gather(acts.bye(name, 1000), wf.sleep_for("1 second"))
    await wf.exec_child(workflow_name="childExample", task_queue="child-world", args=[name])
    await wf.start_child(workflow_name="childExample", task_queue="child-world", args=[name])
    await wf.sleep_for("1 seconds")
    await wf.signal("abcdefg", {"data": greeting})


async def childExample(name: str) -> str:
    return str(await child_acts.child_activity(name))


async def test_hook(durable_kwargs: dict[str, Any], hotmesh_ns: str) -> None:
    search = {"index": "bye-bye", "prefix": ["bye-world-"],
              "schema": {"custom1": {"type": "TEXT", "sortable": True},
                         "custom2": {"type": "NUMERIC", "sortable": True}}}
    await Durable.Worker.create(namespace=NAMESPACE, task_queue=TASK_QUEUE,
                                workflow=[example, exampleHook], search=search,
                                **durable_kwargs)
    await Durable.Worker.create(namespace=NAMESPACE, task_queue="child-world",
                                workflow=childExample, **durable_kwargs)
    client = Durable.Client(**durable_kwargs)
    from hotmesh_pg import HotMesh

    workflow_id = f"bye-world-{HotMesh.guid()}"
    handle = await client.workflow.start(
        namespace=NAMESPACE, args=["HookMesh"], task_queue=TASK_QUEUE,
        workflow_name="example", workflow_id=workflow_id, expire=600,
        search={"data": {"fred": "flintstone", "barney": "rubble"}})
    await asyncio.sleep(2.5)
    await client.workflow.hook(namespace=NAMESPACE, task_queue=TASK_QUEUE,
                               workflow_name="exampleHook", workflow_id=workflow_id,
                               args=["HotMeshHook"])
    assert await handle.result(state=True, timeout=60) == \
        "Hello, HookMesh! - Goodbye, HookMesh!"
    exported = await handle.export(allow=["timeline", "status", "data", "state"],
                                   values=False)
    assert exported["status"] is not None
    assert exported["data"]["fred"] == "flintstone"
    assert exported["state"]["data"]["done"] is True
    assert any(entry.get("dimension") for entry in exported["timeline"])
    assert (await handle.query_state(["counter", "jimbo"])) == {"counter": "111",
                                                                "jimbo": "jackson"}
    raw = await client.workflow.search_raw(TASK_QUEUE, "example", "@_custom1:durable",
                                           index="bye-bye", namespace=NAMESPACE)
    assert raw[0:2] == [1, f"{hotmesh_ns}:{NAMESPACE}:j:{workflow_id}"]
