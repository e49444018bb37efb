"""Fixtures for the router / worker / quorum tests.

``rt_open(clock=None)`` opens a connected ``Providers`` on this test's isolated storage
(for the provider kind of the ``rt_kind`` parameter); calling it twice gives two clients on
the same data, as two processes would have. Isolation: a fresh schema on Postgres, a
unique namespace (purged afterwards) on Redis. The fixtures build on the project-wide ones
in ``tests/conftest.py`` when those exist and fall back to the local servers otherwise.
"""

from __future__ import annotations

import importlib
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from hotmesh_pg.clock import Clock
from hotmesh_pg.providers.protocols import Providers

REDIS_URL = os.environ.get("HOTMESH_TEST_REDIS", "redis://127.0.0.1:6379/0")
PG_DSN = os.environ.get("HOTMESH_TEST_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def _kinds() -> list[str]:
    kinds = []
    try:
        pg = importlib.import_module("hotmesh_pg.providers.postgres")
        if hasattr(pg, "open_providers"):
            kinds.append("postgres")
    except ImportError:
        pass
    kinds.append("redis")
    return kinds


Opener = Callable[..., Awaitable[Providers]]


@pytest.fixture(params=_kinds())
def rt_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def rt_ns() -> str:
    """A namespace no other test uses."""
    return "rt" + secrets.token_hex(4)


@pytest.fixture
async def rt_target(rt_kind: str, rt_ns: str) -> AsyncIterator[dict[str, Any]]:
    """Where this test's providers live, created before and removed after the test."""
    if rt_kind == "redis":
        yield {"kind": "redis", "url": REDIS_URL}
        from hotmesh_pg.providers.redis import purge_namespace

        await purge_namespace(REDIS_URL, rt_ns)
        return
    import psycopg

    schema = "rt_" + secrets.token_hex(5)
    yield {"kind": "postgres", "dsn": PG_DSN, "schema": schema}
    async with await psycopg.AsyncConnection.connect(PG_DSN, autocommit=True) as conn:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
async def rt_open(rt_target: dict[str, Any]) -> AsyncIterator[Opener]:
    opened: list[Providers] = []

    async def open_(clock: Clock | None = None) -> Providers:
        if rt_target["kind"] == "redis":
            from hotmesh_pg.providers.redis import open_providers as open_redis

            providers = await open_redis(rt_target["url"], clock=clock)
        else:
            pg = importlib.import_module("hotmesh_pg.providers.postgres")
            providers = await pg.open_providers(
                rt_target["dsn"], schema=rt_target["schema"], migrate=True, clock=clock
            )
        opened.append(providers)
        return providers

    yield open_
    for providers in reversed(opened):
        await providers.close()


@pytest.fixture
async def rt_providers(rt_open: Opener) -> Providers:
    return await rt_open()
