"""Both providers side by side on one ManualClock, for the differential state machines.

Hypothesis drives stateful tests synchronously, so the pair owns an event loop and each
step runs its coroutines to completion on it. The providers stay open for the whole test;
every hypothesis example works in a fresh namespace, so examples never see each other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotmesh_pg.clock import ManualClock

from .pair import Pair


@pytest.fixture
def pair(postgres_dsn: str, pg_schema: str, redis_url: str) -> Iterator[Pair]:
    from hotmesh_pg.providers.postgres import open_providers as open_postgres
    from hotmesh_pg.providers.redis import open_providers as open_redis
    from hotmesh_pg.providers.redis import purge_namespace

    loop = asyncio.new_event_loop()
    clock = ManualClock(1_800_000_000_000)
    pg = loop.run_until_complete(open_postgres(postgres_dsn, schema=pg_schema, clock=clock))
    rd = loop.run_until_complete(open_redis(redis_url, clock=clock))
    both = Pair(loop, clock, pg, rd, redis_url)
    try:
        yield both
    finally:
        loop.run_until_complete(pg.close())
        loop.run_until_complete(rd.close())
        for ns in both.namespaces:
            loop.run_until_complete(purge_namespace(redis_url, ns))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A state machine runs dozens of examples against two servers: under a loaded host that
    can pass the suite-wide 300 s timeout, and a timeout firing mid-example surfaces as a
    confusing hypothesis FlakyStrategyDefinition. Give these tests their own ceiling."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.timeout(1800))
