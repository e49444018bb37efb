"""Ports of HotMesh's retry, quorum (engine side) and reclaim suites (app ``calc``)."""

from __future__ import annotations

import asyncio
import json
from functools import reduce
from typing import Any

import pytest
from functional_support import Collector, Factory, app_path, wait_for

from hotmesh_pg.errors import GetStateError, JobFailedError, PubSubTimeoutError

OPS = {
    "add": lambda v: reduce(lambda a, b: a + b, v),
    "subtract": lambda v: reduce(lambda a, b: a - b, v),
    "multiply": lambda v: reduce(lambda a, b: a * b, v),
    "divide": lambda v: reduce(lambda a, b: a / b, v),
}


def compute(data: dict[str, Any]) -> float:
    result = OPS[data["operation"]](json.loads(data["values"]))
    return int(result) if float(result).is_integer() else result


class Calculator:
    """The retry suite's worker: optionally fails once (recoverable) or for good (403)."""

    def __init__(self) -> None:
        self.one_time_error = True
        self.unrecoverable = False

    async def __call__(self, stream_data: dict[str, Any]) -> dict[str, Any]:
        result = compute(stream_data["data"])
        md = {**stream_data["metadata"]}
        if self.unrecoverable:
            self.unrecoverable = False
            return {"status": "error", "code": 403, "metadata": md,
                    "data": {"code": 403, "message": "unrecoverable error"}}
        if self.one_time_error:
            self.one_time_error = False
            return {"status": "error", "code": 500, "metadata": md,
                    "data": {"error": "recoverable error"}}
        return {"status": "success", "metadata": md, "data": {"result": result}}


async def _calc(start_hotmesh: Factory, callback: Any, **kwargs: Any) -> Any:
    hm = await start_hotmesh("calc", workers=[{"topic": "calculation.execute",
                                               "callback": callback}], **kwargs)
    await hm.deploy(app_path("calc", "v1", "hotmesh.yaml"))
    assert await hm.activate("1") is True
    return hm


def _payload(operation: str, values: list[int]) -> dict[str, Any]:
    return {"operation": operation, "values": json.dumps(values)}


async def test_retry_suite(start_hotmesh: Factory) -> None:
    calc = Calculator()
    hm = await _calc(start_hotmesh, calc)
    # the first call fails once with a 500; the YAML retry policy re-runs it
    for op, values, expected in [("add", [1, 2, 3, 4, 5], 15),
                                 ("subtract", [5, 4, 3, 2, 1], -5),
                                 ("multiply", [5, 4, 3, 2, 1], 120),
                                 ("divide", [100, 4, 5], 5)]:
        job = await hm.pubsub("calculate", _payload(op, values), None, 10)
        assert job["metadata"]["jid"]
        assert job["data"]["result"] == expected

    # a timeout leaves the job running; it completes on its own
    with pytest.raises(PubSubTimeoutError) as timeout:
        await hm.pubsub("calculate", _payload("divide", [100, 4, 5]), None, 0)
    assert timeout.value.code == 504
    jid = timeout.value.job_id
    await wait_for(lambda: _status_is(hm, jid, 0))
    assert (await hm.get_state("calculate", jid))["data"]["result"] == 5

    divide, multiply = await asyncio.gather(
        hm.pubsub("calculate", _payload("divide", [200, 4, 5]), None, 10),
        hm.pubsub("calculate", _payload("multiply", [10, 10, 10]), None, 10))
    assert divide["data"]["result"] == 10
    assert multiply["data"]["result"] == 1000

    # scrub
    job = await hm.pubsub("calculate", _payload("divide", [100, 4, 5]))
    jid = job["metadata"]["jid"]
    assert await hm.get_state("calculate", jid)
    await hm.scrub(jid)
    with pytest.raises(GetStateError) as missing:
        await hm.get_state("calculate", jid)
    assert str(missing.value) == f"{jid} Not Found"

    # psub to every job of the graph's publishes topic
    seen = Collector()
    await hm.psub("calculated.*", seen)
    await hm.pub("calculate", _payload("divide", [100, 4, 5]))
    await seen.wait(lambda m: len(m) >= 1)
    topic, message = seen.messages[0]
    assert topic == "calculated"
    assert message["data"]["result"] == 5
    await hm.punsub("calculated.*")

    # psub to one job
    jid = await hm.pub("calculate", _payload("divide", [100, 4, 5]))
    one = Collector()
    await hm.psub(f"calculated.{jid}", one)
    try:
        await one.wait(lambda m: len(m) >= 1, timeout=5)
        topic, message = one.messages[0]
        assert topic == "calculated"
        assert message["metadata"]["jid"] == jid
    except TimeoutError:
        # the job may finish before the subscription exists: its state says so
        assert (await hm.get_state("calculate", jid))["data"]["result"] == 5
    exported = await hm.export(jid)
    assert len(exported["dependencies"]) == 1
    assert exported["process"]["0"]["calculate"] is not None
    await hm.punsub(f"calculated.{jid}")

    # an unrecoverable worker error fails the job, and pubsub re-raises it
    calc.unrecoverable = True
    with pytest.raises(JobFailedError) as failed:
        await hm.pubsub("calculate", _payload("divide", [100, 4, 5]))
    assert failed.value.message == "unrecoverable error"
    assert failed.value.code == 403
    assert failed.value.job_id
    state = await hm.get_state("calculate", failed.value.job_id)
    assert state["metadata"]["err"] == \
        '{"message":"unrecoverable error","code":403,"is_stream_error":true}'


