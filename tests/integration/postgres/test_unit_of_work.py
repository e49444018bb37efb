"""Units of work (``Store.atomically``) on Postgres: one transaction for reads and writes.

An engine step runs as one unit, so these pin what the engine relies on: one commit for
everything the unit does, nothing visible before it commits, nothing at all if it raises,
in-process hand-offs only after commit, and a deadlock answered by running the unit again.
"""

from __future__ import annotations

import asyncio
import json

import psycopg
import pytest

from hotmesh_pg.errors import ProviderError
from hotmesh_pg.keys import Key
from hotmesh_pg.providers.postgres import open_providers


@pytest.fixture
async def pg(postgres_dsn, pg_schema):
    providers = await open_providers(postgres_dsn, schema=pg_schema)
    yield providers
    await providers.close()


def _executor(pg):  # the executor behind the store counts the transactions it ends
    return pg.store._x


async def _field_outside(dsn: str, schema: str, jid: str, field: str) -> str | None:
    """Read a job field on a connection of its own (what another process sees)."""
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        cur = await conn.execute(
            f'SELECT f.value FROM "{schema}".jobs j JOIN "{schema}".job_fields f '
            "ON f.job_id = j.id WHERE j.jid = %s AND f.field = %s", (jid, field))
        row = await cur.fetchone()
    return None if row is None else str(row[0])


async def test_reads_and_writes_of_a_unit_commit_once_and_together(pg, postgres_dsn, pg_schema):
    job, stream = Key.job("ns", "app", "j1"), Key.stream("ns", "app", "t")
    await pg.store.hset(job, {"a": "1"})
    seen_outside: list[str | None] = []

    async def unit() -> float:
        assert await pg.store.hget(job, "a") == "1"
        value = await pg.store.hincrbyfloat(job, "n", 5)
        tx = pg.store.transaction()
        tx.hset(job, {"b": "2"}).xadd(stream, {"m": 1})
        await tx.exec()
        assert await pg.store.hget(job, "b") == "2"  # the unit sees its own writes
        seen_outside.append(await _field_outside(postgres_dsn, pg_schema, "j1", "b"))
        return value

    before = _executor(pg).commits
    assert await pg.store.atomically(unit) == 5
    assert _executor(pg).commits - before == 1
    assert seen_outside == [None]  # nobody else saw the write before the commit
    assert await _field_outside(postgres_dsn, pg_schema, "j1", "b") == "2"
    assert await pg.stream.length(stream) == 1


async def test_a_unit_that_raises_writes_nothing(pg, postgres_dsn, pg_schema):
    job, stream = Key.job("ns", "app", "j2"), Key.stream("ns", "app", "t2")

    async def unit() -> None:
        await pg.store.hset(job, {"a": "1"})
        await pg.stream.publish(stream, [{"m": 1}])
        raise RuntimeError("the step was refused")

    with pytest.raises(RuntimeError):
        await pg.store.atomically(unit)
    assert await pg.store.hgetall(job) == {}
    assert await pg.stream.length(stream) == 0


async def test_a_nested_unit_joins_the_outer_one(pg):
    job = Key.job("ns", "app", "j3")

    async def inner() -> None:
        await pg.store.hset(job, {"inner": "1"})

    async def outer() -> None:
        await pg.store.atomically(inner)
        raise RuntimeError("outer fails after inner returned")

    with pytest.raises(RuntimeError):
        await pg.store.atomically(outer)
    assert await pg.store.hgetall(job) == {}


async def test_a_swallowed_database_error_cannot_commit(pg):
    job = Key.job("ns", "app", "j4")
    await pg.store.hset(job, {"text": "abc"})

    async def unit() -> None:
        await pg.store.hset(job, {"other": "1"})
        with pytest.raises(ProviderError):
            await pg.store.hincrby(job, "text", 1)  # not an integer: aborts the transaction

    with pytest.raises(ProviderError, match="aborted"):
        await pg.store.atomically(unit)
    assert await pg.store.hgetall(job) == {"text": "abc"}


async def test_hand_off_to_a_waiting_consumer_happens_only_after_commit(pg):
    stream = Key.stream("ns", "app", "h")
    consumer = asyncio.create_task(pg.stream.consume(stream, "G", "c1", block_ms=20_000))
    listener = pg.shared.listener
    while not listener.handoffs._waiting.get(stream.render()):
        await asyncio.sleep(0.01)
    appended = asyncio.Event()
    proceed = asyncio.Event()

    async def unit() -> None:
        await pg.stream.publish(stream, [{"m": "handed"}])
        appended.set()
        await proceed.wait()

    task = asyncio.create_task(pg.store.atomically(unit))
    await appended.wait()
    await asyncio.sleep(0.05)
    assert not consumer.done()  # promised, but not delivered before the commit
    proceed.set()
    await task
    got = await asyncio.wait_for(consumer, 20)
    assert [m.data for m in got] == [{"m": "handed"}]


