"""Stream semantics (runtime.md 7.5): claim, pending, reclaim, ack, delayed visibility."""

from __future__ import annotations

import asyncio

import pytest

from hotmesh_pg.errors import ProviderError
from hotmesh_pg.keys import Key

from .helpers import APP, id_order

GROUP = "WORKER"


@pytest.fixture
def stream(namespace):
    return Key.stream(namespace, APP, "work.topic")


async def test_publish_returns_increasing_ids(providers, stream):
    ids = await providers.stream.publish(stream, [{"n": i} for i in range(5)])
    assert len(ids) == 5
    assert ids == sorted(ids, key=id_order) and len(set(ids)) == 5
    more = await providers.stream.publish(stream, [{"n": 5}])
    assert id_order(more[0]) > id_order(ids[-1])
    assert await providers.stream.length(stream) == 6


async def test_consume_delivers_each_entry_once_with_count_one(providers, stream):
    s = providers.stream
    await s.create_group(stream, GROUP)
    await s.create_group(stream, GROUP)  # idempotent
    await s.publish(stream, [{"n": 1}, {"n": 2}, {"n": 3}])
    first = await s.consume(stream, GROUP, "c1", count=2)
    assert [m.data for m in first] == [{"n": 1}, {"n": 2}]
    assert all(m.deliveries == 1 for m in first)
    second = await s.consume(stream, GROUP, "c2", count=10)
    assert [m.data for m in second] == [{"n": 3}]
    assert await s.consume(stream, GROUP, "c3", count=10) == []


async def test_entries_published_before_the_group_are_delivered(providers, stream):
    await providers.stream.publish(stream, [{"early": True}])
    await providers.stream.create_group(stream, GROUP)
    got = await providers.stream.consume(stream, GROUP, "c1")
    assert [m.data for m in got] == [{"early": True}]


async def test_claimed_entry_is_reclaimed_only_after_the_delay(providers, stream, clock):
    s = providers.stream
    await s.publish(stream, [{"job": "a"}])
    [msg] = await s.consume(stream, GROUP, "dead-consumer")
    assert await s.consume(stream, GROUP, "other") == []

    [entry] = await s.pending(stream, GROUP)
    assert (entry.id, entry.consumer, entry.deliveries) == (msg.id, "dead-consumer", 1)

    assert await s.claim(stream, GROUP, "other", 1000, [msg.id]) == []
    clock.advance(1000)
    [entry] = await s.pending(stream, GROUP)
    assert entry.idle_ms >= 1000
    [reclaimed] = await s.claim(stream, GROUP, "other", 1000, [msg.id])
    assert reclaimed.id == msg.id and reclaimed.data == {"job": "a"}
    assert reclaimed.deliveries == 2
    [entry] = await s.pending(stream, GROUP)
    assert (entry.consumer, entry.deliveries, entry.idle_ms) == ("other", 2, 0)


async def test_concurrent_claimers_never_both_win(providers, stream, clock):
    s = providers.stream
    await s.publish(stream, [{"job": "a"}])
    [msg] = await s.consume(stream, GROUP, "c0")
    clock.advance(5000)
    results = await asyncio.gather(
        *(s.claim(stream, GROUP, f"c{i}", 5000, [msg.id]) for i in range(1, 6)))
    assert sorted(len(r) for r in results) == [0, 0, 0, 0, 1]


async def test_ack_removes_from_pending_and_stream(providers, stream):
    s = providers.stream
    await s.publish(stream, [{"n": 1}, {"n": 2}])
    msgs = await s.consume(stream, GROUP, "c1")
    assert await s.ack(stream, GROUP, [msgs[0].id]) == 1
    assert [p.id for p in await s.pending(stream, GROUP)] == [msgs[1].id]
    assert await s.length(stream) == 1
    assert await s.ack(stream, GROUP, [msgs[0].id]) == 0
    assert await s.ack(stream, GROUP, [msgs[1].id]) == 1
    assert await s.pending(stream, GROUP) == []
    assert await s.length(stream) == 0


async def test_concurrent_consumers_split_the_entries(providers, stream):
    s = providers.stream
    await s.publish(stream, [{"n": i} for i in range(40)])
    batches = await asyncio.gather(
        *(s.consume(stream, GROUP, f"c{i}", count=7) for i in range(8)))
    seen = [m.data["n"] for batch in batches for m in batch]
    assert sorted(seen) == list(range(40))


async def test_future_visible_messages_are_not_claimed_early(providers, stream, clock):
    s = providers.stream
    await s.publish(stream, [{"timer": 1}], delay_ms=5000)
    assert await s.length(stream) == 1
    assert await s.consume(stream, GROUP, "c1") == []
    clock.advance(4999)
    assert await s.consume(stream, GROUP, "c1") == []
    clock.advance(1)
    [msg] = await s.consume(stream, GROUP, "c1")
    assert msg.data == {"timer": 1}


async def test_blocking_consume_wakes_for_a_new_entry(providers, stream):
    s = providers.stream
    waiter = asyncio.create_task(s.consume(stream, GROUP, "c1", block_ms=10_000))
    await asyncio.sleep(0.05)
    await s.publish(stream, [{"wake": True}])
    got = await asyncio.wait_for(waiter, 15)
    assert [m.data for m in got] == [{"wake": True}]


async def test_blocking_consume_returns_empty_on_timeout(providers, stream):
    assert await providers.stream.consume(stream, GROUP, "c1", block_ms=50) == []


async def test_unserialisable_message_is_refused_and_nothing_written(providers, stream):
    with pytest.raises(ProviderError, match="set"):
        await providers.stream.publish(stream, [{"ok": 1}, {"bad": {1, 2}}])
    assert await providers.stream.length(stream) == 0


async def test_payload_round_trips_unicode_and_nul(providers, stream):
    data = {"s": "a\x00b ☃", "n": 1.5, "l": [1, None, True], "d": {"k": "v"}}
    await providers.stream.publish(stream, [data])
    [msg] = await providers.stream.consume(stream, GROUP, "c1")
    assert msg.data == data
