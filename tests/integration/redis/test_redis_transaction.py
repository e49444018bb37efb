"""Transactions: results match the standalone calls; a refused transaction writes nothing."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from hotmesh_pg.clock import ManualClock
from hotmesh_pg.errors import ProviderError
from hotmesh_pg.keys import Key, KeyType
from hotmesh_pg.providers.protocols import Providers


async def test_results_come_back_in_call_order_with_protocol_types(
    rp: Providers, ns: str
) -> None:
    job = Key.job(ns, "app", "j")
    stream = Key.stream(ns, "app")
    idx = Key(KeyType.WORK_ITEMS, ns, "app")
    await rp.store.hsetnx(job, ":", "3")
    tx = rp.store.transaction()
    tx.hset(job, {"a": "1", "b": "2"}).hsetnx(job, "a", "x").hincrbyfloat(job, ":", -1)
    tx.hincrby(job, "n", 2).hdel(job, ["b", "zz"]).hdel(job, [])
    tx.rpush(Key(KeyType.JOB_DEPENDENTS, ns, "app", "j"), ["d1", "d2"])
    tx.zadd(idx, {"w1": 1.0}, nx=True).zrem(idx, ["nope"])
    tx.xadd(stream, {"m": 1}).xlen(stream).publish(f"{ns}:nobody", {"x": 1})
    tx.expire(job, 60).delete()
    results = await tx.exec()
    assert results[:9] == [2, False, 2.0, 2, 1, 0, 2, 1, 0]
    assert isinstance(results[9], str) and "-" in results[9]
    assert results[10:] == [1, 0, True, 0]


async def test_nothing_is_visible_before_exec_and_discarding_writes_nothing(
    rp: Providers, ns: str
) -> None:
    key = Key(KeyType.HOOKS, ns, "app")
    tx = rp.store.transaction()
    tx.hset(key, {"a": "1"}).xadd(Key.stream(ns, "app"), {"m": 1})
    assert await rp.store.hgetall(key) == {}
    assert await rp.stream.length(Key.stream(ns, "app")) == 0
    del tx
    assert await rp.store.hgetall(key) == {}


async def test_a_transaction_runs_once(rp: Providers, ns: str) -> None:
    tx = rp.store.transaction().hset(Key(KeyType.HOOKS, ns, "app"), {"a": "1"})
    await tx.exec()
    with pytest.raises(ProviderError, match="already executed"):
        await tx.exec()


async def test_a_command_that_would_fail_refuses_the_whole_transaction(
    rp: Providers, raw: aioredis.Redis, ns: str
) -> None:
    await raw.set(f"{ns}:app:hooks", "not a hash")
    tx = rp.store.transaction()
    tx.hset(Key(KeyType.SIGNALS, ns, "app"), {"s": "1"})
    tx.xadd(Key.stream(ns, "app"), {"m": 1})
    tx.hincrbyfloat(Key(KeyType.HOOKS, ns, "app"), "f", 1)
    with pytest.raises(ProviderError, match=r"nothing written: HINCRBYFLOAT .*:app:hooks f: "
                                            r"WRONGTYPE .* holds a string, not a hash"):
        await tx.exec()
    assert await raw.exists(f"{ns}:app:signals", f"{ns}:app:x:") == 0


@pytest.mark.parametrize(
    ("earlier", "bad"),
    [({"n": "1.5"}, "hincrby"), ({"n": "x"}, "hincrbyfloat"), ({"n": "07"}, "hincrby")],
)
async def test_increments_of_values_set_earlier_in_the_transaction_are_checked(
    rp: Providers, ns: str, earlier: dict[str, str], bad: str
) -> None:
    job = Key.job(ns, "app", "j")
    await rp.store.hsetnx(job, ":", "1")
    tx = rp.store.transaction().hset(job, earlier).hincrbyfloat(job, ":", 5)
    if bad == "hincrby":
        tx.hincrby(job, "n", 1)
    else:
        tx.hincrbyfloat(job, "n", 1)
    with pytest.raises(ProviderError, match=r"is not an? (integer|float)"):
        await tx.exec()
    assert await rp.store.hgetall(job) == {":": "1"}


async def test_a_field_deleted_earlier_in_the_transaction_counts_as_zero(
    rp: Providers, ns: str
) -> None:
    key = Key(KeyType.SYMKEYS, ns, "app")
    await rp.store.hset(key, {"n": "abc"})
    tx = rp.store.transaction().hdel(key, ["n"]).hincrby(key, "n", 2)
    tx.delete(key).hincrbyfloat(key, "f", 0.5)
    assert await tx.exec() == [1, 2, 1, 0.5]


async def test_a_malformed_stream_id_refuses_the_transaction(rp: Providers, ns: str) -> None:
    key = Key(KeyType.SYMKEYS, ns, "app")
    tx = rp.store.transaction().hset(key, {"a": "1"}).xack(Key.stream(ns, "app"), "G", ["x-1"])
    with pytest.raises(ProviderError, match="invalid stream id x-1"):
        await tx.exec()
    assert await rp.store.hgetall(key) == {}


async def test_unserialisable_messages_fail_when_queued(rp: Providers, ns: str) -> None:
    tx = rp.store.transaction()
    with pytest.raises(ProviderError, match="not JSON serializable"):
        tx.xadd(Key.stream(ns, "app"), {"when": object()})
    with pytest.raises(ProviderError, match="publish to ch"):
        tx.publish("ch", {"x": {1, 2}})


async def test_delayed_xadd_in_a_transaction_uses_the_clock(
    rp: Providers, clock: ManualClock, ns: str
) -> None:
    stream = Key.stream(ns, "app")
    [pid] = await rp.store.transaction().xadd(stream, {"wake": 1}, delay_ms=1_000).exec()
    assert pid == f"{clock.now_ms() + 1_000}-d1"
    assert await rp.stream.consume(stream, "ENGINE", "e") == []
    clock.advance(1_000)
    [msg] = await rp.stream.consume(stream, "ENGINE", "e")
    assert msg.data == {"wake": 1}


async def test_writes_to_an_expired_job_are_dropped_not_checked(
    rp: Providers, ns: str
) -> None:
    job = Key.job(ns, "app", "gone")
    await rp.store.hsetnx(job, ":", "1")
    assert await rp.store.expire(job, 0.02) is True
    async with asyncio.timeout(10):
        while await rp.store.exists(job):
            await asyncio.sleep(0.01)
    tx = rp.store.transaction().hset(job, {"n": "x"}).hincrby(job, "n", 2)
    assert await tx.exec() == [0, 2]
    tx = rp.store.transaction().hsetnx(job, ":", "1").hset(job, {"n": "x"})
    tx.hincrby(job, "n", 2)
    with pytest.raises(ProviderError, match="not an integer"):
        await tx.exec()  # re-created by HSETNX ':', so "x" really would be incremented
    assert await rp.store.hgetall(job) == {}


async def test_an_unforeseeable_failure_says_the_transaction_stopped_part_way(
    rp: Providers, ns: str
) -> None:
    """Integer overflow passes validation; like EXEC, earlier commands stay applied."""
    key = Key(KeyType.SYMKEYS, ns, "app")
    await rp.store.hset(key, {"big": str(2**63 - 1)})
    tx = rp.store.transaction().hset(key, {"a": "1"}).hincrby(key, "big", 1)
    with pytest.raises(ProviderError, match=r"failed part-way at HINCRBY .* big: .*overflow"):
        await tx.exec()
    assert await rp.store.hget(key, "a") == "1"
