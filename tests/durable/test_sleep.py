"""sleep: activity then two durable sleeps; a second run is interrupted mid-activity."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hotmesh_pg.durable import Durable
from hotmesh_pg.errors import WorkflowFailedError

TASK_QUEUE = "sleep-world"


async def greet(name: str) -> str:
    await asyncio.sleep(2)
    return f"Hello, {name}!"


acts = Durable.workflow.proxy_activities(activities={"greet": greet})


async def example(name: str) -> str:
    greeting = await acts.greet(name)
    assert await Durable.workflow.sleep_for("1 seconds") == 1
    assert await Durable.workflow.sleep_for("2 seconds") == 2
    return str(greeting)


async def test_sleep_and_interrupt(durable_kwargs: dict[str, Any]) -> None:
    await Durable.Worker.create(task_queue=TASK_QUEUE, workflow=example, **durable_kwargs)
    client = Durable.Client(**durable_kwargs)
    first = await client.workflow.start(args=["ColdMush"], task_queue=TASK_QUEUE,
                                        workflow_name="example", expire=120)
    second = await client.workflow.start(args=["Doomed"], task_queue=TASK_QUEUE,
                                         workflow_name="example", expire=120)
    await asyncio.sleep(1)
    await second.interrupt({"descend": True, "expire": 60})
    with pytest.raises(WorkflowFailedError) as failed:
        await second.result(timeout=30)
    assert failed.value.code == 410
    assert failed.value.job_id == second.workflow_id
    assert await first.result(timeout=60) == "Hello, ColdMush!"


def test_bad_duration_names_the_string() -> None:
    from hotmesh_pg.durable import parse_duration

    with pytest.raises(ValueError, match="'soon-ish'"):
        parse_duration("soon-ish")
    assert parse_duration("1 month") == 30 * 86400
    assert parse_duration("2 seconds") == 2
    assert parse_duration(1.5) == 1.5
