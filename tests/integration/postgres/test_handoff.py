"""Stream hand-off: an entry appended while a consumer of this process waits goes to it
directly (already delivered in the row, no claim), and never gets lost on the way."""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from hotmesh_pg.keys import Key
from hotmesh_pg.providers.postgres import open_providers
from hotmesh_pg.providers.postgres.handoff import Waiter

from .helpers import eventually


@pytest.fixture
async def pg(postgres_dsn, pg_schema):
    providers = await open_providers(postgres_dsn, schema=pg_schema)
    yield providers
    await providers.close()


def _waiting(pg, stream: Key) -> list[Waiter]:
    return list(pg.shared.listener.handoffs._waiting.get(stream.render(), ()))


async def _row(dsn: str, schema: str, entry_id: str) -> tuple:
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        cur = await conn.execute(
            f'SELECT reserved_by, deliveries FROM "{schema}".streams WHERE id = %s',
            (int(entry_id),))
        return await cur.fetchone()


async def test_waiting_consumer_receives_entry_already_delivered_to_it(
    pg, postgres_dsn, pg_schema
):
    stream = Key.stream("ns", "app", "handed")
    consumer = asyncio.ensure_future(pg.stream.consume(stream, "G", "c1", 5, 20_000))
    await eventually(lambda: _waiting(pg, stream))
    tx = pg.store.transaction()
    tx.xadd(stream, {"n": 1})
    tx.xadd(stream, {"n": 2})
    first, second = await tx.exec()
    got = await asyncio.wait_for(consumer, 20)
    assert [(m.id, m.data, m.deliveries) for m in got] == [
        (first, {"n": 1}, 1), (second, {"n": 2}, 1)]
    assert await _row(postgres_dsn, pg_schema, first) == ("c1", 1)
    pending = await pg.stream.pending(stream, "G", 10)
    assert [(p.id, p.consumer, p.deliveries) for p in pending] == [
        (first, "c1", 1), (second, "c1", 1)]
    assert await pg.stream.ack(stream, "G", [first, second]) == 2
    assert await pg.stream.length(stream) == 0


async def test_waiting_consumer_is_offered_no_more_than_it_asked_for(pg):
    stream = Key.stream("ns", "app", "capped")
    consumer = asyncio.ensure_future(pg.stream.consume(stream, "G", "c1", 1, 20_000))
    await eventually(lambda: _waiting(pg, stream))
    ids = await pg.stream.publish(stream, [{"n": 1}, {"n": 2}, {"n": 3}])
    got = await asyncio.wait_for(consumer, 20)
    assert [m.id for m in got] == ids[:1]
    rest = await pg.stream.consume(stream, "G", "c2", 10, 0)
    assert [(m.id, m.deliveries) for m in rest] == [(i, 1) for i in ids[1:]]


async def test_delayed_entries_are_not_handed_off(pg):
    stream = Key.stream("ns", "app", "later")
    consumer = asyncio.ensure_future(pg.stream.consume(stream, "G", "c1", 5, 300))
    await eventually(lambda: _waiting(pg, stream))
    await pg.stream.publish(stream, [{"n": 1}], delay_ms=60_000)
    assert await asyncio.wait_for(consumer, 20) == []
    assert await pg.stream.length(stream) == 1
    assert await pg.stream.pending(stream, "G", 10) == []


async def test_entry_promised_to_a_call_that_is_gone_returns_to_the_stream(pg):
    stream = Key.stream("ns", "app", "stranded")
    handoffs = pg.shared.listener.handoffs
    gone = Waiter("gone", 5)
    handoffs.register(stream.render(), gone)
    gone.close()  # cancelled after the reservation was made, before the commit
    try:
        (entry_id,) = await pg.stream.publish(stream, [{"n": 1}])
    finally:
        handoffs.unregister(stream.render(), gone)
    got = await pg.stream.consume(stream, "G", "c2", 5, 20_000)
    assert [(m.id, m.data, m.deliveries) for m in got] == [(entry_id, {"n": 1}, 1)]


async def test_cancelled_consumer_leaves_nothing_reserved(pg):
    stream = Key.stream("ns", "app", "cancelled")
    consumer = asyncio.ensure_future(pg.stream.consume(stream, "G", "c1", 5, 20_000))
    await eventually(lambda: _waiting(pg, stream))
    consumer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await consumer
    assert _waiting(pg, stream) == []
    (entry_id,) = await pg.stream.publish(stream, [{"n": 1}])
    got = await pg.stream.consume(stream, "G", "c2", 5, 0)
    assert [m.id for m in got] == [entry_id]


async def test_two_providers_in_one_process_share_hand_offs(postgres_dsn, pg_schema):
    """A consumer opened on one provider set receives entries appended through another
    (same target, same process: they share the pool and the listener)."""
    a = await open_providers(postgres_dsn, schema=pg_schema)
    b = await open_providers(postgres_dsn, schema=pg_schema)
    try:
        stream = Key.stream("ns", "app", "shared")
        consumer = asyncio.ensure_future(a.stream.consume(stream, "G", "c1", 5, 20_000))
        await eventually(lambda: _waiting(a, stream))
        (entry_id,) = await b.stream.publish(stream, [{"n": 7}])
        got = await asyncio.wait_for(consumer, 20)
        assert [(m.id, m.data) for m in got] == [(entry_id, {"n": 7})]
    finally:
        await b.close()
        await a.close()
