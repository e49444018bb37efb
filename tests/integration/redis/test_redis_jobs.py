"""Job hashes: created only by HSETNX, never resurrected by a late write after expiry."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from hotmesh_pg.keys import Key
from hotmesh_pg.providers.protocols import Providers


async def _expire_soon(rp: Providers, job: Key) -> None:
    """Give the job a tiny TTL and wait (on Redis's own clock) until it is gone."""
    assert await rp.store.expire(job, 0.02) is True
    async with asyncio.timeout(10):
        while await rp.store.exists(job):
            await asyncio.sleep(0.01)


async def test_late_writes_to_an_expired_job_do_not_recreate_it(
    rp: Providers, raw: aioredis.Redis, ns: str
) -> None:
    job = Key.job(ns, "app", "j1")
    await rp.store.hsetnx(job, ":", "1")
    await rp.store.hset(job, {"abc": "v"})
    await _expire_soon(rp, job)

    assert await rp.store.hset(job, {"abc": "late"}) == 0
    assert await rp.store.hincrbyfloat(job, ":", -1) == -1.0
    assert await rp.store.hincrby(job, "n", 3) == 3
    assert await rp.store.hsetnx(job, "abc", "late") is False
    tx = rp.store.transaction()
    tx.hset(job, {"abc": "late"}).hincrbyfloat(job, "col", 1_000_000).hincrby(job, "n", 1)
    assert await tx.exec() == [0, 1_000_000.0, 1]

    assert await raw.exists(f"{ns}:app:j:j1") == 0
    assert await rp.store.hgetall(job) == {}
    assert await raw.exists(f"{ns}:app:jx:j1") == 1  # the tombstone that said no


async def test_an_expired_job_id_can_be_created_again_fresh(
    rp: Providers, raw: aioredis.Redis, ns: str
) -> None:
    job = Key.job(ns, "app", "j2")
    assert await rp.store.hsetnx(job, ":", "1") is True
    await rp.store.hset(job, {"old": "x"})
    assert await rp.store.expire(job, 60) is True
    assert await rp.store.hsetnx(job, ":", "1") is False  # still alive
    await _expire_soon(rp, job)
    assert await rp.store.hsetnx(job, ":", "1") is True
    assert await rp.store.hgetall(job) == {":": "1"}
    assert await raw.exists(f"{ns}:app:jx:j2") == 0
    assert await rp.store.hset(job, {"new": "y"}) == 1


async def test_a_deleted_or_never_created_job_takes_writes_like_any_hash(
    rp: Providers, ns: str
) -> None:
    fresh = Key.job(ns, "app", "fresh")
    assert await rp.store.hset(fresh, {"a": "1"}) == 1
    assert await rp.store.hgetall(fresh) == {"a": "1"}

    scrubbed = Key.job(ns, "app", "scrubbed")
    await rp.store.hsetnx(scrubbed, ":", "1")
    await rp.store.expire(scrubbed, 60)
    assert await rp.store.delete(scrubbed) == 1
    assert await rp.store.hincrbyfloat(scrubbed, ":", 2) == 2.0
    assert await rp.store.hgetall(scrubbed) == {":": "2"}

    zeroed = Key.job(ns, "app", "zeroed")
    await rp.store.hsetnx(zeroed, ":", "1")
    await rp.store.expire(zeroed, 60)
    assert await rp.store.expire(zeroed, 0) is True
    assert await rp.store.exists(zeroed) is False
    assert await rp.store.hset(zeroed, {"b": "2"}) == 1


async def test_writes_to_a_live_job_with_a_ttl_keep_the_ttl(
    rp: Providers, raw: aioredis.Redis, ns: str
) -> None:
    job = Key.job(ns, "app", "j3")
    await rp.store.hsetnx(job, ":", "1")
    await rp.store.expire(job, 60)
    await rp.store.hset(job, {"a": "1"})
    await rp.store.hincrbyfloat(job, ":", 1)
    assert 0 < await raw.ttl(f"{ns}:app:j:j3") <= 60


async def test_one_of_many_concurrent_creators_wins(rp: Providers, ns: str) -> None:
    job = Key.job(ns, "app", "race")
    results = await asyncio.gather(*(rp.store.hsetnx(job, ":", "1") for _ in range(20)))
    assert results.count(True) == 1


async def test_large_job_writes_exceed_lua_stack_limits(rp: Providers, ns: str) -> None:
    job = Key.job(ns, "app", "big")
    await rp.store.hsetnx(job, ":", "1")
    fields = {f"f{i}": str(i) for i in range(9_000)}
    assert await rp.store.hset(job, fields) == 9_000
    assert len(await rp.store.hgetall(job)) == 9_001
