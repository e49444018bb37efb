"""Stream semantics that Redis needed help with: delays, clock-based idle, blocking reads."""

from __future__ import annotations

import asyncio

import pytest

from hotmesh_pg.clock import ManualClock
from hotmesh_pg.errors import ProviderError
from hotmesh_pg.keys import Key, KeyType
from hotmesh_pg.providers.protocols import Providers
from hotmesh_pg.providers.redis import open_providers


async def test_delayed_entries_wait_for_the_clock_then_keep_due_order(
    rp: Providers, clock: ManualClock, ns: str
) -> None:
    stream = Key.stream(ns, "app")
    later = await rp.stream.publish(stream, [{"n": "later"}], delay_ms=2_000)
    sooner = await rp.stream.publish(stream, [{"n": "sooner"}], delay_ms=1_000)
    assert later[0].endswith("-d1") and sooner[0].endswith("-d2")
    assert await rp.stream.length(stream) == 2
    assert await rp.stream.consume(stream, "G", "c") == []
    clock.advance(999)
    assert await rp.stream.consume(stream, "G", "c") == []
    clock.advance(1_001)
    got = await rp.stream.consume(stream, "G", "c", count=10)
    assert [m.data["n"] for m in got] == ["sooner", "later"]
    assert await rp.stream.length(stream) == 2
    assert await rp.stream.ack(stream, "G", [m.id for m in got]) == 2
    assert await rp.stream.length(stream) == 0


async def test_idle_time_follows_the_provider_clock(
    rp: Providers, clock: ManualClock, ns: str
) -> None:
    stream = Key.stream(ns, "app", "t")
    await rp.stream.publish(stream, [{"n": 1}])
    [msg] = await rp.stream.consume(stream, "G", "c1")
    clock.advance(1_500)
    [entry] = await rp.stream.pending(stream, "G")
    assert (entry.consumer, entry.idle_ms, entry.deliveries) == ("c1", 1_500, 1)
    assert await rp.stream.claim(stream, "G", "c2", 2_000, [msg.id]) == []
    clock.advance(500)
    [again] = await rp.stream.claim(stream, "G", "c2", 2_000, [msg.id])
    assert (again.id, again.data, again.deliveries) == (msg.id, {"n": 1}, 2)
    [entry] = await rp.stream.pending(stream, "G")
    assert (entry.consumer, entry.idle_ms, entry.deliveries) == ("c2", 0, 2)


async def test_concurrent_claimers_never_both_win(
    rp: Providers, clock: ManualClock, ns: str
) -> None:
    stream = Key.stream(ns, "app", "t")
    await rp.stream.publish(stream, [{"n": i} for i in range(5)])
    got = await rp.stream.consume(stream, "G", "c1", count=5)
    clock.advance(10_000)
    ids = [m.id for m in got]
    rounds = await asyncio.gather(
        *(rp.stream.claim(stream, "G", f"c{i}", 1_000, ids) for i in range(2, 8))
    )
    claimed = [m.id for r in rounds for m in r]
    assert sorted(claimed) == sorted(ids)


async def test_claim_skips_acked_and_unknown_entries(
    rp: Providers, clock: ManualClock, ns: str
) -> None:
    stream = Key.stream(ns, "app", "t")
    await rp.stream.publish(stream, [{"n": 1}, {"n": 2}])
    first, second = await rp.stream.consume(stream, "G", "c1", count=2)
    await rp.stream.ack(stream, "G", [first.id])
    clock.advance(5_000)
    got = await rp.stream.claim(stream, "G", "c2", 0, [first.id, second.id, "1-1"])
    assert [m.id for m in got] == [second.id]


async def test_reads_of_missing_groups_are_empty(rp: Providers, ns: str) -> None:
    stream = Key.stream(ns, "app", "none")
    assert await rp.stream.pending(stream, "G") == []
    assert await rp.stream.claim(stream, "G", "c", 0, ["1-0"]) == []
    assert await rp.stream.ack(stream, "G", []) == 0
    assert await rp.stream.length(stream) == 0


