"""The Alembic migrations build exactly schema.py's metadata, and round-trip."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from psycopg import sql
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from hotmesh_pg.providers.postgres.migrate import MIGRATIONS_DIR, downgrade_sync, migrate_sync
from hotmesh_pg.providers.postgres.schema import HEAD_REVISION, build_metadata


@pytest.fixture
def fresh_schema(postgres_dsn):
    name = f"m_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def _diff(dsn: str, schema: str) -> list:
    engine = create_engine("postgresql+psycopg://", creator=lambda: psycopg.connect(dsn),
                           poolclass=NullPool)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={
                "include_schemas": True,
                "version_table_schema": schema,
                "include_name": lambda name, type_, parent: type_ != "schema" or name == schema,
            })
            return compare_metadata(ctx, build_metadata(schema))
    finally:
        engine.dispose()


def _tables(dsn: str, schema: str) -> set[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)).fetchall()
    return {r[0] for r in rows}


def test_head_revision_constant_matches_the_scripts():
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION


def test_upgrade_of_empty_database_equals_metadata(postgres_dsn, fresh_schema):
    migrate_sync(postgres_dsn, fresh_schema)
    assert _diff(postgres_dsn, fresh_schema) == []
    expected = {t.name for t in build_metadata(fresh_schema).sorted_tables} | {"alembic_version"}
    assert _tables(postgres_dsn, fresh_schema) == expected


def test_downgrade_then_upgrade_round_trips(postgres_dsn, fresh_schema):
    migrate_sync(postgres_dsn, fresh_schema)
    downgrade_sync(postgres_dsn, fresh_schema, "base")
    assert _tables(postgres_dsn, fresh_schema) == {"alembic_version"}
    migrate_sync(postgres_dsn, fresh_schema)
    assert _diff(postgres_dsn, fresh_schema) == []


def test_upgrade_is_idempotent(postgres_dsn, fresh_schema):
    migrate_sync(postgres_dsn, fresh_schema)
    migrate_sync(postgres_dsn, fresh_schema)
    assert _diff(postgres_dsn, fresh_schema) == []
