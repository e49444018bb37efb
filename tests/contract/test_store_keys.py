"""Key-level commands (EXISTS/DEL/EXPIRE/SCAN), strings (SET NX EX/GET), runtime.md 7.4."""

from __future__ import annotations

import pytest

from hotmesh_pg.errors import ProviderError
from hotmesh_pg.keys import Key

from .helpers import APP, hash_key, job_key, list_key, lock_key, zset_key


async def test_exists_and_delete_count_existing_keys(providers, namespace):
    store = providers.store
    job, h = job_key(namespace), hash_key(namespace)
    lst, z = list_key(namespace), zset_key(namespace)
    await store.hset(job, {":": "1"})
    await store.hset(h, {"a": "1"})
    await store.rpush(lst, ["x"])
    await store.zadd(z, {"m": 1})
    for key in (job, h, lst, z):
        assert await store.exists(key) is True
    assert await store.delete(job, h, lst, z, hash_key(namespace, "missing")) == 4
    for key in (job, h, lst, z):
        assert await store.exists(key) is False
    assert await store.delete(job) == 0


async def test_expire_missing_key_is_false(providers, namespace):
    assert await providers.store.expire(hash_key(namespace, "nope"), 10) is False
    assert await providers.store.expire(job_key(namespace, "nope"), 10) is False


@pytest.mark.parametrize("seconds", [0, -1])
async def test_expire_non_positive_deletes_at_once(providers, namespace, seconds):
    store = providers.store
    for key in (job_key(namespace), hash_key(namespace)):
        await store.hset(key, {"a": "1"})
        assert await store.expire(key, seconds) is True
        assert await store.exists(key) is False
        assert await store.hgetall(key) == {}


async def test_expire_with_future_ttl_keeps_key_readable(providers, namespace):
    store = providers.store
    key = job_key(namespace)
    await store.hset(key, {"a": "1"})
    assert await store.expire(key, 60) is True
    assert await store.hgetall(key) == {"a": "1"}


async def test_scan_jobs_filters_by_glob(providers, namespace):
    store = providers.store
    for jid in ("order-1", "order-2", "order-10", "invoice-1"):
        await store.hsetnx(Key.job(namespace, APP, jid), ":", "1")
    await store.hsetnx(Key.job(namespace, "other", "order-3"), ":", "1")
    assert sorted(await store.scan_jobs(namespace, APP, "order-?")) == ["order-1", "order-2"]
    assert sorted(await store.scan_jobs(namespace, APP)) == [
        "invoice-1", "order-1", "order-10", "order-2"]
    assert len(await store.scan_jobs(namespace, APP, "*", limit=3)) == 3


async def test_scan_jobs_skips_a_job_emptied_of_its_fields(providers, namespace):
    """Found by the differential test: Redis drops a hash with its last field, so SCAN no
    longer lists it; the Postgres job row stayed and was listed."""
    store = providers.store
    tx = store.transaction()
    tx.hset(Key.job(namespace, APP, "j0"), {"_s": "0"})
    await tx.exec()
    await store.hsetnx(Key.job(namespace, APP, "j1"), ":", "1")
    await store.hdel(Key.job(namespace, APP, "j0"), ["_s"])
    assert await store.scan_jobs(namespace, APP, "*") == ["j1"]


async def test_set_nx_succeeds_only_when_absent(providers, namespace):
    store = providers.store
    key = lock_key(namespace)
    assert await store.set_nx(key, "time:1", ttl_s=30) is True
    assert await store.set_nx(key, "time:2", ttl_s=30) is False
    assert await store.get(key) == "time:1"
    assert await store.delete(key) == 1
    assert await store.get(key) is None
    assert await store.set_nx(key, "time:3") is True
    assert await store.set_nx(key, "time:4", ttl_s=5) is False  # a non-expiring value holds


async def test_rename_of_missing_key_raises(providers, namespace):
    with pytest.raises(ProviderError):
        await providers.store.rename(list_key(namespace, "nope"), list_key(namespace, "dst"))
