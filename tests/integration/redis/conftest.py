"""Fixtures for tests of the Redis provider against the real server.

Each test gets its own namespace (so keys never meet another test's, even across
concurrently running suites on one server) and a raw client to read what HotMesh would see.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from hotmesh_pg.clock import ManualClock
from hotmesh_pg.providers.protocols import Providers
from hotmesh_pg.providers.redis import open_providers, purge_namespace

DEFAULT_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_target() -> str:
    return os.environ.get("HOTMESH_TEST_REDIS", DEFAULT_URL)


@pytest.fixture
async def ns(redis_target: str) -> AsyncIterator[str]:
    name = f"rt{uuid.uuid4().hex[:10]}"
    yield name
    await purge_namespace(redis_target, name)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_800_000_000_000)


@pytest.fixture
async def rp(redis_target: str, clock: ManualClock) -> AsyncIterator[Providers]:
    providers = await open_providers(redis_target, clock=clock)
    yield providers
    await providers.close()


@pytest.fixture
async def raw(redis_target: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_target, decode_responses=True)
    yield client
    await client.aclose()
