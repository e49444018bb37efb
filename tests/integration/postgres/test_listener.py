"""The LISTEN connection: survives pg_terminate_backend; poll-only mode; stream wake-ups."""

from __future__ import annotations

import asyncio
import logging

import psycopg
import pytest

from hotmesh_pg.keys import Key
from hotmesh_pg.providers.postgres import open_providers

from .helpers import eventually


@pytest.fixture
async def pg(postgres_dsn, pg_schema):
    providers = await open_providers(postgres_dsn, schema=pg_schema)
    yield providers
    await providers.close()


async def test_listener_whose_backend_is_killed_receives_later_messages(
    pg, postgres_dsn, caplog
):
    got: list[dict] = []
    await pg.sub.subscribe("chan", lambda ch, msg: got.append(msg))
    listener = pg.shared.listener
    pid = listener.backend_pid
    generation = listener.generation
    assert pid is not None
    with caplog.at_level(logging.WARNING, logger="hotmesh_pg.postgres.listener"), \
            psycopg.connect(postgres_dsn, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
        # Published while the listener may still be down: caught up from the table.
        await pg.sub.publish("chan", {"n": 1})
        await eventually(lambda: listener.generation > generation)
        await pg.sub.publish("chan", {"n": 2})
        await eventually(lambda: len(got) == 2)
    assert got == [{"n": 1}, {"n": 2}]
    assert listener.backend_pid != pid
    assert any("re-LISTEN" in r.getMessage() for r in caplog.records)
    assert any("lost" in r.getMessage() for r in caplog.records)


async def test_blocking_consumer_still_wakes_after_listener_reconnect(pg, postgres_dsn):
    stream = Key.stream("ns", "app", "t")
    consumer = asyncio.create_task(pg.stream.consume(stream, "G", "c", block_ms=20_000))
    await eventually(lambda: pg.shared.listener.backend_pid is not None)
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pg.shared.listener.backend_pid,))
    await pg.stream.publish(stream, [{"x": 1}])
    got = await asyncio.wait_for(consumer, 25)
    assert [m.data for m in got] == [{"x": 1}]


async def test_poll_only_mode_delivers_pub_sub_across_instances(postgres_dsn, pg_schema):
    poller = await open_providers(postgres_dsn, schema=pg_schema, listen=False)
    publisher = await open_providers(postgres_dsn, schema=pg_schema)
    try:
        got: list[tuple[str, dict]] = []
        await poller.sub.psubscribe("q:*", lambda ch, msg: got.append((ch, msg)))
        await publisher.sub.publish("q:1", {"small": True})
        await publisher.sub.publish("q:2", {"big": "x" * 20_000})
        await eventually(lambda: len(got) == 2)
        assert got == [("q:1", {"small": True}), ("q:2", {"big": "x" * 20_000})]
        assert poller.shared.listener.backend_pid is None  # never LISTENed
    finally:
        await poller.close()
        await publisher.close()


async def test_poll_only_consumer_sees_entries_from_another_process(postgres_dsn, pg_schema):
    poller = await open_providers(postgres_dsn, schema=pg_schema, listen=False)
    try:
        stream = Key.stream("ns", "app", "t")
        consumer = asyncio.create_task(poller.stream.consume(stream, "G", "c", block_ms=20_000))
        await asyncio.sleep(0.05)
        with psycopg.connect(postgres_dsn) as conn:
            conn.execute(
                f'INSERT INTO "{pg_schema}".streams (stream, message, created_at, visible_at) '
                "VALUES (%s, %s, 0, 0)", (stream.render(), '{"outside": 1}'))
        got = await asyncio.wait_for(consumer, 25)
        assert [m.data for m in got] == [{"outside": 1}]
    finally:
        await poller.close()


async def test_one_wakeup_notification_per_stream_per_transaction(pg, postgres_dsn):
    listener = pg.shared.listener
    conn = await psycopg.AsyncConnection.connect(postgres_dsn, autocommit=True)
    try:
        await conn.execute(psycopg.sql.SQL("LISTEN {}").format(
            psycopg.sql.Identifier(listener.stream_channel)))
        a, b = Key.stream("ns", "app", "a"), Key.stream("ns", "app", "b")
        tx = pg.store.transaction()
        tx.xadd(a, {"n": 1}).xadd(a, {"n": 2}).xadd(b, {"n": 3}).xadd(a, {"n": 4})
        await tx.exec()
        await pg.stream.publish(a, [{"n": 5}, {"n": 6}])
        await pg.stream.publish(b, [{"delayed": 1}], delay_ms=60_000)
        notes = [n.payload async for n in conn.notifies(timeout=1.0)]
    finally:
        await conn.close()
    assert sorted(notes) == sorted([a.render(), b.render(), a.render()])
