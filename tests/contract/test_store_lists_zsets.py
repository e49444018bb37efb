"""Lists (RPUSH/LPOP/LRANGE/LMOVE/RENAME) and sorted sets (ZADD/ZRANGE/ZRANGEBYSCORE/ZREM)."""

from __future__ import annotations

import asyncio

import pytest

from .helpers import list_key, zset_key


async def test_rpush_returns_new_length(providers, namespace):
    key = list_key(namespace)
    assert await providers.store.rpush(key, ["a"]) == 1
    assert await providers.store.rpush(key, ["b", "c"]) == 3


async def test_lpop_takes_the_head_and_empty_list_ceases_to_exist(providers, namespace):
    store = providers.store
    key = list_key(namespace)
    assert await store.lpop(key) is None
    await store.rpush(key, ["a", "b"])
    assert await store.lpop(key) == "a"
    assert await store.lpop(key) == "b"
    assert await store.lpop(key) is None
    assert await store.exists(key) is False


@pytest.mark.parametrize(("start", "stop", "expected"), [
    (0, -1, ["a", "b", "c", "d"]),
    (1, 2, ["b", "c"]),
    (-2, -1, ["c", "d"]),
    (-100, 1, ["a", "b"]),
    (2, 100, ["c", "d"]),
    (3, 1, []),
    (5, 10, []),
    (0, 0, ["a"]),
])
async def test_lrange_inclusive_with_negative_indexes(providers, namespace, start, stop, expected):
    key = list_key(namespace)
    await providers.store.rpush(key, ["a", "b", "c", "d"])
    assert await providers.store.lrange(key, start, stop) == expected


async def test_lrange_of_missing_list_is_empty(providers, namespace):
    assert await providers.store.lrange(list_key(namespace, "none"), 0, -1) == []


async def test_lmove_pops_head_and_appends(providers, namespace):
    store = providers.store
    src, dst = list_key(namespace, "src"), list_key(namespace, "dst")
    await store.rpush(src, ["a", "b"])
    await store.rpush(dst, ["z"])
    assert await store.lmove(src, dst) == "a"
    assert await store.lrange(src, 0, -1) == ["b"]
    assert await store.lrange(dst, 0, -1) == ["z", "a"]
    assert await store.lmove(src, dst) == "b"
    assert await store.lmove(src, dst) is None
    assert await store.exists(src) is False


async def test_concurrent_lpop_never_returns_an_item_twice(providers, namespace):
    store = providers.store
    key = list_key(namespace)
    await store.rpush(key, [str(i) for i in range(20)])
    popped = await asyncio.gather(*(store.lpop(key) for _ in range(25)))
    items = [p for p in popped if p is not None]
    assert sorted(items, key=int) == [str(i) for i in range(20)]


async def test_rename_overwrites_destination(providers, namespace):
    store = providers.store
    src, dst = list_key(namespace, "src"), list_key(namespace, "dst")
    await store.rpush(src, ["a", "b"])
    await store.rpush(dst, ["old"])
    await store.rename(src, dst)
    assert await store.exists(src) is False
    assert await store.lrange(dst, 0, -1) == ["a", "b"]


async def test_zadd_counts_new_members_only(providers, namespace):
    store = providers.store
    key = zset_key(namespace)
    assert await store.zadd(key, {"a": 1, "b": 2}) == 2
    assert await store.zadd(key, {"a": 5, "c": 3}) == 1
    assert await store.zrange(key, 0, -1) == [("b", 2.0), ("c", 3.0), ("a", 5.0)]


async def test_zadd_nx_never_updates(providers, namespace):
    store = providers.store
    key = zset_key(namespace)
    assert await store.zadd(key, {"a": 1}, nx=True) == 1
    assert await store.zadd(key, {"a": 9, "b": 2}, nx=True) == 1
    assert await store.zrange(key, 0, -1) == [("a", 1.0), ("b", 2.0)]


async def test_zrange_orders_by_score_then_member_bytes(providers, namespace):
    store = providers.store
    key = zset_key(namespace)
    await store.zadd(key, {"b": 1, "a": 1, "B": 1, "é": 1, "z": 0})
    assert [m for m, _ in await store.zrange(key, 0, -1)] == ["z", "B", "a", "b", "é"]
    assert await store.zrange(key, 0, 0) == [("z", 0.0)]
    assert [m for m, _ in await store.zrange(key, -2, -1)] == ["b", "é"]


async def test_zrangebyscore_is_inclusive_and_ordered(providers, namespace):
    store = providers.store
    key = zset_key(namespace)
    await store.zadd(key, {"a": 10, "b": 20, "c": 30, "d": 20})
    assert await store.zrangebyscore(key, 20, 30) == [("b", 20.0), ("d", 20.0), ("c", 30.0)]
    assert await store.zrangebyscore(key, 31, 40) == []


async def test_zrem_is_a_mutual_exclusion_token(providers, namespace):
    store = providers.store
    key = zset_key(namespace)
    await store.zadd(key, {"task": 1, "other": 2})
    results = await asyncio.gather(*(store.zrem(key, ["task"]) for _ in range(10)))
    assert sorted(results) == [0] * 9 + [1]
    assert await store.zrange(key, 0, -1) == [("other", 2.0)]
