"""Ports of HotMesh's sequence, parallel and redeploy suites (app ``tree``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from functional_support import Factory, app_path


async def summer(stream_data: dict[str, Any]) -> dict[str, Any]:
    return {"code": 200, "status": "success", "metadata": {**stream_data["metadata"]},
            "data": {"result": datetime.now().isoformat()}}


SUMMER = [{"topic": "summer", "callback": summer}]


async def _deploy(hm: Any, version: str) -> None:
    await hm.deploy(app_path("tree", f"v{version}", "hotmesh.yaml"))
    assert await hm.activate(version) is True


async def _height(hm: Any, seed: int, speed: int) -> dict[str, Any]:
    result = await hm.pubsub("spring", {"seed": seed, "speed": speed}, None, 5)
    data = result["data"]
    assert data["seed"] == seed
    assert data["speed"] == speed
    assert data["height"] == seed * speed
    return result


async def test_parallel(start_hotmesh: Factory) -> None:
    hm = await start_hotmesh("tree", workers=SUMMER)
    await _deploy(hm, "1")
    result = await _height(hm, 2, 3)
    exported = await hm.export(result["metadata"]["jid"])
    assert exported["status"] == "0"


async def test_sequence(start_hotmesh: Factory) -> None:
    hm = await start_hotmesh("tree", workers=SUMMER)
    await _deploy(hm, "2")
    await _height(hm, 5, 7)


async def test_redeploy_versions_in_turn(start_hotmesh: Factory) -> None:
    hm = await start_hotmesh("tree", workers=SUMMER)
    await _deploy(hm, "1")
    await _height(hm, 2, 3)
    await _deploy(hm, "2")
    await _height(hm, 5, 7)
    await _deploy(hm, "3")
    await _height(hm, 4, 9)
    await _deploy(hm, "4")
    await _height(hm, 5, 2)
    await _deploy(hm, "5")
    await _height(hm, 55, 20)
    await _deploy(hm, "6")
    result = await hm.pubsub("spring", {})
    md = result["metadata"]
    assert md["js"] == 0
    assert md["tpc"] == "spring"
    assert md["vrs"] == "6"
    assert md["gid"]
    for version in ("7", "8"):
        await _deploy(hm, version)
        result = await hm.pubsub("spring", {})
        md = result["metadata"]
        assert (md["js"], md["tpc"], md["vrs"]) == (0, "spring", version)
        assert md["gid"]


async def test_hot_deploy_quick_start(start_hotmesh: Factory) -> None:
    async def work(data: dict[str, Any]) -> dict[str, Any]:
        return {"metadata": {**data["metadata"]}, "data": {"y": f"{data['data'].get('x')} world"}}

    async def work_more(data: dict[str, Any]) -> dict[str, Any]:
        return {"metadata": {**data["metadata"]}, "data": {"o": f"{data['data'].get('i')} world"}}

    hm = await start_hotmesh("abc", workers=[{"topic": "work.do", "callback": work},
                                             {"topic": "work.do.more", "callback": work_more}])

    async def step(version: str, payload: dict[str, Any]) -> dict[str, Any]:
        await hm.deploy(app_path("abc", f"v{version}", "hotmesh.yaml"))
        assert await hm.activate(version) is True
        out = await hm.pubsub("abc.test", payload)
        assert out["metadata"]["jid"]
        return out

    for version in ("1", "2", "3", "4"):
        await step(version, {})
    assert (await step("5", {"a": "hello"}))["data"]["b"] == "hello world"
    r6 = await step("6", {"a": "hello"})
    assert (r6["data"]["b"], r6["data"]["c"]) == ("hello world", "hello world")
    r7 = await step("7", {"a": "hello"})
    assert (r7["data"]["b"], r7["data"]["c"]) == ("hello world", "hello world world")
    assert (await step("8", {"a": "hello"}))["data"]["b"] == "hello world"
    r9a = await step("9", {"a": "hello"})
    assert (r9a["data"]["b"], r9a["data"]["c"]) == ("hello world", "hello world world")
    r9b = await hm.pubsub("abc.test", {"a": "goodbye"})
    assert "data" not in r9b
    r9c = await hm.pubsub("abc.test", {"a": "help"})
    assert r9c["data"]["b"] == "help world"
    assert "c" not in r9c["data"]


async def test_interrupt_self(start_hotmesh: Factory) -> None:
    from hotmesh_pg.errors import JobFailedError

    hm = await start_hotmesh("tree")
    await _deploy(hm, "9")
    result = await hm.pubsub("spring", {"seed": 2, "speed": 3, "throw": False}, None, 5)
    data = result["data"]
    assert (data["seed"], data["speed"], data["throw"], data["height"]) == (2, 3, False, 6)
    try:
        await hm.pubsub("spring", {"seed": 2, "speed": 3, "throw": True}, None, 5)
        raise AssertionError("expected the interrupted job to raise")
    except JobFailedError as err:
        assert err.code == 410


async def test_interrupt_another(start_hotmesh: Factory) -> None:
    from hotmesh_pg.errors import JobFailedError

    # HotMesh's engine handled one message at a time; this graph races a 1 s sleep in the
    # parent (then interrupt the child) against a 1 s sleep in the child (then more steps),
    # and the reference result relies on that one-at-a-time order
    hm = await start_hotmesh("tree", engine={"max_in_flight": 1})
    await _deploy(hm, "9")
    await _deploy(hm, "10")
    payload = {"seed": 4, "speed": 6, "throw": False, "workflowId": "abcSuccess"}
    result = await hm.pubsub("winter", payload, None, 30)
    data = result["data"]
    assert (data["seed"], data["speed"], data["throw"], data["height"]) == (4, 6, False, 24)
    assert data.get("sheer") is not None
    assert "shave" not in data
    try:
        await hm.pubsub("winter", {"seed": 6, "speed": 9, "throw": True,
                                   "workflowId": "abcFail"}, None, 30)
        raise AssertionError("expected a 410")
    except JobFailedError as err:
        assert err.code == 410
