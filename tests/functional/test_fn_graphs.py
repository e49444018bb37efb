"""Ports of HotMesh's awaiter, cycle, emit, hook and signal suites."""

from __future__ import annotations

import asyncio
from typing import Any

from functional_support import Collector, Factory, app_path, wait_for

from hotmesh_pg.hotmesh import HotMesh


async def test_awaiter(start_hotmesh: Factory) -> None:
    hm = await start_hotmesh("awaiter")
    await hm.deploy(app_path("awaiter", "hotmesh.yaml"))
    assert await hm.activate("1")
    job = await hm.pubsub("awaiter.test", {}, None, 10)
    assert "child_job_id" not in job["data"]
    assert job["data"]["child_some_data"]
    job = await hm.pubsub("awaiter.test", {"do_await": True}, None, 10)
    assert "child_job_id" not in job["data"]
    assert job["data"]["child_some_data"]
    job = await hm.pubsub("awaiter.test", {"do_await": False}, None, 10)
    assert job["data"]["child_job_id"]


async def test_cycle(start_hotmesh: Factory) -> None:
    counter = {"n": 0}

    async def count(stream_data: dict[str, Any]) -> dict[str, Any]:
        counter["n"] += 1
        return {"metadata": {**stream_data["metadata"]}, "data": {"counter": counter["n"]}}

    async def err(stream_data: dict[str, Any]) -> dict[str, Any]:
        counter["n"] += 1
        return {"metadata": {**stream_data["metadata"]},
                "code": 200 if counter["n"] == 5 else 500, "data": {"counter": counter["n"]}}

    hm = await start_hotmesh("cycle", workers=[{"topic": "cycle.count", "callback": count},
                                               {"topic": "cycle.err", "callback": err}])
    await hm.deploy(app_path("cycle", "v1", "hotmesh.yaml"))
    assert await hm.activate("1")
    result = await hm.pubsub("cycle.test", {}, None, 10)
    assert result["data"]["counter"] == 5

    await hm.deploy(app_path("cycle", "v2", "hotmesh.yaml"))
    assert await hm.activate("2")
    counter["n"] = 0
    result = await hm.pubsub("cycle.test", {}, None, 10)
    assert result["data"]["counter"] == 5
    exported = await hm.export(result["metadata"]["jid"])
    assert exported["status"] == "0"


async def test_emit(start_hotmesh: Factory) -> None:
    async def work(stream_data: dict[str, Any]) -> dict[str, Any]:
        return {"status": "success", "metadata": {**stream_data["metadata"]},
                "data": {"status": "success"}}

    hm = await start_hotmesh("emit", workers=[{"topic": "emit.test.worker", "callback": work}])
    await hm.deploy(app_path("emit", "v1", "hotmesh.yaml"))
    assert await hm.activate("1")
    seen = Collector()
    await hm.psub("emit.tested*", seen)
    await hm.pub("emit.test", {})
    # two messages: the interim emit, then the final one carrying `done`
    await seen.wait(lambda msgs: any(m[1]["data"].get("done") for m in msgs))
    assert len(seen.messages) >= 2
    for topic, message in seen.messages:
        assert topic == "emit.tested"
        assert message["data"]["status"] == "success"
    await hm.punsub("emit.tested*")


async def test_hook_all(start_hotmesh: Factory) -> None:
    hm = await start_hotmesh("hook")
    hm2 = await start_hotmesh("hook")
    path = app_path("hook", "v1", "hotmesh.yaml")
    await hm.deploy(path)
    # colliding deployments and activations must both succeed
    await asyncio.gather(hm.deploy(path), hm2.deploy(path))
    await asyncio.gather(hm.activate("1"), hm2.activate("1"))
    parent_job_id, job_id = HotMesh.guid(), HotMesh.guid()
    seen = Collector()
    await hm.psub("hook.tested*", seen)
    await hm.pub("hook.test", {"parent_job_id": parent_job_id, "job_id": job_id})
    await seen.wait(lambda msgs: len(msgs) >= 1)  # the trigger's emit
    # the emit races a1's leg 1; a signal sent before a1 registers is dropped (as in
    # HotMesh), so wait for the registration (its delist dependency) first
    await wait_for(lambda: _has_delist(hm, job_id))
    query = {"data": {"parent_job_id": parent_job_id}, "scrub": True}
    targets = await hm.hook_all("hook.resume", {"done": True}, query,
                                [f"parent_job_id:{parent_job_id}"])
    assert len(targets) == 1
    await seen.wait(lambda msgs: any(m[1]["data"].get("done") for m in msgs))
    for topic, message in seen.messages:
        assert topic == "hook.tested"
        assert message["data"]["parent_job_id"] == parent_job_id
        assert message["data"]["job_id"] == job_id
    await hm.punsub("hook.tested*")


async def _has_delist(hm: HotMesh, jid: str) -> bool:
    exported = await hm.export(jid)
    return any(d["type"] == "delist" for d in exported["dependencies"])


async def test_signal_all_and_one(start_hotmesh: Factory) -> None:
    hm = await start_hotmesh("signal")
    await hm.deploy(app_path("signal", "v1", "hotmesh.yaml"))
    assert await hm.activate("1")

    done = Collector()
    await hm.psub("signal.tested*", done)
    child = Collector()
    await hm.sub("hook.tested.abc123", child)
    jid = await hm.pub("signal.test", {"child_flow_id": "abc123"})
    await done.wait(lambda msgs: len(msgs) >= 1, timeout=20)
    assert done.messages[0][0] == "signal.tested"
    for topic, message in child.messages:
        assert topic == "hook.tested"
        assert message["data"]["parent_job_id"] == jid
    await hm.punsub("signal.tested*")
    await hm.unsub("hook.tested.abc123")

    one = Collector()
    await hm.psub("signal.one.tested*", one)
    await hm.pub("signal.one.test", {"child_flow_id": "xyz456"})
    await one.wait(lambda msgs: len(msgs) >= 1, timeout=20)
    assert one.messages[0][0] == "signal.one.tested"
    await hm.punsub("signal.one.tested*")
