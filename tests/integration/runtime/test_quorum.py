"""The quorum across two HotMesh engines in separate processes, plus its single-process rules.

The peer process (``quorum_peer.py``) runs an engine and a ``calculation.execute`` worker on
the same app and storage as the engine in this process.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from reference_apps import REFERENCE

from hotmesh_pg.errors import VersionNotFoundError
from hotmesh_pg.hotmesh import HotMesh
from hotmesh_pg.keys import Key, KeyType

from .helpers import WAIT_S

CALC = REFERENCE / "apps" / "calc" / "v1"
PEER = Path(__file__).with_name("quorum_peer.py")
APP = "calc"


class Peer:
    """The other process: one command line in, one JSON line out."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.guid = ""

    async def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), WAIT_S)
        if not line:
            raise AssertionError("peer process exited")
        return dict(json.loads(line))

    async def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command.encode() + b"\n")
        await self.process.stdin.drain()
        return await self.read()


def calc_version(tmp_path: Path, version: str) -> str:
    """The calc reference app as ``version`` (a copy with its version line changed)."""
    target = tmp_path / f"calc-v{version}"
    shutil.copytree(CALC, target)
    manifest = target / "hotmesh.yaml"
    manifest.write_text(manifest.read_text().replace("version: '1'", f"version: '{version}'"))
    return str(manifest)


@pytest.fixture
async def peer(conn_kwargs: dict[str, Any]) -> AsyncIterator[Peer]:
    config = json.dumps({"app_id": APP, "init": conn_kwargs})
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(PEER), config,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )
    peer = Peer(process)
    try:
        ready = await peer.read()
        assert ready["event"] == "ready"
        peer.guid = ready["guid"]
        yield peer
    finally:
        if process.returncode is None:
            assert process.stdin is not None
            process.stdin.write(b"quit\n")
            try:
                await asyncio.wait_for(process.wait(), WAIT_S)
            except TimeoutError:
                process.kill()
                await process.wait()


