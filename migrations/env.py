"""Alembic environment: the target metadata is the Postgres provider's schema.

Options (``-x name=value`` on the command line, or ``config.attributes`` when called from
:func:`hotmesh_pg.providers.postgres.migrate.migrate`): ``schema`` (default ``hotmesh``) and
``dsn`` (default ``$HOTMESH_DSN``). Upgrades are serialised per schema with an advisory lock
so concurrent start-ups cannot race on DDL.
"""

from __future__ import annotations

import os

import psycopg
from alembic import context
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateSchema

from hotmesh_pg.providers.postgres.schema import DEFAULT_SCHEMA, build_metadata, check_schema_name

config = context.config
x_args = context.get_x_argument(as_dictionary=True)
schema = check_schema_name(
    config.attributes.get("schema") or x_args.get("schema") or DEFAULT_SCHEMA
)
config.attributes["schema"] = schema
target_metadata = build_metadata(schema)


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    if type_ == "schema":
        return name == schema
    return True


def _dsn() -> str:
    dsn = config.attributes.get("dsn") or x_args.get("dsn") or os.environ.get("HOTMESH_DSN")
    if not dsn:
        raise SystemExit("no database: pass -x dsn=postgresql://... or set HOTMESH_DSN")
    return str(dsn)


def run_offline() -> None:
    context.configure(
        url="postgresql+psycopg://",
        target_metadata=target_metadata,
        literal_binds=True,
        version_table_schema=schema,
        include_schemas=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.execute(CreateSchema(schema, if_not_exists=True))
        context.run_migrations()


def run_online() -> None:
    dsn = _dsn()
    engine = create_engine(
        "postgresql+psycopg://", creator=lambda: psycopg.connect(dsn), poolclass=NullPool
    )
    lock_key = f"hotmesh-migrate:{schema}"
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(hashtext(:k))"), {"k": lock_key})
        try:
            conn.execute(CreateSchema(schema, if_not_exists=True))
            conn.commit()
            context.configure(
                connection=conn,
                target_metadata=target_metadata,
                version_table_schema=schema,
                include_schemas=True,
                include_name=_include_name,
            )
            with context.begin_transaction():
                context.run_migrations()
            conn.commit()
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(hashtext(:k))"), {"k": lock_key})
            conn.commit()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
