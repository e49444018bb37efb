"""signal: gathered waits, signals from a handle and from a second client; plus the
early-signal defect of 0.0.55 (a signal sent before its wait registers is kept)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hotmesh_pg.durable import Durable

TASK_QUEUE = "signal-world"


async def greet(name: str) -> str:
    return f"Hello, {name}!"


acts = Durable.workflow.proxy_activities(activities={"greet": greet})


async def example(name: str) -> list[Any]:
    stranger = await acts.greet("stranger")
    s1, s2 = await asyncio.gather(Durable.workflow.wait_for("abcdefg"),
                                  Durable.workflow.wait_for("hijklmnop"))
    return [stranger, s1, s2, await acts.greet(name)]


async def late_waiter(name: str) -> Any:
    await acts.greet(name)
    await Durable.workflow.sleep_for(2)
    return await Durable.workflow.wait_for("sent-early")


async def _until_status_changes(handle: Any, steps: int = 200) -> None:
    for _ in range(steps):
        state = await handle.export(allow=["timeline"])
        if state["timeline"]:
            return
        await asyncio.sleep(0.05)


async def test_signal(durable_kwargs: dict[str, Any]) -> None:
    client = Durable.Client(**durable_kwargs)
    await Durable.Worker.create(task_queue=TASK_QUEUE, workflow=example, **durable_kwargs)
    handle = await client.workflow.start(args=["ColdMush"], task_queue=TASK_QUEUE,
                                         workflow_name="example", expire=120)
    await asyncio.sleep(3)
    await handle.signal("abcdefg", {"name": "WarmMash"})
    await asyncio.sleep(1)
    other = Durable.Client(**durable_kwargs)
    await other.workflow.signal("hijklmnop", {"name": "WarnCrash"})
    assert await handle.result(timeout=30) == [
        "Hello, stranger!", {"name": "WarmMash"}, {"name": "WarnCrash"}, "Hello, ColdMush!"]


async def test_signal_sent_before_wait_is_kept(durable_kwargs: dict[str, Any]) -> None:
    """0.0.55 dropped a signal nobody waited for yet; here the wait receives it."""
    client = Durable.Client(**durable_kwargs)
    await Durable.Worker.create(task_queue=TASK_QUEUE, workflow=late_waiter, **durable_kwargs)
    handle = await client.workflow.start(args=["early"], task_queue=TASK_QUEUE,
                                         workflow_name="late_waiter", expire=120)
    await client.workflow.signal("sent-early", {"kept": True})
    assert await handle.result(timeout=30) == {"kept": True}


def test_wait_for_refuses_empty_id() -> None:
    with pytest.raises(ValueError, match="non-empty signal id"):
        Durable.workflow.wait_for("")