async def test_a_blocking_read_wakes_for_an_entry_published_meanwhile(
    rp: Providers, ns: str
) -> None:
    stream = Key.stream(ns, "app")
    await rp.stream.create_group(stream, "G")

    async def publish_soon() -> None:
        await asyncio.sleep(0.05)
        await rp.stream.publish(stream, [{"late": True}])

    task = asyncio.create_task(publish_soon())
    got = await rp.stream.consume(stream, "G", "c", block_ms=10_000)
    await task
    assert [m.data for m in got] == [{"late": True}]


async def test_a_blocking_read_wakes_when_the_clock_makes_an_entry_due(
    rp: Providers, clock: ManualClock, ns: str
) -> None:
    stream = Key.stream(ns, "app")
    await rp.stream.publish(stream, [{"timer": 1}], delay_ms=60_000)

    async def time_passes() -> None:
        await asyncio.sleep(0.05)
        clock.advance(60_000)

    task = asyncio.create_task(time_passes())
    got = await rp.stream.consume(stream, "G", "c", block_ms=10_000)
    await task
    assert [m.data for m in got] == [{"timer": 1}]


async def test_a_blocking_read_times_out_empty(rp: Providers, ns: str) -> None:
    assert await rp.stream.consume(Key.stream(ns, "app"), "G", "c", block_ms=30) == []


async def test_unserialisable_publish_writes_nothing(rp: Providers, ns: str) -> None:
    stream = Key.stream(ns, "app")
    with pytest.raises(ProviderError, match="bytes is not JSON serializable"):
        await rp.stream.publish(stream, [{"ok": 1}, {"bad": b"x"}])
    with pytest.raises(ProviderError, match="Out of range float"):
        await rp.stream.publish(stream, [{"nan": float("nan")}], delay_ms=10)
    assert await rp.stream.length(stream) == 0


async def test_stream_calls_refuse_keys_that_are_not_streams(rp: Providers, ns: str) -> None:
    with pytest.raises(ProviderError, match="need a STREAMS key"):
        await rp.stream.publish(Key(KeyType.HOOKS, ns, "app"), [{"a": 1}])


async def test_a_100kb_payload_round_trips(rp: Providers, ns: str) -> None:
    stream = Key.stream(ns, "app")
    body = {"blob": "é\x00" * 50_000}
    await rp.stream.publish(stream, [body])
    [msg] = await rp.stream.consume(stream, "G", "c")
    assert msg.data == body


async def test_a_stream_holding_only_delayed_entries_exists_and_deletes_whole(
    rp: Providers, clock: ManualClock, ns: str
) -> None:
    stream = Key.stream(ns, "app", "t")
    await rp.stream.publish(stream, [{"n": 1}], delay_ms=1_000)
    assert await rp.store.exists(stream) is True
    await rp.store.delete(stream)
    assert await rp.store.exists(stream) is False
    clock.advance(1_000)
    assert await rp.stream.consume(stream, "G", "c") == []
    assert await rp.stream.length(stream) == 0


async def test_on_the_wall_clock_a_blocking_read_wakes_when_an_entry_falls_due(
    redis_url: str, ns: str
) -> None:
    providers = await open_providers(redis_url)  # SystemClock: sleeps until the due time
    try:
        stream = Key.stream(ns, "app")
        await providers.stream.publish(stream, [{"timer": 2}], delay_ms=50)
        got = await providers.stream.consume(stream, "G", "c", block_ms=10_000)
        assert [m.data for m in got] == [{"timer": 2}]
    finally:
        await providers.close()


async def test_a_sooner_delayed_entry_wakes_a_reader_sleeping_for_a_later_one(
    redis_url: str, ns: str
) -> None:
    providers = await open_providers(redis_url)
    try:
        stream = Key.stream(ns, "app")
        await providers.stream.publish(stream, [{"timer": "late"}], delay_ms=600_000)

        async def sooner() -> None:
            await asyncio.sleep(0.05)
            await providers.stream.publish(stream, [{"timer": "soon"}], delay_ms=20)

        task = asyncio.create_task(sooner())
        got = await providers.stream.consume(stream, "G", "c", block_ms=20_000)
        await task
        assert [m.data for m in got] == [{"timer": "soon"}]
    finally:
        await providers.close()