async def test_a_rolled_back_hand_off_leaves_the_consumer_waiting_for_more(pg):
    stream = Key.stream("ns", "app", "h2")
    consumer = asyncio.create_task(pg.stream.consume(stream, "G", "c1", block_ms=20_000))
    listener = pg.shared.listener
    while not listener.handoffs._waiting.get(stream.render()):
        await asyncio.sleep(0.01)

    async def unit() -> None:
        await pg.stream.publish(stream, [{"m": "lost"}])
        raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await pg.store.atomically(unit)
    await pg.stream.publish(stream, [{"m": "kept"}])
    got = await asyncio.wait_for(consumer, 20)
    assert [m.data for m in got] == [{"m": "kept"}]


async def test_a_deadlocked_unit_runs_again_from_the_start(pg):
    a, b = Key.job("ns", "app", "da"), Key.job("ns", "app", "db")
    await pg.store.hset(a, {"n": "0"})
    await pg.store.hset(b, {"n": "0"})
    first_locked = [asyncio.Event(), asyncio.Event()]
    runs = [0, 0]

    def unit(me: int, first: Key, second: Key):
        async def run() -> None:
            runs[me] += 1
            await pg.store.hincrby(first, "n", 1)
            if runs[me] == 1:
                first_locked[me].set()
                await first_locked[1 - me].wait()  # both hold their first row: a cycle
            await pg.store.hincrby(second, "n", 1)
        return run

    await asyncio.gather(pg.store.atomically(unit(0, a, b)), pg.store.atomically(unit(1, b, a)))
    assert sorted(runs) == [1, 2]  # Postgres broke the cycle; the victim ran again
    assert await pg.store.hget(a, "n") == "2"
    assert await pg.store.hget(b, "n") == "2"


async def test_appends_notify_only_streams_another_process_consumes(pg, postgres_dsn):
    """No NOTIFY (and so no reading transaction in every listener) for a stream nobody
    elsewhere waits on; one as soon as another process announces a consumer of it."""
    listener = pg.shared.listener
    await listener.start()
    listener._quiet_from = 0.0  # past the hello grace period
    mine, theirs = Key.stream("ns", "app", "mine"), Key.stream("ns", "app", "theirs")
    conn = await psycopg.AsyncConnection.connect(postgres_dsn, autocommit=True)
    try:
        await conn.execute(psycopg.sql.SQL("LISTEN {}").format(
            psycopg.sql.Identifier(listener.stream_channel)))
        # another process announces a consumer of `theirs`
        await conn.execute("SELECT pg_notify(%s, %s)", (
            listener.presence_channel, json.dumps({"t": "elsewhere", "w": theirs.render()})))
        while listener.needs_notify(theirs.render()) is False:
            await asyncio.sleep(0.01)
        await pg.stream.publish(mine, [{"n": 1}])
        await pg.stream.publish(theirs, [{"n": 2}])
        notes = [n.payload async for n in conn.notifies(timeout=1.0)]
    finally:
        await conn.close()
    assert notes == [theirs.render()]
    assert not listener.needs_notify(mine.render())


async def test_submitted_writes_apply_with_the_units_commit(pg, postgres_dsn, pg_schema):
    job = Key.job("ns", "app", "s1")
    seen_inside: list[str | None] = []

    async def unit() -> None:
        tx = pg.store.transaction()
        tx.hset(job, {"a": "1"})
        await tx.submit()
        seen_inside.append(await pg.store.hget(job, "a"))  # sent ahead of this read

    await pg.store.atomically(unit)
    assert seen_inside == ["1"]
    assert await _field_outside(postgres_dsn, pg_schema, "s1", "a") == "1"
    tx = pg.store.transaction()
    tx.hset(job, {"b": "2"})
    await tx.submit()  # outside a unit: applied at once
    assert await _field_outside(postgres_dsn, pg_schema, "s1", "b") == "2"


async def test_a_submitted_write_that_fails_at_commit_rolls_the_unit_back(pg):
    job = Key.job("ns", "app", "s2")
    await pg.store.hset(job, {"text": "abc"})

    async def unit() -> None:
        await pg.store.hset(job, {"other": "1"})
        tx = pg.store.transaction()
        tx.hincrby(job, "text", 1)  # refused by the database, but only at COMMIT time
        await tx.submit()

    with pytest.raises(ProviderError):
        await pg.store.atomically(unit)
    assert await pg.store.hgetall(job) == {"text": "abc"}
