"""retry: an activity failing twice succeeds on its third run (maximum_attempts 2)."""

from __future__ import annotations

from typing import Any

from hotmesh_pg.durable import Durable

TASK_QUEUE = "retry-world"
COUNTER = {"n": 0}


async def count(limit: int) -> int:
    COUNTER["n"] += 1
    if COUNTER["n"] < limit:
        raise RuntimeError("retry")
    return COUNTER["n"]


acts = Durable.workflow.proxy_activities(
    activities={"count": count},
    retry_policy={"maximum_attempts": 2, "maximum_interval": "1s", "backoff_coefficient": 1},
)


async def example(options: dict[str, Any]) -> int:
    return int(await acts.count(options["amount"]))


async def test_retry(durable_kwargs: dict[str, Any]) -> None:
    COUNTER["n"] = 0
    await Durable.Worker.create(task_queue=TASK_QUEUE, workflow=example, **durable_kwargs)
    client = Durable.Client(**durable_kwargs)
    handle = await client.workflow.start(args=[{"amount": 3}], task_queue=TASK_QUEUE,
                                         workflow_name="example", expire=120)
    assert await handle.result(timeout=30) == 3
    assert COUNTER["n"] == 3
