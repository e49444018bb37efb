"""What the provider writes is what HotMesh 0.0.55 wrote (runtime.md 7.1): same keys, same types.

A raw client reads the database the way HotMesh (or redis-cli) would.
"""

from __future__ import annotations

import json

import redis.asyncio as aioredis

from hotmesh_pg.keys import Key, KeyType
from hotmesh_pg.providers.protocols import Providers


async def test_job_state_is_a_hash_at_the_hotmesh_key(
    rp: Providers, raw: aioredis.Redis, ns: str
) -> None:
    job = Key.job(ns, "orders", "ord-1")
    assert await rp.store.hsetnx(job, ":", "1") is True
    await rp.store.hset(job, {"aBc": "/s{\"a\":1}", "aBc,0,1": "x"})
    assert await raw.type(f"{ns}:orders:j:ord-1") == "hash"
    assert await raw.hgetall(f"{ns}:orders:j:ord-1") == {
        ":": "1", "aBc": "/s{\"a\":1}", "aBc,0,1": "x",
    }


async def test_float_increments_are_stored_as_redis_renders_them(
    rp: Providers, raw: aioredis.Redis, ns: str
) -> None:
    job = Key.job(ns, "app", "j")
    await rp.store.hsetnx(job, ":", "1")
    assert await rp.store.hincrbyfloat(job, ":", 2) == 3.0
    assert await rp.store.hincrbyfloat(job, "col", 1e15) == 1e15
    assert await rp.store.hincrbyfloat(job, "half", 0.5) == 0.5
    stored = await raw.hmget(f"{ns}:app:j:j", [":", "col", "half"])
    assert stored == ["3", "1000000000000000", "0.5"]


async def test_registries_use_hotmesh_key_strings(
    rp: Providers, raw: aioredis.Redis, ns: str
) -> None:
    await rp.store.hset(Key(KeyType.APP, ns, "orders"), {"id": "orders", "version": "1"})
    await rp.store.hset(Key(KeyType.SCHEMAS, ns, "orders", "1"), {"t1": "{}"})
    await rp.store.hset(Key(KeyType.SYMKEYS, ns, "orders"), {":cursor": "26"})
    await rp.store.hset(Key(KeyType.SYMVALS, ns, "orders"), {"true": "aa"})
    await rp.store.zadd(Key(KeyType.TIME_RANGE, ns, "orders"), {"slot": 5.0})
    await rp.store.rpush(Key(KeyType.JOB_DEPENDENTS, ns, "orders", "j1"), ["dep"])
    assert await rp.store.set_nx(Key(KeyType.LOCK, ns, "orders", "time"), "time:1", 30) is True
    expected = {
        f"{ns}:a:orders": "hash",
        f"{ns}:orders:v:1:schemas": "hash",
        f"{ns}:orders:sym:keys:": "hash",
        f"{ns}:orders:sym:vals:": "hash",
        f"{ns}:orders:t:": "zset",
        f"{ns}:orders:d:j1": "list",
        f"{ns}:orders:w:time": "string",
    }
    assert {name: await raw.type(name) for name in expected} == expected
    assert 0 < await raw.ttl(f"{ns}:orders:w:time") <= 30


async def test_stream_entries_carry_one_message_field_of_json(
    rp: Providers, raw: aioredis.Redis, ns: str
) -> None:
    engine = Key.stream(ns, "orders")
    worker = Key.stream(ns, "orders", "order.approve")
    [engine_id] = await rp.stream.publish(engine, [{"metadata": {"jid": "j1"}, "data": {}}])
    await rp.stream.publish(worker, [{"data": {"n": 1}}])
    assert await raw.type(f"{ns}:orders:x:") == "stream"
    assert await raw.type(f"{ns}:orders:x:order.approve") == "stream"
    [(entry_id, fields)] = await raw.xrange(f"{ns}:orders:x:")
    assert entry_id == engine_id
    assert list(fields) == ["message"]
    assert json.loads(fields["message"]) == {"metadata": {"jid": "j1"}, "data": {}}


async def test_a_group_created_late_still_sees_earlier_entries(
    rp: Providers, raw: aioredis.Redis, ns: str
) -> None:
    stream = Key.stream(ns, "app", "topic")
    await rp.stream.publish(stream, [{"n": 1}, {"n": 2}])
    await rp.stream.create_group(stream, "WORKER")
    await rp.stream.create_group(stream, "WORKER")  # idempotent
    got = await rp.stream.consume(stream, "WORKER", "w1", count=10)
    assert [m.data for m in got] == [{"n": 1}, {"n": 2}]
    groups = await raw.xinfo_groups(f"{ns}:app:x:topic")
    assert [(g["name"], g["pending"]) for g in groups] == [("WORKER", 2)]


async def test_entries_written_by_hotmesh_itself_are_consumed(
    rp: Providers, raw: aioredis.Redis, ns: str
) -> None:
    """HotMesh: XGROUP CREATE $ MKSTREAM, then XADD * message <json>."""
    name = f"{ns}:app:x:"
    await raw.xgroup_create(name, "ENGINE", id="$", mkstream=True)
    await raw.xadd(name, {"message": json.dumps({"metadata": {"aid": "t1"}})})
    [msg] = await rp.stream.consume(Key.stream(ns, "app"), "ENGINE", "e1")
    assert msg.data == {"metadata": {"aid": "t1"}}
    assert msg.deliveries == 1


async def test_delayed_entries_live_beside_the_stream_not_in_it(
    rp: Providers, raw: aioredis.Redis, ns: str
) -> None:
    stream = Key.stream(ns, "app")
    await rp.stream.publish(stream, [{"sleep": 1}], delay_ms=5_000)
    assert await raw.exists(f"{ns}:app:x:") == 0
    assert await raw.zcard(f"{ns}:app:xd:") == 1
    assert await rp.stream.length(stream) == 1
