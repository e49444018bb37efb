"""connect(): bad DSNs, bad schema names, schema revision checks, shared pools."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import sql

from hotmesh_pg.connection import connect, resolve
from hotmesh_pg.errors import ConfigError, ConnectionFailedError, SchemaNotReadyError
from hotmesh_pg.keys import Key


async def test_dsn_that_does_not_connect_names_host_and_port():
    with pytest.raises(ConnectionFailedError, match=r"127\.0\.0\.1:1\b"):
        await connect("postgresql://postgres@127.0.0.1:1/test")


async def test_dsn_that_does_not_connect_fails_even_with_migrate():
    with pytest.raises(ConnectionFailedError, match=r"127\.0\.0\.1:1\b"):
        await connect("postgresql://postgres@127.0.0.1:1/test", migrate=True)


@pytest.mark.parametrize("schema", ["", "bad-name", "x;drop table y", "1abc", "a" * 64, "sp ace"])
async def test_schema_name_must_be_an_identifier(postgres_dsn, schema):
    with pytest.raises(ConfigError, match="schema"):
        await connect(postgres_dsn, schema=schema)


@pytest.mark.parametrize("value", ["mysql://x", "http://x", "   "])
def test_unknown_connection_strings_are_refused(value):
    with pytest.raises(ConfigError):
        resolve(value)


def test_none_means_env_dsn_then_embedded(monkeypatch):
    monkeypatch.setenv("HOTMESH_DSN", "postgresql://u@h/db")
    assert resolve(None) == ("postgres", "postgresql://u@h/db")
    monkeypatch.delenv("HOTMESH_DSN")
    assert resolve(None) == ("embedded", None)


@pytest.fixture
def bare_schema(postgres_dsn):
    name = f"b_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


async def test_unmigrated_schema_raises_naming_the_upgrade_command(postgres_dsn, bare_schema):
    with pytest.raises(SchemaNotReadyError) as info:
        await connect(postgres_dsn, schema=bare_schema)
    message = str(info.value)
    assert "hotmesh-pg db upgrade --connection postgresql://" in message
    assert f"--schema {bare_schema}" in message
    with psycopg.connect(postgres_dsn) as conn:
        row = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = %s",
                           (bare_schema,)).fetchone()
    assert row == (0,), "runtime code must not run DDL"


async def test_schema_behind_head_raises(postgres_dsn, bare_schema):
    from hotmesh_pg.providers.postgres.migrate import downgrade_sync, migrate_sync

    migrate_sync(postgres_dsn, bare_schema)
    downgrade_sync(postgres_dsn, bare_schema, "base")
    with pytest.raises(SchemaNotReadyError, match="hotmesh-pg db upgrade"):
        await connect(postgres_dsn, schema=bare_schema)


async def test_migrate_true_brings_schema_to_head(postgres_dsn, bare_schema):
    providers = await connect(postgres_dsn, schema=bare_schema, migrate=True)
    try:
        assert await providers.store.hsetnx(Key.job("ns", "app", "j"), ":", "1") is True
    finally:
        await providers.close()


async def test_password_is_not_shown_in_errors(postgres_dsn, bare_schema):
    dsn = postgres_dsn.replace("postgres@", "postgres:s3cret@") \
        if "postgres@" in postgres_dsn else postgres_dsn
    with pytest.raises(SchemaNotReadyError) as info:
        await connect(dsn, schema=bare_schema)
    assert "s3cret" not in str(info.value)


async def test_instances_on_one_target_share_pool_and_listener(postgres_dsn, pg_schema):
    a = await connect(postgres_dsn, schema=pg_schema)
    b = await connect(postgres_dsn, schema=pg_schema)
    try:
        assert a.shared is b.shared  # type: ignore[attr-defined]
        await a.close()
        assert await b.store.hset(Key.job("ns", "app", "j"), {"a": "1"}) == 1
    finally:
        await b.close()
