"""unknown: a workflow that raises is retried by the graph, then stopped with 597."""

from __future__ import annotations

from typing import Any

import pytest

from hotmesh_pg.durable import Durable
from hotmesh_pg.errors import WorkflowFailedError

TASK_QUEUE = "unknown-world"
COUNTER = {"n": 0}


async def example(count: int) -> int:
    COUNTER["n"] += 1
    if COUNTER["n"] < count:
        raise RuntimeError("recurring-test-error")
    return count


async def test_retries_until_success(durable_kwargs: dict[str, Any]) -> None:
    COUNTER["n"] = 0
    await Durable.Worker.create(task_queue=TASK_QUEUE, workflow=example, **durable_kwargs)
    client = Durable.Client(**durable_kwargs)
    handle = await client.workflow.start(
        args=[3], task_queue=TASK_QUEUE, workflow_name="example", expire=120,
        config={"maximum_attempts": 4, "backoff_coefficient": 1, "maximum_interval": "1s"})
    assert await handle.result(timeout=30) == 3


async def test_exhausted_retries_fail_with_597(durable_kwargs: dict[str, Any]) -> None:
    COUNTER["n"] = 0
    await Durable.Worker.create(task_queue=TASK_QUEUE, workflow=example, **durable_kwargs)
    client = Durable.Client(**durable_kwargs)
    handle = await client.workflow.start(
        args=[5], task_queue=TASK_QUEUE, workflow_name="example", expire=120,
        config={"maximum_attempts": 2, "backoff_coefficient": 1, "maximum_interval": "1s"})
    with pytest.raises(WorkflowFailedError) as failed:
        await handle.result(timeout=30)
    assert failed.value.message == "recurring-test-error"
    assert failed.value.code == 597
    assert failed.value.stack
