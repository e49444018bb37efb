"""Hash semantics (HSET/HSETNX/HGET/HMGET/HGETALL/HDEL/HINCRBY[FLOAT]/HSCAN), runtime.md 7.4."""

from __future__ import annotations

import asyncio

import pytest

from hotmesh_pg.errors import ProviderError

from .helpers import hash_key, job_key


@pytest.fixture(params=["job", "generic"])
def hkey(request, namespace):
    return job_key(namespace) if request.param == "job" else hash_key(namespace)


async def test_hset_counts_only_new_fields(providers, hkey):
    store = providers.store
    assert await store.hset(hkey, {"a": "1", "b": "2"}) == 2
    assert await store.hset(hkey, {"a": "9", "c": "3"}) == 1
    assert await store.hgetall(hkey) == {"a": "9", "b": "2", "c": "3"}


async def test_hsetnx_reports_created_or_not(providers, hkey):
    store = providers.store
    assert await store.hsetnx(hkey, ":", "1") is True
    assert await store.hsetnx(hkey, ":", "2") is False
    assert await store.hget(hkey, ":") == "1"


async def test_concurrent_hsetnx_has_exactly_one_winner(providers, namespace):
    key = job_key(namespace, "race")
    results = await asyncio.gather(*(providers.store.hsetnx(key, ":", str(i)) for i in range(20)))
    assert sorted(results) == [False] * 19 + [True]


async def test_reads_of_missing_keys(providers, hkey):
    store = providers.store
    assert await store.hgetall(hkey) == {}
    assert await store.hget(hkey, "x") is None
    assert await store.hmget(hkey, ["x", "y"]) == [None, None]


async def test_hmget_aligns_with_requested_fields(providers, hkey):
    store = providers.store
    await store.hset(hkey, {"a": "1", "c": "3"})
    assert await store.hmget(hkey, ["c", "b", "a", "c"]) == ["3", None, "1", "3"]


async def test_hdel_counts_existing_fields(providers, hkey):
    store = providers.store
    await store.hset(hkey, {"a": "1", "b": "2"})
    assert await store.hdel(hkey, ["a", "zz"]) == 1
    assert await store.hdel(hkey, ["a"]) == 0
    assert await store.hgetall(hkey) == {"b": "2"}


async def test_hdel_of_last_field_removes_the_key(providers, hkey):
    store = providers.store
    await store.hset(hkey, {"a": "1"})
    await store.hdel(hkey, ["a"])
    assert await store.exists(hkey) is False


async def test_hincrbyfloat_treats_absent_as_zero_and_renders_like_redis(providers, hkey):
    store = providers.store
    assert await store.hincrbyfloat(hkey, ":", 1) == 1
    assert await store.hincrbyfloat(hkey, ":", 2.5) == 3.5
    assert await store.hincrbyfloat(hkey, ":", -0.5) == 3.0
    assert await store.hget(hkey, ":") == "3"
    assert await store.hincrbyfloat(hkey, "f", 0.25) == 0.25
    assert await store.hget(hkey, "f") == "0.25"


async def test_hincrbyfloat_keeps_collation_integers_exact(providers, hkey):
    store = providers.store
    assert await store.hincrbyfloat(hkey, "c", 999000000000000) == 999000000000000
    value = await store.hincrbyfloat(hkey, "c", 1_000_000)
    assert int(value) == 999000001000000
    assert await store.hget(hkey, "c") == "999000001000000"


async def test_hincrby_returns_int(providers, hkey):
    store = providers.store
    assert await store.hincrby(hkey, ":cursor", 26) == 26
    result = await store.hincrby(hkey, ":cursor", 26)
    assert result == 52 and isinstance(result, int)


async def test_fifty_concurrent_increments_each_see_a_distinct_value(providers, hkey):
    store = providers.store
    results = await asyncio.gather(*(store.hincrbyfloat(hkey, "n", 1) for _ in range(50)))
    assert sorted(int(r) for r in results) == list(range(1, 51))
    assert await store.hget(hkey, "n") == "50"


async def test_hscan_matches_redis_globs(providers, hkey):
    store = providers.store
    await store.hset(hkey, {"_a": "1", "_b": "2", "-m": "3", "abc": "4", "abc,0,1": "5"})
    assert await store.hscan(hkey, "_*") == {"_a": "1", "_b": "2"}
    assert await store.hscan(hkey, "abc,*") == {"abc,0,1": "5"}
    assert await store.hscan(hkey, "[-_]?") == {"_a": "1", "_b": "2", "-m": "3"}
    assert len(await store.hscan(hkey, "*", limit=2)) == 2


async def test_any_unicode_round_trips_including_nul(providers, hkey):
    store = providers.store
    values = {
        "nul": "a\x00b",
        "only-nul": "\x00",
        "marker": "\x01\x02\x03\x01",
        "emoji": "job ☃ 🚀 ünï",
        "empty": "",
        "f\x00ield": "x",
    }
    assert await store.hset(hkey, values) == len(values)
    assert await store.hgetall(hkey) == values
    assert await store.hget(hkey, "f\x00ield") == "x"


async def test_an_increment_refused_by_the_stored_value_writes_nothing(providers, hkey):
    """HINCRBY on "0.5" / HINCRBYFLOAT on text: an error, and the field keeps its value."""
    store = providers.store
    await store.hset(hkey, {"f": "0.5", "t": "abc"})
    with pytest.raises(ProviderError):
        await store.hincrby(hkey, "f", 2)
    with pytest.raises(ProviderError):
        await store.hincrbyfloat(hkey, "t", 1)
    assert await store.hgetall(hkey) == {"f": "0.5", "t": "abc"}
