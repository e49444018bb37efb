"""Proxied calls made on their own run in place in the workflow worker (graph version 5).

The marker such a call leaves says ``inline``; a retryable failure of the in-place attempt
hands the call to the activity graph with that attempt counted; a result or argument that
JSON cannot carry fails naming its type; the activity never sees the workflow context.
"""

from __future__ import annotations

from typing import Any

import pytest

from hotmesh_pg.durable import Durable
from hotmesh_pg.durable.context import NotInWorkflowContextError
from hotmesh_pg.errors import ActivityFailedError

TASK_QUEUE = "inline-world"
ATTEMPTS: dict[str, int] = {}


async def add_one(x: int) -> int:
    ATTEMPTS["add_one"] = ATTEMPTS.get("add_one", 0) + 1
    return x + 1


async def where_am_i() -> str:
    try:
        Durable.workflow.get_context()
    except NotInWorkflowContextError:
        return "outside"
    return "inside"


async def make_object() -> Any:
    return object()


async def flaky(value: str) -> str:
    ATTEMPTS["flaky"] = ATTEMPTS.get("flaky", 0) + 1
    if ATTEMPTS["flaky"] < 3:
        raise RuntimeError("not yet")
    return value


async def hopeless() -> None:
    ATTEMPTS["hopeless"] = ATTEMPTS.get("hopeless", 0) + 1
    raise RuntimeError("never")


acts = Durable.workflow.proxy_activities(
    activities=[add_one, where_am_i, make_object, flaky, hopeless],
    retry_policy={"maximum_attempts": 2, "backoff_coefficient": 1, "maximum_interval": 1})


async def chain(x: int) -> list[Any]:
    first = await acts.add_one(x)
    second = await acts.add_one(first)
    return [first, second, await acts.where_am_i()]


async def bad_result() -> dict[str, Any]:
    try:
        await acts.make_object()
    except ActivityFailedError as err:
        return {"code": err.code, "message": err.message}
    return {}


async def bad_args() -> str:
    try:
        await acts.add_one(object())
    except TypeError as err:
        return str(err)
    return ""


async def retried() -> str:
    return str(await acts.flaky("third time"))


async def exhausted() -> int | None:
    try:
        await acts.hopeless()
    except ActivityFailedError as err:
        return err.code
    return None


WORKFLOWS = {f.__name__: f for f in (chain, bad_result, bad_args, retried, exhausted)}


@pytest.fixture
async def client(durable_kwargs: dict[str, Any]) -> Any:
    ATTEMPTS.clear()
    await Durable.Worker.create(task_queue=TASK_QUEUE, workflow=WORKFLOWS, **durable_kwargs)
    return Durable.Client(**durable_kwargs)


async def _run(client: Any, name: str, *args: Any) -> tuple[Any, Any]:
    handle = await client.workflow.start(args=list(args), task_queue=TASK_QUEUE,
                                         workflow_name=name, expire=120)
    return handle, await handle.result(timeout=60)


async def _markers(handle: Any) -> dict[str, Any]:
    timeline = (await handle.export(allow=["timeline"]))["timeline"]
    return {entry["key"]: entry["value"] for entry in timeline}


async def test_sequential_calls_run_in_place(client: Any) -> None:
    handle, result = await _run(client, "chain", 1)
    assert result == [2, 3, "outside"]
    assert ATTEMPTS["add_one"] == 2
    markers = await _markers(handle)
    for index, name in ((1, "add_one"), (2, "add_one"), (3, "where_am_i")):
        marker = markers[f"-proxy-{index}-"]
        assert marker["inline"] is True
        assert marker["name"] == name
        assert marker["job_id"] == f"-{handle.workflow_id}-${name}-{index}"


async def test_unserialisable_result_fails_naming_the_type(client: Any) -> None:
    _handle, result = await _run(client, "bad_result")
    assert result["code"] == 598
    assert "make_object" in result["message"] and "object" in result["message"]


async def test_unserialisable_arguments_fail_in_the_workflow(client: Any) -> None:
    _handle, result = await _run(client, "bad_args")
    assert "add_one" in result and "type object" in result
    assert "add_one" not in ATTEMPTS


async def test_failed_in_place_attempt_is_retried_by_the_graph(client: Any) -> None:
    handle, result = await _run(client, "retried")
    assert result == "third time"
    assert ATTEMPTS["flaky"] == 3  # one in place, two from the activity graph
    assert "inline" not in (await _markers(handle))["-proxy-1-"]


async def test_in_place_attempt_counts_towards_maximum_attempts(client: Any) -> None:
    _handle, result = await _run(client, "exhausted")
    assert result == 597
    assert ATTEMPTS["hopeless"] == 3  # maximum_attempts 2: the first run and two retries
