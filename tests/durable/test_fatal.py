"""fatal: a DurableFatalError in an activity is not retried and fails the workflow (598)."""

from __future__ import annotations

from typing import Any

import pytest

from hotmesh_pg.durable import Durable
from hotmesh_pg.errors import ActivityFailedError, DurableFatalError, WorkflowFailedError

TASK_QUEUE = "fatal-world"
CALLS = {"n": 0}


async def my_fatal_activity(name: str) -> None:
    CALLS["n"] += 1
    raise DurableFatalError(f"stop-retrying-please-{name}")


acts = Durable.workflow.proxy_activities(activities={"my_fatal_activity": my_fatal_activity})


async def example(options: dict[str, Any]) -> None:
    try:
        await acts.my_fatal_activity(options["name"])
    except ActivityFailedError:
        raise


async def test_fatal(durable_kwargs: dict[str, Any]) -> None:
    CALLS["n"] = 0
    await Durable.Worker.create(task_queue=TASK_QUEUE, workflow=example, **durable_kwargs)
    client = Durable.Client(**durable_kwargs)
    handle = await client.workflow.start(args=[{"name": "hot-mess"}], task_queue=TASK_QUEUE,
                                         workflow_name="example", expire=120)
    with pytest.raises(WorkflowFailedError) as failed:
        await handle.result(timeout=30)
    assert failed.value.message == "stop-retrying-please-hot-mess"
    assert failed.value.code == 598
    assert CALLS["n"] == 1
