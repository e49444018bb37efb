"""An engine step is one unit of work: one commit per engine-stream message on Postgres.

The sandbox app of the benchmark (a trigger, then three workers in a row) makes six
engine-stream messages per job (three transitions, three worker responses). Each of them
(collation, state read, state writes, follow-up messages, completion tasks and the ack)
must cost exactly one database transaction, and so must ``pub``. A failure between the
step and its completion tasks must leave nothing half-done: the message is redelivered and
the job completes once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from hotmesh_pg.engine.engine import Engine
from hotmesh_pg.engine.router import Router
from hotmesh_pg.hotmesh import HotMesh
from hotmesh_pg.providers.postgres.tx import Executor

SANDBOX = Path(__file__).resolve().parents[3] / "apps" / "sandbox" / "hotmesh.yaml"


@pytest.fixture
def provider_kind() -> str:
    return "postgres"


async def quick(data: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": data["metadata"], "data": {"n": data["data"].get("n")}}


WORKERS = [{"topic": f"sandbox.w{i}", "callback": quick} for i in (1, 2, 3)]


async def _start(conn_kwargs: dict[str, Any], workers: list[dict[str, Any]] | None = None,
                 **options: Any) -> HotMesh:
    hm = await HotMesh.init(app_id="sandbox", workers=workers or WORKERS, migrate=False,
                            **conn_kwargs, **options)
    await hm.deploy(str(SANDBOX))
    await hm.activate("1")
    return hm


async def test_each_engine_message_and_each_pub_commits_exactly_once(
    conn_kwargs: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
) -> None:
    commits: Counter[asyncio.Task[Any] | None] = Counter()
    engine_steps: dict[asyncio.Task[Any] | None, str] = {}
    counted = Executor._committed

    def committed(self: Executor) -> None:
        commits[asyncio.current_task()] += 1
        counted(self)

    consume_one = Router.consume_one

    async def traced(self: Router, stream: Any, group: str, message: Any, callback: Any) -> None:
        if self.role == "engine":
            engine_steps[asyncio.current_task()] = str(message.data.get("type"))
        await consume_one(self, stream, group, message, callback)

    monkeypatch.setattr(Executor, "_committed", committed)
    monkeypatch.setattr(Router, "consume_one", traced)
    hm = await _start(conn_kwargs)
    try:
        me = asyncio.current_task()
        for n in range(3):
            commits[me] = 0
            jid = await hm.pub("sandbox.run", {"n": n})
            assert commits[me] == 1, "pub (job creation and first message) is one commit"
            await _until(lambda jid=jid: _done(hm, jid))
    finally:
        await HotMesh.stop_all()
    kinds = Counter(engine_steps.values())
    assert kinds["transition"] >= 9 and kinds["response"] >= 9
    per_step = {task: commits[task] for task in engine_steps if engine_steps[task] != "cleanup"}
    assert per_step and set(per_step.values()) == {1}


async def test_completion_tasks_fail_with_their_step_and_the_job_completes_once(
    conn_kwargs: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A crash between a job's last step and its completion tasks used to lose them (the
    step had committed and acked): the parent or the pubsub caller never heard back."""
    original = Engine.run_job_completion_tasks
    calls = {"n": 0}

    async def failing_once(self: Engine, context: dict[str, Any], **kw: Any) -> str | None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("process died before the completion tasks")
        return await original(self, context, **kw)

    monkeypatch.setattr(Engine, "run_job_completion_tasks", failing_once)
    hm = await _start(conn_kwargs, engine={"reclaim_delay": 500})
    try:
        output = await hm.pubsub("sandbox.run", {"n": 7}, None, 30)
        assert output["data"] == {"n": 7, "w1": 7, "w2": 7, "w3": 7}
        jid = output["metadata"]["jid"]
        assert await hm.get_status(jid) == 0  # the failed attempt changed nothing
        raw = await hm.engine.get_raw(jid) if hm.engine else {}
        assert raw[":"] == "0"
    finally:
        await HotMesh.stop_all()
    assert calls["n"] == 2  # the redelivered step ran them, once


async def _done(hm: HotMesh, jid: str) -> bool:
    return await hm.get_status(jid) == 0


async def _until(check: Any, timeout_s: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.02)


async def test_stale_messages_leave_no_trace_although_collation_goes_first(
    conn_kwargs: dict[str, Any],
) -> None:
    """On Postgres a step increments its semaphore and reads the state in one round trip;
    a message the state proves stale (another generation, a job that does not exist) must
    still change nothing, as when the check came before the increment."""
    release = asyncio.Event()
    parked = asyncio.Event()

    async def held(data: dict[str, Any]) -> dict[str, Any]:
        parked.set()
        await release.wait()  # keeps the job active at w2 while the stale messages arrive
        return await quick(data)

    workers = [WORKERS[0], {"topic": "sandbox.w2", "callback": held}, WORKERS[2]]
    hm = await _start(conn_kwargs, workers)
    try:
        assert hm.engine is not None
        jid = await hm.pub("sandbox.run", {"n": 1})
        await parked.wait()
        before = await hm.engine.get_raw(jid)
        stale = [
            {"type": "transition", "data": {},
             "metadata": {"guid": "g1", "jid": jid, "gid": "another-generation",
                          "dad": ",0", "aid": "w3"}},
            {"type": "transition", "data": {},
             "metadata": {"guid": "g2", "jid": "no-such-job", "gid": "x",
                          "dad": ",0", "aid": "w1"}},
            {"type": "response", "status": "success", "code": 200, "data": {"n": 9},
             "metadata": {"guid": "g3", "jid": jid, "gid": "another-generation",
                          "dad": ",0", "aid": "w2"}},
        ]
        stream = hm.engine.stream_key
        for message in stale:
            await hm.providers.stream.publish(stream, [message])

        async def drained() -> bool:
            return await hm.providers.stream.length(stream) == 0

        await _until(drained)
        assert await hm.engine.get_raw(jid) == before
        assert not await hm.providers.store.exists(hm.engine.store.job_key("no-such-job"))
        release.set()
        await _until(lambda: _done(hm, jid))
    finally:
        release.set()
        await HotMesh.stop_all()


async def test_a_pubsub_reply_to_this_engine_is_answered_in_memory(
    conn_kwargs: dict[str, Any],
) -> None:
    """The one-time reply channel belongs to the calling engine: when that engine finishes
    the job itself, the reply needs no pub/sub row and no NOTIFY (a transaction in every
    listening backend); the caller still gets exactly the job's output."""
    import psycopg

    hm = await _start(conn_kwargs)
    try:
        output = await hm.pubsub("sandbox.run", {"n": 3}, None, 30)
        assert output["data"] == {"n": 3, "w1": 3, "w2": 3, "w3": 3}
        schema = conn_kwargs["schema"]
        async with await psycopg.AsyncConnection.connect(conn_kwargs["connection"]) as conn:
            cur = await conn.execute(
                f'SELECT count(*) FROM "{schema}".sub_messages WHERE channel LIKE %s',
                (f"%{hm.guid}%",))
            row = await cur.fetchone()
        assert row is not None and row[0] == 0
    finally:
        await HotMesh.stop_all()
