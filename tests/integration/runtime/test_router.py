"""Router against a real stream: responses, retries, reclaim, dead-letter, throttle, stop."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import pytest

from hotmesh_pg.clock import ManualClock
from hotmesh_pg.engine.router import ENGINE_GROUP, WORKER_GROUP, Router
from hotmesh_pg.errors import MapDataError
from hotmesh_pg.keys import Key, KeyType
from hotmesh_pg.providers.protocols import Providers, StreamMessage

from .helpers import collect, message, wait_until

TOPIC = "calc.execute"


def app_id() -> str:
    return "app" + secrets.token_hex(3)


def worker_router(providers: Providers, ns: str, app: str, **kw: Any) -> Router:
    kw.setdefault("block_time_ms", 200)
    return Router(app, ns, "w" + secrets.token_hex(4), "worker", providers, topic=TOPIC, **kw)


async def test_success_response_is_published_to_engine_stream_and_entry_acked(
    rt_providers: Providers, rt_ns: str
) -> None:
    app = app_id()
    router = worker_router(rt_providers, rt_ns, app)
    seen: list[dict[str, Any]] = []

    async def callback(data: dict[str, Any]) -> dict[str, Any]:
        seen.append(data)
        return {"status": "success", "metadata": dict(data["metadata"]),
                "data": {"result": data["data"]["a"] + 1}}

    stream = Key.stream(rt_ns, app, TOPIC)
    await router.consume_messages(stream, WORKER_GROUP, router.guid, callback)
    sent = message(TOPIC, {"a": 41})
    await rt_providers.stream.publish(stream, [sent])
    try:
        (response,) = await collect(rt_providers, rt_ns, app, 1)
    finally:
        await router.stop_consuming()
    assert seen[0]["data"] == {"a": 41}
    assert response["type"] == "response"
    assert response["data"] == {"result": 42}
    assert response["metadata"]["jid"] == sent["metadata"]["jid"]
    assert response["metadata"]["guid"] != sent["metadata"]["guid"]
    assert await rt_providers.stream.length(stream) == 0
    assert router.counts == {"200": 1}


async def test_exception_becomes_500_error_response(rt_providers: Providers, rt_ns: str) -> None:
    app = app_id()
    router = worker_router(rt_providers, rt_ns, app)

    async def callback(data: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("the calculator is broken")

    await router.consume_messages(Key.stream(rt_ns, app, TOPIC), WORKER_GROUP, router.guid,
                                  callback)
    await router.publish_message(TOPIC, message(TOPIC, {}))
    try:
        (response,) = await collect(rt_providers, rt_ns, app, 1)
    finally:
        await router.stop_consuming()
    assert response["status"] == "error"
    assert response["code"] == 500
    assert response["data"]["message"] == "the calculator is broken"
    assert response["data"]["code"] == 500


async def test_retry_policy_republishes_with_try_then_reports_the_error(
    rt_providers: Providers, rt_ns: str
) -> None:
    app = app_id()
    router = worker_router(rt_providers, rt_ns, app)
    tries: list[Any] = []

    async def callback(data: dict[str, Any]) -> dict[str, Any]:
        tries.append(data["metadata"].get("try"))
        return {"status": "error", "code": 500, "data": {"message": "still down"}}

    await router.consume_messages(Key.stream(rt_ns, app, TOPIC), WORKER_GROUP, router.guid,
                                  callback)
    sent = message(TOPIC, {"x": 1})
    sent["policies"] = {"retry": {"500": [2]}}
    await router.publish_message(TOPIC, sent)
    try:
        (response,) = await collect(rt_providers, rt_ns, app, 1)
    finally:
        await router.stop_consuming()
    assert tries == [None, 1, 2]
    assert response["status"] == "error"
    assert response["code"] == 500
    assert response["data"]["message"] == "still down"
    assert response["metadata"]["try"] == 2


async def test_retry_succeeds_on_a_later_try(rt_providers: Providers, rt_ns: str) -> None:
    app = app_id()
    router = worker_router(rt_providers, rt_ns, app)

    async def callback(data: dict[str, Any]) -> dict[str, Any]:
        if not data["metadata"].get("try"):
            return {"status": "error", "code": 500, "data": {"message": "flaky"}}
        return {"status": "success", "data": {"ok": True}}

    await router.consume_messages(Key.stream(rt_ns, app, TOPIC), WORKER_GROUP, router.guid,
                                  callback)
    sent = message(TOPIC, {})
    sent["policies"] = {"retry": {"500": [3]}}
    await router.publish_message(TOPIC, sent)
    try:
        (response,) = await collect(rt_providers, rt_ns, app, 1)
    finally:
        await router.stop_consuming()
    assert response["status"] == "success"
    assert response["data"] == {"ok": True}
    # metadata missing from the callback's answer is copied from the request
    assert response["metadata"]["jid"] == sent["metadata"]["jid"]


async def test_error_without_policy_keeps_code_and_user_error(
    rt_providers: Providers, rt_ns: str
) -> None:
    app = app_id()
    router = worker_router(rt_providers, rt_ns, app)

    async def callback(data: dict[str, Any]) -> dict[str, Any]:
        return {"status": "error", "code": 403,
                "data": {"message": "unrecoverable error", "error": {"field": "x"}}}

    await router.consume_messages(Key.stream(rt_ns, app, TOPIC), WORKER_GROUP, router.guid,
                                  callback)
    await router.publish_message(TOPIC, message(TOPIC, {}))
    try:
        (response,) = await collect(rt_providers, rt_ns, app, 1)
    finally:
        await router.stop_consuming()
    assert response["code"] == 403
    assert response["data"] == {"message": "unrecoverable error", "code": 403,
                                "error": {"field": "x"}}


async def test_entry_without_metadata_is_dropped_and_acked(
    rt_providers: Providers, rt_ns: str
) -> None:
    app = app_id()
    router = worker_router(rt_providers, rt_ns, app)
    calls: list[Any] = []

    async def callback(data: dict[str, Any]) -> None:
        calls.append(data)

    stream = Key.stream(rt_ns, app, TOPIC)
    await router.consume_messages(stream, WORKER_GROUP, router.guid, callback)
    await router.publish_message(TOPIC, {"data": {"no": "metadata"}})
    try:
        await wait_until(lambda: rt_providers.stream.length(stream), 0)
    finally:
        await router.stop_consuming()
    assert calls == []


async def test_engine_failure_is_never_answered_on_its_own_stream(
    rt_providers: Providers, rt_ns: str
) -> None:
    """The reference's poison loop: an engine error answered on its own stream, forever.

    A HotMesh error is a verdict (acked, dropped); any other error may be transient, so the
    entry stays pending for reclaim.
    """
    app = app_id()
    router = Router(app, rt_ns, "e" + secrets.token_hex(4), "engine", rt_providers,
                    block_time_ms=200)
    calls: list[str] = []

    async def callback(data: dict[str, Any]) -> None:
        calls.append(data["data"]["kind"])
        if data["data"]["kind"] == "verdict":
            raise MapDataError("no schema for activity")
        raise ConnectionResetError("database went away")

    stream = Key.stream(rt_ns, app)
    await router.consume_messages(stream, ENGINE_GROUP, router.guid, callback)
    await router.publish_message(None, message(None, {"kind": "verdict"}))
    await router.publish_message(None, message(None, {"kind": "transient"}))
    try:
        await wait_until(lambda: len(calls), 2)
        await wait_until(lambda: rt_providers.stream.length(stream), 1)
    finally:
        await router.stop_consuming()
    (pending,) = await rt_providers.stream.pending(stream, ENGINE_GROUP)
    assert pending.consumer == router.guid
    assert sorted(calls) == ["transient", "verdict"]


async def test_engine_callback_can_fold_the_ack_into_its_transaction(
    rt_providers: Providers, rt_ns: str
) -> None:
    app = app_id()
    router = Router(app, rt_ns, "e" + secrets.token_hex(4), "engine", rt_providers,
                    block_time_ms=200)
    folded: list[bool] = []
    state = Key(KeyType.SIGNALS, rt_ns, app)

    async def callback(data: dict[str, Any]) -> None:
        tx = rt_providers.store.transaction()
        tx.hset(state, {"step": "done"})
        folded.append(Router.fold_ack(tx))
        folded.append(Router.fold_ack(tx))  # a second fold is refused
        await tx.exec()

    stream = Key.stream(rt_ns, app)
    await router.consume_messages(stream, ENGINE_GROUP, router.guid, callback)
    await router.publish_message(None, message(None, {}))
    try:
        await wait_until(lambda: rt_providers.stream.length(stream), 0)
    finally:
        await router.stop_consuming()
    assert folded == [True, False]
    assert await rt_providers.store.hgetall(state) == {"step": "done"}
    assert Router.fold_ack(rt_providers.store.transaction()) is False  # outside a callback


async def test_messages_are_processed_concurrently_up_to_the_bound(
    rt_providers: Providers, rt_ns: str
) -> None:
    app = app_id()
    router = worker_router(rt_providers, rt_ns, app, max_in_flight=3)
    gate = asyncio.Event()
    started = 0

    async def callback(data: dict[str, Any]) -> dict[str, Any]:
        nonlocal started
        started += 1
        await gate.wait()
        return {"data": {"n": data["data"]["n"]}}

    await router.consume_messages(Key.stream(rt_ns, app, TOPIC), WORKER_GROUP, router.guid,
                                  callback)
    for n in range(7):
        await router.publish_message(TOPIC, message(TOPIC, {"n": n}))
    try:
        await wait_until(lambda: started, 3)
        await asyncio.sleep(0.3)  # give a wrong implementation the chance to start more
        assert started == 3
        assert router.in_flight == 3
        gate.set()
        responses = await collect(rt_providers, rt_ns, app, 7)
    finally:
        await router.stop_consuming()
    assert sorted(r["data"]["n"] for r in responses) == list(range(7))


async def test_throttle_validation(rt_providers: Providers, rt_ns: str) -> None:
    router = worker_router(rt_providers, rt_ns, app_id())
    for bad in (-1, 1.5, True, "10", None):
        with pytest.raises(ValueError, match="Throttle must be a non-negative integer"):
            router.set_throttle(bad)  # type: ignore[arg-type]
    router.set_throttle(250)
    assert router.throttle == 250


async def test_lowering_the_throttle_releases_a_sleeping_consumer(
    rt_providers: Providers, rt_ns: str
) -> None:
    app = app_id()
    router = worker_router(rt_providers, rt_ns, app, throttle_ms=600_000)
    done: list[int] = []

    async def callback(data: dict[str, Any]) -> dict[str, Any]:
        done.append(data["data"]["n"])
        return {"data": {}}

    await router.consume_messages(Key.stream(rt_ns, app, TOPIC), WORKER_GROUP, router.guid,
                                  callback)
    await router.publish_message(TOPIC, message(TOPIC, {"n": 1}))
    try:
        await asyncio.sleep(0.3)
        assert done == []  # ten minutes between batches: nothing yet
        router.set_throttle(0)
        await wait_until(lambda: len(done), 1)
    finally:
        await router.stop_consuming()


async def test_stop_cancels_overdue_callbacks_and_leaves_them_pending(
    rt_providers: Providers, rt_ns: str
) -> None:
    app = app_id()
    router = worker_router(rt_providers, rt_ns, app)
    started = asyncio.Event()

    async def callback(data: dict[str, Any]) -> dict[str, Any]:
        started.set()
        await asyncio.sleep(3600)
        return {"data": {}}

    stream = Key.stream(rt_ns, app, TOPIC)
    await router.consume_messages(stream, WORKER_GROUP, router.guid, callback)
    await router.publish_message(TOPIC, message(TOPIC, {}))
    await asyncio.wait_for(started.wait(), 10)
    await router.stop_consuming(grace_ms=50)
    assert router.in_flight == 0
    pending = await rt_providers.stream.pending(stream, WORKER_GROUP)
    assert [p.consumer for p in pending] == [router.guid]
    # a stopped router consumes nothing more
    await router.publish_message(TOPIC, message(TOPIC, {}))
    await asyncio.sleep(0.3)
    assert await rt_providers.stream.length(stream) == 2


async def _take_and_abandon(providers: Providers, stream: Key, consumer: str) -> StreamMessage:
    """A consumer that claims an entry and dies before acknowledging it."""
    (taken,) = await providers.stream.consume(stream, WORKER_GROUP, consumer, 1, 2000)
    return taken


async def test_stale_entry_is_reclaimed_with_its_delivery_count(
    rt_open: Any, rt_ns: str
) -> None:
    clock = ManualClock()
    providers = await rt_open(clock)
    app = app_id()
    router = worker_router(providers, rt_ns, app, reclaim_delay_ms=1500, reclaim_count=3)
    stream = Key.stream(rt_ns, app, TOPIC)
    await providers.stream.create_group(stream, WORKER_GROUP)
    await router.publish_message(TOPIC, message(TOPIC, {"n": 7}))
    taken = await _take_and_abandon(providers, stream, "dead-consumer")

    clock.advance(1000)
    assert await router.claim_unacknowledged(stream, WORKER_GROUP, router.guid) == []
    clock.advance(600)
    (reclaimed,) = await router.claim_unacknowledged(stream, WORKER_GROUP, router.guid)
    assert reclaimed.id == taken.id
    assert reclaimed.deliveries == 2

    async def callback(data: dict[str, Any]) -> dict[str, Any]:
        return {"data": {"n": data["data"]["n"]}}

    await router.consume_one(stream, WORKER_GROUP, reclaimed, callback)
    (response,) = await collect(providers, rt_ns, app, 1)
    assert response["data"] == {"n": 7}
    assert await providers.stream.length(stream) == 0


async def test_entry_reclaimed_too_often_is_dead_lettered_with_999(
    rt_open: Any, rt_ns: str
) -> None:
    clock = ManualClock()
    providers = await rt_open(clock)
    app = app_id()
    router = worker_router(providers, rt_ns, app, reclaim_delay_ms=1000, reclaim_count=1)
    stream = Key.stream(rt_ns, app, TOPIC)
    await providers.stream.create_group(stream, WORKER_GROUP)
    sent = message(TOPIC, {"n": 1})
    await router.publish_message(TOPIC, sent)
    await _take_and_abandon(providers, stream, "dead-consumer")

    clock.advance(1001)
    (again,) = await router.claim_unacknowledged(stream, WORKER_GROUP, "second-dead-consumer")
    assert again.deliveries == 2  # within reclaim_count: handed out again, and abandoned
    clock.advance(1001)
    assert await router.claim_unacknowledged(stream, WORKER_GROUP, router.guid) == []

    (response,) = await collect(providers, rt_ns, app, 1)
    assert response["status"] == "error"
    assert response["code"] == 999
    assert response["data"] == {"message": "stream message max delivery count exceeded",
                                "code": 999}
    assert response["metadata"]["jid"] == sent["metadata"]["jid"]
    assert await providers.stream.length(stream) == 0


async def test_running_router_reclaims_an_abandoned_entry(rt_open: Any, rt_ns: str) -> None:
    """The loop itself checks for stale entries every reclaim delay (real clock)."""
    providers = await rt_open()
    app = app_id()
    router = worker_router(providers, rt_ns, app, reclaim_delay_ms=300)
    stream = Key.stream(rt_ns, app, TOPIC)
    await providers.stream.create_group(stream, WORKER_GROUP)
    await router.publish_message(TOPIC, message(TOPIC, {"n": 3}))
    await _take_and_abandon(providers, stream, "dead-consumer")

    async def callback(data: dict[str, Any]) -> dict[str, Any]:
        return {"data": {"n": data["data"]["n"]}}

    await router.consume_messages(stream, WORKER_GROUP, router.guid, callback)
    try:
        (response,) = await collect(providers, rt_ns, app, 1)
    finally:
        await router.stop_consuming()
    assert response["data"] == {"n": 3}


async def test_an_idle_router_keeps_reading_without_errors(
    rt_providers: Providers, rt_ns: str
) -> None:
    """HotMesh's 10-20 s block outlives a driver's read timeout (redis-py: ~5 s); the router
    reads in shorter slices so idling is never an error (an error costs a 10 s back-off)."""
    app = app_id()
    router = worker_router(rt_providers, rt_ns, app, block_time_ms=10_000)

    async def callback(data: dict[str, Any]) -> dict[str, Any]:
        return {"data": {"late": True}}

    await router.consume_messages(Key.stream(rt_ns, app, TOPIC), WORKER_GROUP, router.guid,
                                  callback)
    try:
        await asyncio.sleep(6.5)
        assert router.error_count == 0
        await rt_providers.stream.publish(Key.stream(rt_ns, app, TOPIC), [message(TOPIC, {})])
        (response,) = await collect(rt_providers, rt_ns, app, 1)
    finally:
        await router.stop_consuming()
    assert response["data"] == {"late": True}
