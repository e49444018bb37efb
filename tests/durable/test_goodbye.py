"""goodbye: search fields, a hook thread, a signal from the hook, search queries."""

from __future__ import annotations

import asyncio
from typing import Any

from hotmesh_pg.durable import Durable

NAMESPACE = "prod"
TASK_QUEUE = "goodbye-world"


async def greet(name: str) -> str:
    return f"Hello, {name}!"


async def bye(name: str) -> str:
    return f"Goodbye, {name}!"


acts = Durable.workflow.proxy_activities(activities={"greet": greet, "bye": bye})


async def example(name: str) -> str:
    search = await Durable.workflow.search()
    await search.set("custom1", "durable")
    await search.set("custom2", "55")
    await search.set("jimbo", "jones")
    hello, goodbye = await asyncio.gather(acts.greet(name), acts.bye(name))
    assert await search.get("jimbo") == "jones"
    await search.incr("counter", 10)
    await search.incr("counter", 1)
    await search.mult("multer", 12)
    await search.mult("multer", 10)
    await Durable.workflow.wait_for("abcdefg")
    return f"{hello} - {goodbye}"


async def exampleHook(name: str) -> None:
    search = await Durable.workflow.search()
    await search.incr("counter", 100)
    await Durable.workflow.sleep_for("1 second")
    await Durable.workflow.signal("abcdefg", {"data": "hello"})


async def test_goodbye(durable_kwargs: dict[str, Any], hotmesh_ns: str) -> None:
    search = {"index": "bye-bye", "prefix": ["bye-world-"],
              "schema": {"custom1": {"type": "TEXT", "sortable": True},
                         "custom2": {"type": "NUMERIC", "sortable": True}}}
    await Durable.Worker.create(namespace=NAMESPACE, task_queue=TASK_QUEUE, workflow=example,
                                search=search, **durable_kwargs)
    await Durable.Worker.create(namespace=NAMESPACE, task_queue=TASK_QUEUE,
                                workflow=exampleHook, **durable_kwargs)
    client = Durable.Client(**durable_kwargs)
    from hotmesh_pg import HotMesh

    workflow_id = f"bye-world-{HotMesh.guid()}"
    await client.workflow.start(
        namespace=NAMESPACE, args=["HotMesh"], task_queue=TASK_QUEUE, workflow_name="example",
        workflow_id=workflow_id, expire=120,
        search={"data": {"fred": "flintstone", "barney": "rubble"}})
    await asyncio.sleep(2)
    await client.workflow.hook(namespace=NAMESPACE, task_queue=TASK_QUEUE,
                               workflow_name="exampleHook", workflow_id=workflow_id,
                               args=["HotMeshHook"])
    handle = await client.workflow.get_handle(TASK_QUEUE, "example", workflow_id, NAMESPACE)
    assert await handle.result(timeout=30) == "Hello, HotMesh! - Goodbye, HotMesh!"
    fields = await handle.query_state(["counter", "multer", "fred", "custom1"])
    assert fields == {"counter": "111", "multer": "120", "fred": "flintstone",
                      "custom1": "durable"}
    ids = await client.workflow.search(TASK_QUEUE, "example", "@_custom1:durable",
                                       index="bye-bye", namespace=NAMESPACE)
    assert ids == [workflow_id]
    raw = await client.workflow.search_raw(TASK_QUEUE, "example", "@_custom1:durable",
                                           index="bye-bye", namespace=NAMESPACE)
    assert raw[0:2] == [1, f"{hotmesh_ns}:{NAMESPACE}:j:{workflow_id}"]
    assert await client.workflow.search(TASK_QUEUE, "example", "@_custom2:[50 60]",
                                        index="bye-bye", namespace=NAMESPACE) == [workflow_id]
    assert await client.workflow.search(TASK_QUEUE, "example", "-@_custom1:durable",
                                        index="bye-bye", namespace=NAMESPACE) == []
