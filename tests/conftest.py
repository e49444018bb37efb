"""Test harness: finds Postgres and Redis, gives each test isolated storage.

Fixtures (the contract other test suites build on):

* ``postgres_dsn`` (session): ``$HOTMESH_TEST_DSN``, else a testcontainers Postgres when a
  Docker engine answers, else the local server ``postgresql://postgres@127.0.0.1:5432/test``,
  else the embedded pgserver.
* ``redis_url`` (session): ``$HOTMESH_TEST_REDIS``, else testcontainers, else
  ``redis://127.0.0.1:6379/0``.
* ``pg_schema`` (function): a fresh schema at the head revision, dropped afterwards.
* ``provider_kind`` (function): ``"postgres"`` and, once ``hotmesh_pg.providers.redis``
  exports ``open_providers``, ``"redis"`` (override with
  ``HOTMESH_TEST_PROVIDERS=postgres,redis``).
* ``namespace`` (function): a unique HotMesh namespace for this test.
* ``clock`` (function): a :class:`ManualClock` the ``providers`` fixture runs on.
* ``providers`` (function): connected providers for ``provider_kind`` over isolated storage.
* ``conn_kwargs`` (function): ``HotMesh.init`` / ``Durable`` keyword arguments isolating one
  test (postgres: ``connection`` + ``schema``; redis: ``connection`` + ``namespace``).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from hotmesh_pg.clock import ManualClock
from hotmesh_pg.providers.protocols import Providers

LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/test"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"
TEMPLATE_TOKEN = "hm_schema_template_token"


# -- finding servers ---------------------------------------------------------------------
def _docker_answers() -> bool:
    if not (os.environ.get("DOCKER_HOST") or os.path.exists("/var/run/docker.sock")):
        return False
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


def _pg_answers(dsn: str) -> bool:
    try:
        with psycopg.connect(dsn, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _tcp_answers(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=2):
        return True
    return False


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    env = os.environ.get("HOTMESH_TEST_DSN")
    if env:
        yield env
        return
    if _docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:15", driver=None) as pg:
            yield pg.get_connection_url()
        return
    if _pg_answers(LOCAL_PG):
        yield LOCAL_PG
        return
    import asyncio

    from hotmesh_pg.providers.postgres.embedded import embedded_dsn

    yield asyncio.run(embedded_dsn())


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    env = os.environ.get("HOTMESH_TEST_REDIS")
    if env:
        yield env
        return
    if not _tcp_answers("127.0.0.1", 6379) and _docker_answers():
        from testcontainers.redis import RedisContainer

        with RedisContainer("redis:7") as rc:
            host = rc.get_container_host_ip()
            port = rc.get_exposed_port(6379)
            yield f"redis://{host}:{port}/0"
        return
    yield LOCAL_REDIS


# -- Postgres schemas --------------------------------------------------------------------
@pytest.fixture(scope="session")
def _schema_ddl(postgres_dsn: str) -> list[str]:
    """DDL of the head revision, made once per session by migrating a template schema.

    The migration runs for real here (so a broken migration fails every test early); each
    test's schema is then created from the metadata's DDL, which the migration test proves
    identical to what the migrations build.
    """
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateIndex, CreateTable

    from hotmesh_pg.providers.postgres.migrate import migrate_sync
    from hotmesh_pg.providers.postgres.schema import build_metadata

    template = f"t_template_{uuid.uuid4().hex[:8]}"
    migrate_sync(postgres_dsn, template)
    _drop_schema(postgres_dsn, template)

    dialect = postgresql.dialect()
    md = build_metadata(TEMPLATE_TOKEN)
    ddl: list[str] = []
    for table in md.sorted_tables:
        ddl.append(str(CreateTable(table).compile(dialect=dialect)))
        ddl.extend(str(CreateIndex(ix).compile(dialect=dialect)) for ix in table.indexes)
    return ddl


def _drop_schema(dsn: str, schema: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def create_schema(dsn: str, schema: str, ddl: list[str]) -> None:
    """Create ``schema`` at the head revision from the session's DDL, in one transaction."""
    from hotmesh_pg.providers.postgres.schema import HEAD_REVISION, check_schema_name

    check_schema_name(schema)
    with psycopg.connect(dsn) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        for stmt in ddl:
            conn.execute(stmt.replace(TEMPLATE_TOKEN, schema))  # type: ignore[arg-type]
        conn.execute(sql.SQL(
            "CREATE TABLE {}.alembic_version (version_num varchar(32) NOT NULL "
            "CONSTRAINT alembic_version_pkc PRIMARY KEY)"
        ).format(sql.Identifier(schema)))
        conn.execute(sql.SQL("INSERT INTO {}.alembic_version VALUES (%s)").format(
            sql.Identifier(schema)), (HEAD_REVISION,))


@pytest.fixture
def pg_schema(postgres_dsn: str, _schema_ddl: list[str]) -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    create_schema(postgres_dsn, schema, _schema_ddl)
    yield schema
    _drop_schema(postgres_dsn, schema)


# -- providers ---------------------------------------------------------------------------
def _provider_kinds() -> list[str]:
    env = os.environ.get("HOTMESH_TEST_PROVIDERS")
    if env:
        return [k.strip() for k in env.split(",") if k.strip()]
    kinds = ["postgres"]
    with contextlib.suppress(ImportError):
        if hasattr(importlib.import_module("hotmesh_pg.providers.redis"), "open_providers"):
            kinds.append("redis")
    return kinds


@pytest.fixture(params=_provider_kinds())
def provider_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def namespace() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


async def _redis_cleanup(url: str, ns: str) -> None:
    import redis.asyncio as aioredis

    client = aioredis.from_url(url)
    try:
        keys = [k async for k in client.scan_iter(match=f"{ns}*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
async def providers(
    request: pytest.FixtureRequest, provider_kind: str, clock: ManualClock, namespace: str
) -> AsyncIterator[Providers]:
    from hotmesh_pg.connection import connect

    if provider_kind == "postgres":
        dsn = request.getfixturevalue("postgres_dsn")
        schema = request.getfixturevalue("pg_schema")
        p = await connect(dsn, schema=schema, clock=clock)
        try:
            yield p
        finally:
            await p.close()
        return
    url = request.getfixturevalue("redis_url")
    p = await connect(url, namespace=namespace, clock=clock)
    try:
        yield p
    finally:
        await p.close()
        await _redis_cleanup(url, namespace)


@pytest.fixture
async def conn_kwargs(
    request: pytest.FixtureRequest, provider_kind: str, namespace: str
) -> AsyncIterator[dict[str, Any]]:
    if provider_kind == "postgres":
        yield {"connection": request.getfixturevalue("postgres_dsn"),
               "schema": request.getfixturevalue("pg_schema")}
        return
    url = request.getfixturevalue("redis_url")
    yield {"connection": url, "namespace": namespace}
    await _redis_cleanup(url, namespace)
