"""A durable worker run as its own process by test_sigkill (``python -m`` this module).

Arguments: the test's ``durable_kwargs`` as JSON (whatever isolates it on its provider:
``schema`` on Postgres, ``hotmesh_namespace`` on Redis) and the effects log path.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from hotmesh_pg.durable import Durable

TASK_QUEUE = "sigkill-world"
EFFECTS = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("effects.log")


def record(step: str, workflow_id: str) -> str:
    with EFFECTS.open("a") as log:
        log.write(f"{step}:{workflow_id}\n")
    return step


async def step_one(workflow_id: str) -> str:
    return record("one", workflow_id)


async def step_two(workflow_id: str) -> str:
    return record("two", workflow_id)


acts = Durable.workflow.proxy_activities(activities={"step_one": step_one,
                                                     "step_two": step_two})


async def two_steps() -> list[str]:
    workflow_id = Durable.workflow.get_context().workflow_id
    first = await acts.step_one(workflow_id)
    await Durable.workflow.sleep_for(3)
    second = await acts.step_two(workflow_id)
    return [first, second]


async def main(kwargs: dict[str, Any]) -> None:
    await Durable.Worker.create(task_queue=TASK_QUEUE, workflow=two_steps, **kwargs)
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
