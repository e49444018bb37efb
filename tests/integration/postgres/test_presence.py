"""Who needs a stream NOTIFY, and when a claim can be skipped (see ``.listener``)."""

from __future__ import annotations

import asyncio
import time

import pytest

from hotmesh_pg.keys import Key
from hotmesh_pg.providers.postgres import open_providers

from .helpers import eventually


@pytest.fixture
async def two_processes(postgres_dsn, pg_schema):
    """Two provider sets with listeners of their own (as two processes would have)."""
    sep = "&" if "?" in postgres_dsn else "?"
    a = await open_providers(postgres_dsn, schema=pg_schema)
    b = await open_providers(f"{postgres_dsn}{sep}application_name=other", schema=pg_schema)
    assert a.shared.listener is not b.shared.listener
    yield a, b
    await b.close()
    await a.close()


async def test_a_new_listener_learns_at_once_which_streams_others_consume(two_processes):
    a, b = two_processes
    stream = Key.stream("ns", "app", "work")
    consumer = asyncio.create_task(a.stream.consume(stream, "G", "c", block_ms=60_000))
    la, lb = a.shared.listener, b.shared.listener
    await eventually(lambda: stream.render() in la._announced)
    announced_at = la._announced[stream.render()]
    await lb.start()  # says hello; a answers with the streams it consumes
    await eventually(lambda: stream.render() in lb._remote)
    assert la._announced[stream.render()] == announced_at  # an answer, not a re-announcement
    lb._quiet_from = 0.0
    assert lb.needs_notify(stream.render())
    assert not lb.needs_notify(Key.stream("ns", "app", "nobody").render())
    await b.stream.publish(stream, [{"n": 1}])
    got = await asyncio.wait_for(consumer, 30)
    assert [m.data for m in got] == [{"n": 1}]


async def test_a_drained_stream_is_not_claimed_again_until_something_wakes_it(postgres_dsn,
                                                                                pg_schema):
    pg = await open_providers(postgres_dsn, schema=pg_schema)
    try:
        listener = pg.shared.listener
        await listener.start()
        s = Key.stream("ns", "app", "d").render()
        now_ms = int(time.time() * 1000)
        mark = listener.claim_started(s)
        listener.claim_finished(s, mark, True, now_ms)
        assert listener.claim_pointless(s, now_ms)
        assert not listener.claim_pointless(s, now_ms + 10_000)  # the clock moved on
        listener.wake(s)
        assert not listener.claim_pointless(s, now_ms)
        # a wake-up while the claim was running: its empty answer proves nothing
        mark = listener.claim_started(s)
        listener.wake(s)
        listener.claim_finished(s, mark, True, now_ms)
        assert not listener.claim_pointless(s, now_ms)
        # a claim that filled its batch did not drain the stream
        mark = listener.claim_started(s)
        listener.claim_finished(s, mark, False, now_ms)
        assert not listener.claim_pointless(s, now_ms)
    finally:
        await pg.close()
