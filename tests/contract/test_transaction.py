"""MULTI/EXEC: queued writes apply all-or-nothing and return per-call results in order."""

from __future__ import annotations

import pytest

from hotmesh_pg.errors import ProviderError
from hotmesh_pg.keys import Key

from .helpers import APP, eventually, hash_key, id_order, job_key, list_key


async def test_exec_returns_each_result_in_order(providers, namespace):
    store = providers.store
    job, lst = job_key(namespace), list_key(namespace)
    tx = store.transaction()
    tx.hsetnx(job, ":", "1").hset(job, {"a": "1", "b": "2"}).hincrbyfloat(job, ":", 2)
    tx.rpush(lst, ["x", "y"]).hdel(job, ["b"]).hincrby(job, "n", 3)
    assert await tx.exec() == [True, 2, 3, 2, 1, 3]
    assert await store.hgetall(job) == {":": "3", "a": "1", "n": "3"}


async def test_last_status_update_result_is_the_final_value(providers, namespace):
    job = job_key(namespace)
    tx = providers.store.transaction()
    tx.hincrbyfloat(job, ":", 5).hincrbyfloat(job, "c", 1).hincrbyfloat(job, ":", -2)
    results = await tx.exec()
    assert results[-1] == 3


async def test_nothing_is_visible_before_exec(providers, namespace):
    store = providers.store
    key = hash_key(namespace)
    stream = Key.stream(namespace, APP, "topic")
    tx = store.transaction()
    tx.hset(key, {"a": "1"}).xadd(stream, {"n": 1})
    assert await store.hgetall(key) == {}
    assert await providers.stream.length(stream) == 0
    await tx.exec()
    assert await store.hgetall(key) == {"a": "1"}
    assert await providers.stream.length(stream) == 1


async def test_discarded_transaction_writes_nothing(providers, namespace):
    key = hash_key(namespace)
    tx = providers.store.transaction()
    tx.hset(key, {"a": "1"})
    del tx
    assert await providers.store.hgetall(key) == {}


async def test_failure_rolls_back_everything(providers, namespace):
    store = providers.store
    key = hash_key(namespace)
    stream = Key.stream(namespace, APP)
    tx = store.transaction()
    tx.hset(key, {"a": "1"}).xadd(stream, {"n": 1})
    tx.hset(key, {"bad": "not-a-number"})
    tx.hincrby(key, "bad", 1)
    with pytest.raises(ProviderError):
        await tx.exec()
    assert await store.hgetall(key) == {}
    assert await providers.stream.length(stream) == 0


async def test_transaction_executes_once(providers, namespace):
    tx = providers.store.transaction()
    tx.hset(hash_key(namespace), {"a": "1"})
    await tx.exec()
    with pytest.raises(ProviderError):
        await tx.exec()


async def test_xadd_and_xack_inside_a_transaction(providers, namespace):
    stream = Key.stream(namespace, APP)
    await providers.stream.create_group(stream, "ENGINE")
    tx = providers.store.transaction()
    tx.xadd(stream, {"a": 1}).xadd(stream, {"b": 2}).xlen(stream)
    first, second, length = await tx.exec()
    assert id_order(first) < id_order(second) and length == 2
    claimed = await providers.stream.consume(stream, "ENGINE", "c1", count=10)
    assert [m.data for m in claimed] == [{"a": 1}, {"b": 2}]
    tx = providers.store.transaction()
    tx.xack(stream, "ENGINE", [first, second]).xlen(stream)
    assert await tx.exec() == [2, 0]


async def test_publish_in_transaction_is_sent_only_on_commit(providers, namespace):
    got: list[tuple[str, dict]] = []
    channel = f"{namespace}:{APP}:q:"
    await providers.sub.subscribe(channel, lambda ch, msg: got.append((ch, msg)))
    tx = providers.store.transaction()
    tx.publish(channel, {"type": "ping"})
    tx.hset(hash_key(namespace), {"a": "1"})
    await tx.exec()
    await eventually(lambda: len(got) == 1)
    assert got == [(channel, {"type": "ping"})]


async def test_unserialisable_xadd_fails_when_queued_and_writes_nothing(providers, namespace):
    stream = Key.stream(namespace, APP)
    tx = providers.store.transaction()
    tx.hset(hash_key(namespace), {"a": "1"})
    with pytest.raises(ProviderError):
        tx.xadd(stream, {"bad": object()})
    assert await providers.stream.length(stream) == 0
    assert await providers.store.hgetall(hash_key(namespace)) == {}


async def test_an_increment_refused_by_the_stored_value_aborts_the_transaction(
    providers, namespace
):
    """Found by the differential test: Postgres used to commit the rest of the transaction."""
    store = providers.store
    job, lst = job_key(namespace), list_key(namespace)
    await store.hincrbyfloat(job, ":", 0.5)
    tx = store.transaction()
    tx.rpush(lst, ["0"]).hincrby(job, ":", 0)
    with pytest.raises(ProviderError):
        await tx.exec()
    assert await store.lrange(lst, 0, -1) == []
    assert await store.hget(job, ":") == "0.5"


async def test_on_commit_runs_after_the_writes_and_holds_a_none_result(providers, namespace):
    store = providers.store
    job = job_key(namespace)
    seen: list[dict[str, str]] = []
    ran: list[str] = []
    tx = store.transaction()
    tx.hset(job, {"a": "1"}).on_commit(lambda: ran.append("after")).hincrby(job, "n", 2)
    assert ran == []
    assert await tx.exec() == [1, None, 2]
    assert ran == ["after"]
    seen.append(await store.hgetall(job))
    assert seen == [{"a": "1", "n": "2"}]


async def test_on_commit_never_runs_when_the_transaction_fails(providers, namespace):
    store = providers.store
    job = job_key(namespace)
    await store.hset(job, {"text": "abc"})
    ran: list[str] = []
    tx = store.transaction()
    tx.on_commit(lambda: ran.append("after")).hincrby(job, "text", 1)
    with pytest.raises(ProviderError):
        await tx.exec()
    assert ran == []


@pytest.mark.parametrize("kind", ["job", "generic"])
async def test_hdel_of_the_last_field_in_a_transaction_removes_the_key(
    providers, namespace, kind
):
    """Found by the differential test: on Postgres a job emptied inside a transaction kept
    its row, so a later DEL counted it (1) where Redis had already dropped the key (0)."""
    store = providers.store
    key = job_key(namespace) if kind == "job" else hash_key(namespace)
    await store.hincrbyfloat(key, ":", 0.5)
    tx = store.transaction()
    tx.hdel(key, [":"])
    assert await tx.exec() == [1]
    assert await store.exists(key) is False
    assert await store.delete(key) == 0
