"""The one definition of the Postgres provider's tables (SQLAlchemy Core).

Alembic's migrations under ``migrations/`` create exactly this metadata (a test compares
them); runtime code never runs DDL. Times are epoch milliseconds (``bigint``) taken from the
provider's :class:`~hotmesh_pg.clock.Clock`, so tests can move time with a ``ManualClock``.

Text columns use the ``C`` collation so ordering is by code point (Redis orders members by
bytes; UTF-8 byte order equals code point order).
"""

from __future__ import annotations

import re

from sqlalchemy import (
    BigInteger,
    Column,
    Double,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from ...errors import ConfigError

__all__ = ["DEFAULT_SCHEMA", "HEAD_REVISION", "build_metadata", "check_schema_name"]

DEFAULT_SCHEMA = "hotmesh"
HEAD_REVISION = "0001"
"""Alembic revision the code expects; a test pins it to the migration scripts' head."""

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def check_schema_name(schema: str) -> str:
    """Refuse anything but a plain identifier so the name is safe everywhere it appears."""
    if not isinstance(schema, str) or not _IDENT.match(schema):
        raise ConfigError(
            f"schema [{schema!r}] is not a valid Postgres identifier: expected "
            "[A-Za-z_][A-Za-z0-9_]{0,62}"
        )
    return schema


def _c_text() -> Text:
    return Text(collation="C")


def build_metadata(schema: str = DEFAULT_SCHEMA) -> MetaData:
    """All tables of one HotMesh schema."""
    check_schema_name(schema)
    md = MetaData(schema=schema)

    # Job state: one header row per job incarnation plus one row per hash field.
    Table(
        "jobs", md,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("ns", _c_text(), nullable=False),
        Column("app", _c_text(), nullable=False),
        Column("jid", _c_text(), nullable=False),
        Column("created_at", BigInteger, nullable=False),
        Column("expires_at", BigInteger, nullable=True),
        UniqueConstraint("ns", "app", "jid", name="jobs_ns_app_jid_key"),
    )
    Index("jobs_expires_at_idx", md.tables[f"{schema}.jobs"].c.expires_at,
          postgresql_where=text("expires_at IS NOT NULL"))
    Table(
        "job_fields", md,
        Column("job_id", BigInteger, nullable=False),
        Column("field", _c_text(), nullable=False),
        Column("value", Text, nullable=False),
        PrimaryKeyConstraint("job_id", "field", name="job_fields_pkey"),
        ForeignKeyConstraint(["job_id"], [f"{schema}.jobs.id"], ondelete="CASCADE",
                             name="job_fields_job_id_fkey"),
    )

    # Every other key: a header (type, expiry, string value) and typed member rows.
    Table(
        "kv_keys", md,
        Column("key", _c_text(), primary_key=True),
        Column("kind", Text, nullable=False),
        Column("value", Text, nullable=True),
        Column("expires_at", BigInteger, nullable=True),
    )
    Table(
        "hash_fields", md,
        Column("key", _c_text(), nullable=False),
        Column("field", _c_text(), nullable=False),
        Column("value", Text, nullable=False),
        PrimaryKeyConstraint("key", "field", name="hash_fields_pkey"),
        ForeignKeyConstraint(["key"], [f"{schema}.kv_keys.key"], ondelete="CASCADE",
                             onupdate="CASCADE", name="hash_fields_key_fkey"),
    )
    Table(
        "list_items", md,
        Column("key", _c_text(), nullable=False),
        Column("idx", BigInteger, nullable=False),
        Column("value", Text, nullable=False),
        PrimaryKeyConstraint("key", "idx", name="list_items_pkey"),
        ForeignKeyConstraint(["key"], [f"{schema}.kv_keys.key"], ondelete="CASCADE",
                             onupdate="CASCADE", name="list_items_key_fkey"),
    )
    zset = Table(
        "zset_members", md,
        Column("key", _c_text(), nullable=False),
        Column("member", _c_text(), nullable=False),
        Column("score", Double, nullable=False),
        PrimaryKeyConstraint("key", "member", name="zset_members_pkey"),
        ForeignKeyConstraint(["key"], [f"{schema}.kv_keys.key"], ondelete="CASCADE",
                             onupdate="CASCADE", name="zset_members_key_fkey"),
    )
    Index("zset_members_score_idx", zset.c.key, zset.c.score, zset.c.member)

    # Streams: one table, one row per entry; ack deletes the row.
    streams = Table(
        "streams", md,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("stream", _c_text(), nullable=False),
        Column("message", Text, nullable=False),
        Column("created_at", BigInteger, nullable=False),
        Column("visible_at", BigInteger, nullable=False),
        Column("reserved_by", Text, nullable=True),
        Column("reserved_at", BigInteger, nullable=True),
        Column("deliveries", Integer, nullable=False, server_default=text("0")),
    )
    Index("streams_ready_idx", streams.c.stream, streams.c.id,
          postgresql_include=["visible_at"],
          postgresql_where=text("reserved_by IS NULL"))
    Index("streams_pending_idx", streams.c.stream, streams.c.id,
          postgresql_where=text("reserved_by IS NOT NULL"))

    # Pub/sub messages (bodies of notifications; also what poll-only subscribers read).
    Table(
        "sub_messages", md,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("channel", Text, nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", BigInteger, nullable=False),
    )
    return md
