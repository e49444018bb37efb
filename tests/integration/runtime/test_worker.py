"""The worker callback contract (api.md) and a worker's quorum handling, on real streams."""

from __future__ import annotations

import asyncio
import secrets
import threading
from typing import Any

import pytest

from hotmesh_pg.engine.quorum import ChannelMux
from hotmesh_pg.engine.worker import WorkerService, normalize_response
from hotmesh_pg.errors import ConfigError
from hotmesh_pg.keys import Key
from hotmesh_pg.providers.protocols import Providers

from .helpers import collect, message, wait_until

TOPIC = "work.do"


async def start(providers: Providers, ns: str, callback: Any, **extra: Any) -> WorkerService:
    app = "app" + secrets.token_hex(3)
    (service,) = await WorkerService.init(
        ns, app, "g" + secrets.token_hex(5), [{"topic": TOPIC, "callback": callback, **extra}],
        providers,
    )
    service.router.block_time_ms = 200
    return service


async def run_one(
    providers: Providers, ns: str, callback: Any, data: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Start a worker, send it one message and return the response the engine receives."""
    service = await start(providers, ns, callback, **extra)
    try:
        await providers.stream.publish(service.stream_key, [message(TOPIC, data or {})])
        (response,) = await collect(providers, ns, service.app_id, 1)
        return response
    finally:
        await service.stop()


async def test_async_callback_defaults_status_and_code(rt_providers: Providers, rt_ns: str) -> None:
    async def work(stream_data: dict[str, Any]) -> dict[str, Any]:
        return {"metadata": stream_data["metadata"], "data": {"y": stream_data["data"]["x"] * 2}}

    response = await run_one(rt_providers, rt_ns, work, {"x": 21})
    assert response["status"] == "success"
    assert response["code"] == 200
    assert response["data"] == {"y": 42}


async def test_plain_function_runs_in_a_thread(rt_providers: Providers, rt_ns: str) -> None:
    loop_thread = threading.get_ident()
    seen: list[int] = []

    def work(stream_data: dict[str, Any]) -> dict[str, Any]:
        seen.append(threading.get_ident())
        return {"data": {"ok": True}}

    response = await run_one(rt_providers, rt_ns, work)
    assert response["data"] == {"ok": True}
    assert seen and seen[0] != loop_thread


async def test_raise_is_error_500_with_the_message(rt_providers: Providers, rt_ns: str) -> None:
    async def work(stream_data: dict[str, Any]) -> dict[str, Any]:
        raise ValueError("cannot divide by zero")

    response = await run_one(rt_providers, rt_ns, work)
    assert response["status"] == "error"
    assert response["code"] == 500
    assert response["data"]["message"] == "cannot divide by zero"


async def test_non_response_return_is_error_500_naming_it(
    rt_providers: Providers, rt_ns: str
) -> None:
    def work(stream_data: dict[str, Any]) -> Any:
        return ["not", "a", "response"]

    response = await run_one(rt_providers, rt_ns, work)
    assert response["status"] == "error"
    assert response["code"] == 500
    assert "returned list ['not', 'a', 'response']" in response["data"]["message"]
    assert "work.do" in response["data"]["message"]


async def test_error_status_with_code_reaches_the_engine(
    rt_providers: Providers, rt_ns: str
) -> None:
    async def work(stream_data: dict[str, Any]) -> dict[str, Any]:
        return {"status": "error", "code": 422, "data": {"message": "invalid input"}}

    response = await run_one(rt_providers, rt_ns, work)
    assert (response["status"], response["code"]) == ("error", 422)
    assert response["data"]["message"] == "invalid input"


async def test_pending_defaults_to_202(rt_providers: Providers, rt_ns: str) -> None:
    async def work(stream_data: dict[str, Any]) -> dict[str, Any]:
        return {"status": "pending", "data": {"percentage": 49}}

    response = await run_one(rt_providers, rt_ns, work)
    assert (response["status"], response["code"]) == ("pending", 202)


async def test_worker_retry_policy_retries_a_raising_callback(
    rt_providers: Providers, rt_ns: str
) -> None:
    calls = 0

    async def work(stream_data: dict[str, Any]) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise RuntimeError("transient")
        return {"data": {"calls": calls}}

    retry = {"maximum_attempts": 5, "backoff_coefficient": 2, "initial_interval": 0.01,
             "maximum_interval": 1}
    response = await run_one(rt_providers, rt_ns, work, retry=retry)
    assert response["data"] == {"calls": 3}


async def test_none_sends_nothing_and_acks(rt_providers: Providers, rt_ns: str) -> None:
    done = asyncio.Event()

    async def work(stream_data: dict[str, Any]) -> None:
        done.set()

    service = await start(rt_providers, rt_ns, work)
    try:
        await rt_providers.stream.publish(service.stream_key, [message(TOPIC, {})])
        await asyncio.wait_for(done.wait(), 20)
        await wait_until(lambda: rt_providers.stream.length(service.stream_key), 0)
    finally:
        await service.stop()
    assert await rt_providers.stream.length(Key.stream(rt_ns, service.app_id)) == 0


async def test_throttle_and_rollcall_over_the_quorum_channels(
    rt_providers: Providers, rt_ns: str
) -> None:
    async def work(stream_data: dict[str, Any]) -> None:
        return None

    service = await start(rt_providers, rt_ns, work)
    pongs: list[dict[str, Any]] = []
    app_channel = Key.quorum(rt_ns, service.app_id).render()

    async def listen(channel: str, msg: dict[str, Any]) -> None:
        if msg.get("type") == "pong":
            pongs.append(msg)

    # Through the mux, as the worker's own subscription shares this channel and Sub.
    mux = ChannelMux.of(rt_providers.sub)
    await mux.subscribe(app_channel, listen)
    try:
        topic_channel = Key.quorum(rt_ns, service.app_id, TOPIC).render()
        await rt_providers.sub.publish(topic_channel, {"type": "throttle", "topic": TOPIC,
                                                       "throttle": 700})
        await wait_until(lambda: service.router.throttle, 700)
        # topic null addresses engines only
        await rt_providers.sub.publish(app_channel, {"type": "throttle", "topic": None,
                                                     "throttle": 5})
        await rt_providers.sub.publish(app_channel, {"type": "throttle", "throttle": 0})
        await wait_until(lambda: service.router.throttle, 0)

        await rt_providers.sub.publish(
            Key.quorum(rt_ns, service.app_id, service.guid).render(),
            {"type": "rollcall", "interval": 0, "signature": True},
        )
        await wait_until(lambda: len(pongs), 1)
        profile = pongs[0]["profile"]
        assert pongs[0]["originator"] is None
        assert profile["worker_topic"] == TOPIC
        assert profile["stream"] == service.stream_key.render()
        assert "async def work" in profile["signature"]
    finally:
        await mux.unsubscribe(app_channel, listen)
        await service.stop()


def test_normalize_response_contract() -> None:
    meta = {"metadata": {"jid": "j1"}}
    assert normalize_response("t", meta, None) is None
    assert normalize_response("t", meta, {"data": {"a": 1}}) == {
        "data": {"a": 1}, "status": "success", "code": 200}
    assert normalize_response("t", meta, {"status": "success", "code": "201"})["code"] == 201
    bad = normalize_response("t", meta, {"result": 5})
    assert bad is not None and bad["code"] == 500
    assert "keys ['result']" in bad["data"]["message"]
    assert bad["metadata"] == {"jid": "j1"}
    assert "status 'done'" in normalize_response("t", meta, {"status": "done"})["data"]["message"]
    assert "data of str" in normalize_response("t", meta, {"data": "x"})["data"]["message"]


@pytest.mark.parametrize(
    ("worker", "fragment"),
    [
        ({"callback": print}, "workers[0].topic"),
        ({"topic": "a:b", "callback": print}, "workers[0].topic"),
        ({"topic": "t", "callback": 3}, "workers[0].callback"),
        ({"topic": "t", "callback": print, "reclaim_delay": -5}, "workers[0].reclaim_delay"),
        ({"topic": "t", "callback": print, "colour": "red"}, "unknown keys ['colour']"),
    ],
)
async def test_bad_worker_config_names_the_field(
    rt_providers: Providers, worker: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(ConfigError, match=r".*") as info:
        await WorkerService.init("hmsh", "app", "g", [worker], rt_providers)
    assert fragment in str(info.value)


async def test_unserialisable_answer_becomes_error_500(rt_providers: Providers, rt_ns: str) -> None:
    import datetime

    async def work(stream_data: dict[str, Any]) -> dict[str, Any]:
        return {"data": {"when": datetime.datetime(2024, 1, 2)}}

    response = await run_one(rt_providers, rt_ns, work)
    assert (response["status"], response["code"]) == ("error", 500)
    assert "datetime" in response["data"]["message"]
