"""Fixtures for tests of the Redis provider against the real server.

The server comes from the root conftest's ``redis_url``. Each test gets its own namespace
(so keys never meet another test's, even across suites running at once on one server) and
a raw client to read what HotMesh would see.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from hotmesh_pg.clock import ManualClock
from hotmesh_pg.providers.protocols import Providers
from hotmesh_pg.providers.redis import open_providers, purge_namespace


@pytest.fixture
async def ns(redis_url: str) -> AsyncIterator[str]:
    name = f"rt{uuid.uuid4().hex[:10]}"
    yield name
    await purge_namespace(redis_url, name)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_800_000_000_000)


@pytest.fixture
async def rp(redis_url: str, clock: ManualClock) -> AsyncIterator[Providers]:
    providers = await open_providers(redis_url, clock=clock)
    yield providers
    await providers.close()


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()
