"""Pub/sub: one callback registry per channel or pattern, and survival of a dropped link."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis.asyncio as aioredis

from hotmesh_pg.providers.protocols import Providers
from hotmesh_pg.providers.redis import open_providers

Received = list[tuple[str, str, dict[str, Any]]]


def recorder(into: Received, tag: str) -> Callable[[str, dict[str, Any]], None]:
    def callback(channel: str, message: dict[str, Any]) -> None:
        into.append((tag, channel, message))

    return callback


async def until(check: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """Wait for pub/sub delivery (asynchronous by nature); fail if it never comes."""
    async with asyncio.timeout(timeout_s):
        while not check():
            await asyncio.sleep(0.01)


async def test_resubscribing_replaces_the_callback_and_unsubscribe_removes(
    rp: Providers, ns: str
) -> None:
    got: Received = []
    await rp.sub.subscribe(f"{ns}:q:", recorder(got, "first"))
    await rp.sub.subscribe(f"{ns}:q:", recorder(got, "a"))
    await rp.sub.publish(f"{ns}:q:", {"n": 1})
    await until(lambda: len(got) == 1)
    await rp.sub.unsubscribe(f"{ns}:q:")
    await rp.sub.subscribe(f"{ns}:q:other", recorder(got, "b"))
    await rp.sub.publish(f"{ns}:q:", {"n": 2})
    await rp.sub.publish(f"{ns}:q:other", {"n": 3})
    await until(lambda: len(got) == 2)
    assert got == [("a", f"{ns}:q:", {"n": 1}), ("b", f"{ns}:q:other", {"n": 3})]


async def test_exact_and_pattern_subscribers_each_get_a_copy(rp: Providers, ns: str) -> None:
    got: Received = []
    await rp.sub.subscribe(f"{ns}:app:q:e1", recorder(got, "exact"))
    await rp.sub.psubscribe(f"{ns}:app:q:*", recorder(got, "star"))
    await rp.sub.psubscribe(f"{ns}:app:q:e?", recorder(got, "one"))
    await rp.sub.psubscribe(f"{ns}:app:q:[^e]*", recorder(got, "not-e"))
    await rp.sub.publish(f"{ns}:app:q:e1", {"hi": 1})
    await until(lambda: len(got) == 3)
    await asyncio.sleep(0.05)
    assert sorted(tag for tag, _, _ in got) == ["exact", "one", "star"]
    assert {channel for _, channel, _ in got} == {f"{ns}:app:q:e1"}


async def test_punsubscribe_of_an_unknown_pattern_is_harmless(rp: Providers, ns: str) -> None:
    got: Received = []
    await rp.sub.psubscribe(f"{ns}:*", recorder(got, "p"))
    await rp.sub.punsubscribe(f"{ns}:nothing-*")
    await rp.sub.unsubscribe(f"{ns}:never")
    await rp.sub.publish(f"{ns}:x", {"still": True})
    await until(lambda: len(got) == 1)


async def test_a_callback_may_subscribe_and_async_callbacks_are_awaited(
    rp: Providers, ns: str
) -> None:
    got: Received = []

    async def first(channel: str, message: dict[str, Any]) -> None:
        await rp.sub.subscribe(f"{ns}:second", recorder(got, "second"))
        got.append(("first", channel, message))
        await rp.sub.publish(f"{ns}:second", {"chained": True})

    await rp.sub.subscribe(f"{ns}:first", first)
    await rp.sub.publish(f"{ns}:first", {"go": 1})
    await until(lambda: len(got) == 2)
    assert got[1] == ("second", f"{ns}:second", {"chained": True})


async def test_subscriptions_survive_a_killed_connection(
    redis_url: str, raw: aioredis.Redis, ns: str, caplog: pytest.LogCaptureFixture
) -> None:
    name = f"hmtest-{uuid.uuid4().hex[:8]}"
    sep = "&" if "?" in redis_url else "?"
    providers = await open_providers(f"{redis_url}{sep}client_name={name}")
    try:
        got: Received = []
        await providers.sub.subscribe(f"{ns}:c", recorder(got, "exact"))
        await providers.sub.psubscribe(f"{ns}:p*", recorder(got, "pattern"))
        victims = [c for c in await raw.client_list(_type="pubsub") if c["name"] == name]
        assert len(victims) == 1
        await raw.client_kill_filter(_id=victims[0]["id"])

        async def delivered() -> bool:
            await raw.publish(f"{ns}:c", '{"n":1}')
            await raw.publish(f"{ns}:p1", '{"n":2}')
            await asyncio.sleep(0.05)
            return {tag for tag, _, _ in got} == {"exact", "pattern"}

        async with asyncio.timeout(10):
            while not await delivered():
                pass
        assert "redis subscriber reconnected; re-subscribed 1 channel(s) and 1 pattern(s)" in (
            caplog.text
        )
    finally:
        await providers.close()
