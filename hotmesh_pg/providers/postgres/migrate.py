"""Schema migrations run on request (``migrate=True``, the CLI, the embedded default) and
the revision check every provider open performs instead of running DDL itself."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import psycopg

from ...errors import ConfigError, ConnectionFailedError, SchemaNotReadyError
from .pool import check_connect, describe_target
from .queries import Queries
from .schema import HEAD_REVISION, check_schema_name

__all__ = ["MIGRATIONS_DIR", "check_revision", "migrate", "migrate_sync", "upgrade_command"]

def _find_migrations() -> Path:
    """The Alembic folder: ``migrations/`` of a source checkout, else the copy a wheel ships.

    The repository keeps migrations at its top level (where ``alembic.ini`` expects them);
    ``pyproject.toml`` maps that folder into wheels as ``hotmesh_pg/_migrations``.
    """
    checkout = Path(__file__).resolve().parents[3] / "migrations"
    if (checkout / "env.py").is_file():
        return checkout
    return Path(__file__).resolve().parents[2] / "_migrations"


MIGRATIONS_DIR = _find_migrations()


def _config(dsn: str, schema: str) -> object:
    from alembic.config import Config

    if not (MIGRATIONS_DIR / "env.py").is_file():
        raise ConfigError(f"Alembic migrations not found at {MIGRATIONS_DIR}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["dsn"] = dsn
    cfg.attributes["schema"] = schema
    return cfg


def migrate_sync(dsn: str, schema: str = "hotmesh", revision: str = "head") -> None:
    """Upgrade ``schema`` to ``revision`` (blocking; serialised by an advisory lock)."""
    from alembic import command

    check_schema_name(schema)
    command.upgrade(_config(dsn, schema), revision)  # type: ignore[arg-type]


def downgrade_sync(dsn: str, schema: str, revision: str) -> None:
    from alembic import command

    check_schema_name(schema)
    command.downgrade(_config(dsn, schema), revision)  # type: ignore[arg-type]


async def migrate(dsn: str, schema: str = "hotmesh") -> None:
    """Upgrade ``schema`` to head without blocking the event loop.

    An unreachable server fails fast with ``ConnectionFailedError`` naming host and port.
    """
    check_schema_name(schema)
    await check_connect(dsn)
    try:
        await asyncio.to_thread(migrate_sync, dsn, schema)
    except psycopg.OperationalError as exc:
        raise ConnectionFailedError(
            f"cannot migrate Postgres at {describe_target(dsn)}: {exc}"
        ) from exc


def upgrade_command(dsn: str, schema: str) -> str:
    return f"hotmesh-pg db upgrade --connection {_redact(dsn)} --schema {schema}"


def _redact(dsn: str) -> str:
    try:
        info = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "<DSN>"
    if "password" in info:
        info["password"] = "***"
    host, port = info.get("host", "localhost"), info.get("port", "5432")
    user = info.get("user", "")
    db = info.get("dbname", "")
    auth = f"{user}{':***' if 'password' in info else ''}@" if user else ""
    return f"postgresql://{auth}{host}:{port}/{db}"


async def check_revision(conn: psycopg.AsyncConnection[Any], dsn: str, schema: str) -> None:
    """Raise ``SchemaNotReadyError`` unless ``schema`` is at the revision this code needs."""
    queries = Queries(schema)
    cur = await conn.execute(queries.revision_table_exists, {"schema": schema})
    row = await cur.fetchone()
    current: str | None = None
    if row and row[0]:
        cur = await conn.execute(queries.revision)
        found = await cur.fetchone()
        current = str(found[0]) if found else None
    if current != HEAD_REVISION:
        state = "has no hotmesh tables" if current is None else f"is at revision {current}"
        raise SchemaNotReadyError(
            f"Postgres schema '{schema}' at {describe_target(dsn)} {state}; this code needs "
            f"revision {HEAD_REVISION}. Run: {upgrade_command(dsn, schema)} "
            "(or pass migrate=True)"
        )