async def _status_is(hm: Any, jid: str, value: int) -> bool:
    return bool(await hm.get_status(jid) == value)


async def test_quorum_runs_parallel_pubsubs_and_counts_members(start_hotmesh: Factory) -> None:
    async def callback(stream_data: dict[str, Any]) -> dict[str, Any]:
        return {"status": "success", "metadata": {**stream_data["metadata"]},
                "data": {"result": compute(stream_data["data"])}}

    hm = await start_hotmesh("calc", workers=[{"topic": "calculation.execute",
                                               "callback": callback}])
    await hm.deploy(app_path("calc", "v1", "hotmesh.yaml"))
    assert await hm.activate("1") is True
    payload = _payload("divide", [200, 4, 5])
    results = await asyncio.gather(
        *(hm.pubsub("calculate", payload, None, 10) for _ in range(4)),
        hm.pubsub("calculate", _payload("multiply", [10, 10, 10]), None, 10))
    assert results[0]["data"]["result"] == 10
    assert results[-1]["data"]["result"] == 1000
    hm.quorum.quorum = 0
    await hm.quorum.request_quorum(1000, True)
    assert hm.quorum.quorum == 2  # this engine and its worker
    profiles = await hm.roll_call(1.0)
    assert len(profiles) == 2


async def test_reclaim_continues_a_stalled_job(start_hotmesh: Factory) -> None:
    slow = {"first": True}
    release = asyncio.Event()

    async def callback(stream_data: dict[str, Any]) -> dict[str, Any]:
        if slow["first"]:
            slow["first"] = False
            await release.wait()  # stalls until the test ends: its message gets reclaimed
        return {"status": "success", "metadata": {**stream_data["metadata"]},
                "data": {"result": compute(stream_data["data"])}}

    options = {"engine": {"reclaim_delay": 1500},
               "workers": [{"topic": "calculation.execute", "callback": callback,
                            "reclaim_delay": 1500}]}
    hm = await start_hotmesh("calc", **options)
    hm2 = await start_hotmesh("calc", **options)
    await hm.deploy(app_path("calc", "v1", "hotmesh.yaml"))
    assert await hm.activate("1") is True
    payload = _payload("add", [1, 2, 3, 4, 5])
    jid1 = await hm.pub("calculate", dict(payload))
    assert await hm2.get_status(jid1) == 1
    jid2 = await hm.pub("calculate", dict(payload))
    jid3 = await hm.pub("calculate", dict(payload))
    await wait_for(lambda: _status_is(hm, jid2, 0))
    await wait_for(lambda: _status_is(hm, jid3, 0))
    await wait_for(lambda: _status_is(hm2, jid1, 0), timeout=15)
    release.set()
