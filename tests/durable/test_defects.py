"""One test per 0.0.55 defect fixed (durable.md 6), plus bad input handling."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hotmesh_pg.durable import Durable
from hotmesh_pg.errors import ActivityFailedError, WorkflowFailedError

TASK_QUEUE = "defects"
RUNS = {"flip": 0, "hooked": 0}


async def echo(value: Any) -> Any:
    return value


async def always_fails() -> None:
    raise RuntimeError("never works")


acts = Durable.workflow.proxy_activities(activities={"echo": echo})
failing = Durable.workflow.proxy_activities(
    activities={"always_fails": always_fails},
    retry_policy={"maximum_attempts": 1, "backoff_coefficient": 1, "maximum_interval": 1})


async def many(count: int) -> list[Any]:
    """0.0.55 lost every gathered result beyond the 25th slot."""
    return list(await asyncio.gather(*(acts.echo(i) for i in range(count))))


async def falsy() -> list[Any]:
    """0.0.55 treated falsy collated results as errors."""
    single = await acts.echo(0)
    gathered = await asyncio.gather(acts.echo(0), acts.echo(""), acts.echo(False),
                                    acts.echo(None))
    return [single, *gathered]


async def exhausted() -> dict[str, Any]:
    """0.0.55 returned an exhausted activity's error as a value."""
    try:
        await failing.always_fails()
    except ActivityFailedError as err:
        return {"code": err.code, "message": err.message}
    return {"code": None}


async def spawner() -> dict[str, Any]:
    ctx = Durable.workflow.get_context()
    child = await Durable.workflow.start_child(workflow_name="leaf", task_queue=TASK_QUEUE,
                                               args=["x"])
    await Durable.workflow.sleep_for(1)  # forces replays after the spawn
    return {"child": child, "parent": ctx.workflow_id}


async def leaf(value: str) -> str:
    return value


async def hooked_main() -> str:
    await Durable.workflow.hook(workflow_name="helper", task_queue=TASK_QUEUE, args=["ran"])
    return str(await Durable.workflow.wait_for("helper-done"))


async def helper(value: str) -> None:
    RUNS["hooked"] += 1
    await Durable.workflow.signal("helper-done", value)


async def flipper() -> str:
    RUNS["flip"] += 1
    if RUNS["flip"] == 1:
        await acts.echo("first")
    else:
        await Durable.workflow.sleep_for(1)  # a different call at index 1 on replay
    # the activity ran in place, so this sleep is what ends the first run and forces a replay
    await Durable.workflow.sleep_for(1)
    return "unreachable"


async def bad_sleep() -> None:
    await Durable.workflow.sleep_for("a fortnight-ish")


WORKFLOWS = {f.__name__: f for f in (many, falsy, exhausted, spawner, leaf, hooked_main,
                                     helper, flipper, bad_sleep)}


async def _start(client: Any, name: str, *args: Any, **options: Any) -> Any:
    return await client.workflow.start(args=list(args), task_queue=TASK_QUEUE,
                                       workflow_name=name, expire=120, **options)


@pytest.fixture
async def client(durable_kwargs: dict[str, Any]) -> Any:
    await Durable.Worker.create(task_queue=TASK_QUEUE, workflow=WORKFLOWS, **durable_kwargs)
    return Durable.Client(**durable_kwargs)


async def test_no_cap_on_gathered_calls(client: Any) -> None:
    handle = await _start(client, "many", 30)
    assert await handle.result(timeout=60) == list(range(30))


async def test_falsy_results_are_results(client: Any) -> None:
    handle = await _start(client, "falsy")
    assert await handle.result(timeout=30) == [0, 0, "", False, None]


async def test_exhausted_activity_raises_activity_failed(client: Any) -> None:
    handle = await _start(client, "exhausted")
    assert await handle.result(timeout=30) == {"code": 597, "message": "never works"}


async def test_default_child_id_is_deterministic(client: Any) -> None:
    handle = await _start(client, "spawner")
    result = await handle.result(timeout=30)
    assert result["child"] == f"-leaf-{result['parent']}-1"
    child = await client.workflow.get_handle(TASK_QUEUE, "leaf", result["child"])
    assert await child.result(timeout=30) == "x"


async def test_hook_runs_the_function_it_names(client: Any) -> None:
    RUNS["hooked"] = 0
    handle = await _start(client, "hooked_main")
    assert await handle.result(timeout=30) == "ran"
    assert RUNS["hooked"] >= 1


async def test_non_determinism_is_detected(client: Any) -> None:
    RUNS["flip"] = 0
    handle = await _start(client, "flipper")
    with pytest.raises(WorkflowFailedError) as failed:
        await handle.result(timeout=30)
    assert failed.value.code == 598
    assert "index 1" in failed.value.message and "proxy(echo)" in failed.value.message


async def test_bad_sleep_string_fails_naming_it(client: Any) -> None:
    handle = await _start(client, "bad_sleep", config={"maximum_attempts": 0})
    with pytest.raises(WorkflowFailedError) as failed:
        await handle.result(timeout=30)
    assert "'a fortnight-ish'" in failed.value.message
    assert failed.value.type == "ValueError"  # type: ignore[attr-defined]


async def test_unserialisable_arguments_name_the_type(client: Any) -> None:
    with pytest.raises(TypeError, match="object"):
        await _start(client, "leaf", object())


async def test_unknown_workflow_stays_pending_until_a_worker_registers(
    durable_kwargs: dict[str, Any],
) -> None:
    client = Durable.Client(**durable_kwargs)
    handle = await client.workflow.start(args=["late"], task_queue="nobody-yet",
                                         workflow_name="leaf", expire=120)
    await asyncio.sleep(1)
    assert await handle.status() > 0
    await Durable.Worker.create(task_queue="nobody-yet", workflow=leaf, **durable_kwargs)
    assert await handle.result(timeout=30) == "late"


async def late_leaf(value: str) -> str:
    return f"late {value}"


async def test_unknown_workflow_name_on_a_served_queue_waits_for_its_worker(
    durable_kwargs: dict[str, Any],
) -> None:
    await Durable.Worker.create(task_queue="served-queue", workflow=leaf, **durable_kwargs)
    client = Durable.Client(**durable_kwargs)
    handle = await client.workflow.start(args=["arrival"], task_queue="served-queue",
                                         workflow_name="late_leaf", expire=120)
    await asyncio.sleep(1)
    assert await handle.status() > 0
    await Durable.Worker.create(task_queue="served-queue", workflow=late_leaf,
                                **durable_kwargs)
    assert await handle.result(timeout=30) == "late arrival"