@pytest.fixture
async def local(conn_kwargs: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    """This process's engine and worker; ``handled`` counts its worker's messages."""
    state: dict[str, Any] = {"handled": 0}

    async def calculate(stream_data: dict[str, Any]) -> dict[str, Any]:
        state["handled"] += 1
        await asyncio.sleep(0.05)
        values = json.loads(stream_data["data"]["values"])
        return {"metadata": stream_data["metadata"], "data": {"result": sum(values)}}

    hm = await HotMesh.init(
        APP, **conn_kwargs, log_level="warn",
        workers=[{"topic": "calculation.execute", "callback": calculate, "max_in_flight": 1}],
    )
    state["hm"] = hm
    try:
        yield state
    finally:
        await hm.stop()


async def test_two_engines_count_roll_call_activate_together_and_split_work(
    local: dict[str, Any], peer: Peer, tmp_path: Path
) -> None:
    hm: HotMesh = local["hm"]
    # ping window: both engines and both workers answer
    await hm.quorum.request_quorum(500)
    assert hm.quorum.quorum == 4
    profiles = await hm.roll_call(0.5)
    assert len(profiles) == 4
    assert {p["engine_id"] for p in profiles} == {hm.guid, peer.guid}
    assert sorted(p.get("worker_topic", "") for p in profiles) == [
        "", "", "calculation.execute", "calculation.execute"]
    assert all("stream_depth" in p for p in profiles)

    await hm.deploy(calc_version(tmp_path, "1"))
    assert await hm.activate("1", 0.1) is True
    assert (await peer.ask("vid"))["version"] == "1"

    # work spreads over both processes, each job done exactly once
    jobs = await asyncio.gather(*(
        hm.pubsub("calculate", {"operation": "add", "values": json.dumps([n, 1])}, None, WAIT_S)
        for n in range(16)
    ))
    assert sorted(j["data"]["result"] for j in jobs) == [n + 1 for n in range(16)]
    peer_handled = (await peer.ask("count"))["count"]
    assert local["handled"] > 0 and peer_handled > 0
    assert local["handled"] + peer_handled == 16

    # a new version: both engines switch on the one activation
    await hm.deploy(calc_version(tmp_path, "2"))
    assert (await peer.ask("vid"))["version"] == "1"
    assert await hm.activate("2", 0.1) is True
    assert (await peer.ask("vid"))["version"] == "2"
    assert (await hm.engine.get_vid())[1] == "2"


async def test_concurrent_activation_from_both_engines_succeeds(
    local: dict[str, Any], peer: Peer, tmp_path: Path
) -> None:
    hm: HotMesh = local["hm"]
    await hm.deploy(calc_version(tmp_path, "1"))
    mine, theirs = await asyncio.gather(hm.activate("1", 0.1), peer.ask("activate 1"))
    assert mine is True
    assert theirs == {"activated": True}
    assert (await peer.ask("vid"))["version"] == "1"


async def test_activating_a_version_never_deployed_fails_and_keeps_the_active_one(
    local: dict[str, Any], tmp_path: Path, conn_kwargs: dict[str, Any]
) -> None:
    hm: HotMesh = local["hm"]
    await hm.deploy(calc_version(tmp_path, "1"))
    assert await hm.activate("1", 0.1) is True
    with pytest.raises(VersionNotFoundError, match="Version 7 does not exist for app calc"):
        await hm.activate("7", 0.1)
    record = await hm.providers.store.hgetall(Key(KeyType.APP, hm.namespace, APP))
    assert (record["version"], record["active"]) == ("1", "true")
    job = await hm.pubsub("calculate", {"operation": "add", "values": "[2, 3]"}, None, WAIT_S)
    assert job["data"]["result"] == 5


async def test_throttle_reaches_engines_and_workers_by_target(local: dict[str, Any]) -> None:
    hm: HotMesh = local["hm"]
    (worker,) = hm.workers
    seen: list[dict[str, Any]] = []
    await hm.quorum.sub(lambda channel, message: seen.append(message))

    async def settle(engine_ms: int, worker_ms: int) -> None:
        async with asyncio.timeout(WAIT_S):
            while (hm.engine.router.throttle, worker.router.throttle) != (engine_ms, worker_ms):
                await asyncio.sleep(0.02)

    assert await hm.throttle({"throttle": 400}) is True
    await settle(400, 400)
    assert await hm.throttle({"throttle": 900, "topic": "calculation.execute"}) is True
    await settle(400, 900)
    assert await hm.throttle({"throttle": 0, "guid": hm.guid}) is True
    await settle(0, 0)
    with pytest.raises(ValueError, match="non-negative integer"):
        await hm.throttle({"throttle": -3})
    kinds = [(m["type"], m.get("topic"), m.get("guid")) for m in seen if m["type"] == "throttle"]
    # the engine quorum listens on the app and its own channel, not on worker topics
    assert kinds == [("throttle", None, None), ("throttle", None, hm.guid)]


async def test_rollcall_to_workers_and_to_engines(local: dict[str, Any]) -> None:
    """The reference quorum suite's roll calls (shorter intervals)."""
    hm: HotMesh = local["hm"]
    pongs: list[dict[str, Any]] = []
    await hm.quorum.sub(lambda channel, message: pongs.append(message)
                        if message["type"] == "pong" else None)
    await hm.quorum.pub({"type": "rollcall", "interval": 1, "topic": "calculation.execute",
                         "guid": hm.guid, "signature": True, "max": 2})
    async with asyncio.timeout(WAIT_S):
        while len(pongs) < 2:
            await asyncio.sleep(0.05)
    await asyncio.sleep(2.5)  # a third pong would have come by now
    assert len(pongs) == 2
    for pong in pongs:
        assert pong["originator"] is None
        assert pong["profile"]["worker_topic"] == "calculation.execute"
        assert "async def calculate" in pong["profile"]["signature"]

    pongs.clear()
    # topic null: engines only (sent on the instance channel)
    await hm.quorum.pub({"type": "rollcall", "interval": 1, "topic": None, "guid": hm.guid,
                         "max": 2})
    async with asyncio.timeout(WAIT_S):
        while len(pongs) < 2:
            await asyncio.sleep(0.05)
    assert all("worker_topic" not in p["profile"] for p in pongs)
    assert {p["profile"]["engine_id"] for p in pongs} == {hm.guid}


async def test_throttles_are_saved_for_processes_that_start_later(
    local: dict[str, Any], conn_kwargs: dict[str, Any]
) -> None:
    hm: HotMesh = local["hm"]
    assert await hm.throttle({"throttle": 300, "topic": "calculation.execute"})
    assert await hm.throttle({"throttle": 40})
    assert await hm.throttle({"throttle": 5000, "guid": hm.guid})  # this instance only

    async def idle(stream_data: dict[str, Any]) -> None:
        return None

    later = await HotMesh.init(
        APP, **conn_kwargs, log_level="warn",
        workers=[{"topic": "calculation.execute", "callback": idle},
                 {"topic": "other.topic", "callback": idle}],
    )
    try:
        assert [w.router.throttle for w in later.workers] == [300, 40]
        assert later.engine is not None and later.engine.router is not None
        assert later.engine.router.throttle == 40
    finally:
        await later.stop()
        await hm.throttle({"throttle": 0})
        await hm.throttle({"throttle": 0, "topic": "calculation.execute"})
