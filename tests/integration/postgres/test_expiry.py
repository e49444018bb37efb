"""Expiry on the Postgres provider, driven by a ManualClock (runtime.md 7.8 #2-#3)."""

from __future__ import annotations

import pytest

from hotmesh_pg.clock import ManualClock
from hotmesh_pg.connection import connect
from hotmesh_pg.keys import Key, KeyType


@pytest.fixture
async def pg(postgres_dsn, pg_schema):
    clock = ManualClock()
    providers = await connect(postgres_dsn, schema=pg_schema, clock=clock)
    yield providers, clock
    await providers.close()


async def test_expired_job_reads_as_absent(pg):
    providers, clock = pg
    store = providers.store
    job = Key.job("ns", "app", "j1")
    assert await store.hsetnx(job, ":", "1")
    await store.hset(job, {"a": "x"})
    await store.expire(job, 10)
    clock.advance(9_999)
    assert await store.hgetall(job) == {":": "1", "a": "x"}
    clock.advance(1)
    assert await store.hgetall(job) == {}
    assert await store.hget(job, "a") is None
    assert await store.exists(job) is False
    assert await store.scan_jobs("ns", "app") == []


async def test_late_writes_never_resurrect_an_expired_job(pg):
    providers, clock = pg
    store = providers.store
    job = Key.job("ns", "app", "j1")
    await store.hsetnx(job, ":", "1")
    await store.expire(job, 1)
    clock.advance(1000)
    assert await store.hincrbyfloat(job, "c", 1_000_000) == 1_000_000
    assert await store.hset(job, {"late": "1"}) == 0
    assert await store.hsetnx(job, "other", "1") is False
    tx = store.transaction()
    tx.hset(job, {"late2": "1"}).hincrbyfloat(job, ":", -1)
    await tx.exec()
    assert await store.hgetall(job) == {}


async def test_expired_job_id_can_be_created_again_without_old_fields(pg):
    providers, clock = pg
    store = providers.store
    job = Key.job("ns", "app", "j1")
    await store.hsetnx(job, ":", "1")
    await store.hset(job, {"old": "x"})
    await store.expire(job, 1)
    assert await store.hsetnx(job, ":", "1") is False
    clock.advance(1000)
    assert await store.hsetnx(job, ":", "7") is True
    assert await store.hgetall(job) == {":": "7"}
    await store.hset(job, {"new": "y"})
    clock.advance(100_000)
    assert await store.hgetall(job) == {":": "7", "new": "y"}, "the new incarnation has no TTL"


async def test_generic_key_expiry_and_fresh_rewrite(pg):
    providers, clock = pg
    store = providers.store
    h = Key(KeyType.JOB_STATS_GENERAL, "ns", "app", "s1")
    await store.hset(h, {"count": "1"})
    await store.expire(h, 5)
    clock.advance(5000)
    assert await store.hgetall(h) == {}
    assert await store.hincrbyfloat(h, "count", 1) == 1
    clock.advance(100_000)
    assert await store.hgetall(h) == {"count": "1"}


async def test_set_nx_lock_is_free_again_after_its_ttl(pg):
    providers, clock = pg
    store = providers.store
    lock = Key(KeyType.LOCK, "ns", "app", "time")
    assert await store.set_nx(lock, "a", ttl_s=30)
    clock.advance(29_999)
    assert not await store.set_nx(lock, "b", ttl_s=30)
    clock.advance(1)
    assert await store.get(lock) is None
    assert await store.set_nx(lock, "b", ttl_s=30)
    assert await store.get(lock) == "b"


async def test_expired_list_and_zset_read_empty(pg):
    providers, clock = pg
    store = providers.store
    lst = Key(KeyType.JOB_STATS_INDEX, "ns", "app", "s1", "p:v")
    z = Key(KeyType.WORK_ITEMS, "ns", "app")
    await store.rpush(lst, ["a"])
    await store.zadd(z, {"m": 1})
    await store.expire(lst, 1)
    await store.expire(z, 1)
    clock.advance(1000)
    assert await store.lrange(lst, 0, -1) == []
    assert await store.zrange(z, 0, -1) == []
    assert await store.rpush(lst, ["b"]) == 1


async def test_prune_deletes_only_long_expired_rows(pg, postgres_dsn, pg_schema):
    import psycopg
    from psycopg import sql

    from hotmesh_pg.providers.postgres.maintenance import prune

    providers, clock = pg
    store = providers.store
    old, live = Key.job("ns", "app", "old"), Key.job("ns", "app", "live")
    h = Key(KeyType.JOB_STATS_GENERAL, "ns", "app", "s1")
    await store.hsetnx(old, ":", "1")
    await store.hsetnx(live, ":", "1")
    await store.hset(h, {"count": "1"})
    await store.expire(old, 1)
    await store.expire(h, 1)
    clock.advance(2000)
    shared = providers.shared
    await prune(shared.pool, shared.queries, clock=clock, job_retention_s=60)
    with psycopg.connect(postgres_dsn) as conn:
        jobs = {r[0] for r in conn.execute(sql.SQL("SELECT jid FROM {}.jobs").format(
            sql.Identifier(pg_schema)))}
        keys = conn.execute(sql.SQL("SELECT count(*) FROM {}.kv_keys").format(
            sql.Identifier(pg_schema))).fetchone()
    assert jobs == {"old", "live"}, "a recently expired job stays as a tombstone"
    assert keys == (0,)
    clock.advance(60_000)
    await prune(shared.pool, shared.queries, clock=clock, job_retention_s=60)
    with psycopg.connect(postgres_dsn) as conn:
        jobs = {r[0] for r in conn.execute(sql.SQL("SELECT jid FROM {}.jobs").format(
            sql.Identifier(pg_schema)))}
    assert jobs == {"live"}
    assert await store.hgetall(live) == {":": "1"}
