"""Fixtures for the router / worker / quorum tests.

``rt_open(clock=None)`` opens a connected ``Providers`` on this test's isolated storage (the
project-wide ``provider_kind`` / ``pg_schema`` / ``namespace`` fixtures); calling it twice
gives two clients on the same data, as two processes would have. Unlike the project-wide
``providers`` fixture it runs on the system clock unless given one, because retries and
reclaims here must become due without a test advancing time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from hotmesh_pg.clock import Clock
from hotmesh_pg.providers.protocols import Providers

Opener = Callable[..., Awaitable[Providers]]


@pytest.fixture
def rt_ns(namespace: str) -> str:
    return namespace


@pytest.fixture
async def rt_target(
    request: pytest.FixtureRequest, provider_kind: str, namespace: str
) -> AsyncIterator[dict[str, Any]]:
    """Where this test's providers live: ``connect`` keyword arguments."""
    if provider_kind == "postgres":
        yield {"connection": request.getfixturevalue("postgres_dsn"),
               "schema": request.getfixturevalue("pg_schema")}
        return
    url = request.getfixturevalue("redis_url")
    yield {"connection": url, "namespace": namespace}
    from hotmesh_pg.providers.redis import purge_namespace

    await purge_namespace(url, namespace)


@pytest.fixture
async def rt_open(rt_target: dict[str, Any]) -> AsyncIterator[Opener]:
    from hotmesh_pg.connection import connect

    opened: list[Providers] = []

    async def open_(clock: Clock | None = None) -> Providers:
        providers = await connect(**rt_target, clock=clock)
        opened.append(providers)
        return providers

    yield open_
    for providers in reversed(opened):
        await providers.close()


@pytest.fixture
async def rt_providers(rt_open: Opener) -> Providers:
    return await rt_open()
