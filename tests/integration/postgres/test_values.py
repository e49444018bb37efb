"""Values as stored: NUL round-trips, SQL-looking input stays data, failures write nothing."""

from __future__ import annotations

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st
from psycopg import sql

from hotmesh_pg.errors import ProviderError
from hotmesh_pg.keys import Key, KeyType
from hotmesh_pg.providers.postgres.codec import decode, encode


@given(st.text())
def test_codec_round_trips_any_text(value):
    stored = encode(value)
    assert "\x00" not in stored
    assert decode(stored) == value


def test_codec_leaves_ordinary_and_numeric_text_alone():
    for value in ("", "1", "-2.5", "hello", "a\\0b"):
        assert encode(value) == value


async def test_nul_is_never_stored_raw(providers, postgres_dsn, pg_schema):
    job = Key.job("ns", "app", "j\x00id")
    await providers.store.hset(job, {"f\x00": "v\x00\x00"})
    assert await providers.store.hgetall(job) == {"f\x00": "v\x00\x00"}
    with psycopg.connect(postgres_dsn) as conn:
        rows = conn.execute(sql.SQL("SELECT field, value FROM {}.job_fields").format(
            sql.Identifier(pg_schema))).fetchall()
    assert rows and all("\x00" not in f and "\x00" not in v for f, v in rows)


async def test_sql_looking_keys_and_values_are_plain_data(providers):
    key = Key(KeyType.HOOKS, "ns'; DROP TABLE x; --", "app\"")
    value = "'); DELETE FROM jobs; --"
    assert await providers.store.hset(key, {"%s": value, "%(now)s": "{s}"}) == 2
    assert await providers.store.hgetall(key) == {"%s": value, "%(now)s": "{s}"}


async def test_unserialisable_publish_writes_no_row(providers, postgres_dsn, pg_schema):
    with pytest.raises(ProviderError, match="object"):
        await providers.sub.publish("c", {"x": object()})
    with psycopg.connect(postgres_dsn) as conn:
        count = conn.execute(sql.SQL("SELECT count(*) FROM {}.sub_messages").format(
            sql.Identifier(pg_schema))).fetchone()
    assert count == (0,)


async def test_non_str_values_are_refused(providers):
    with pytest.raises(ProviderError, match="int"):
        await providers.store.hset(Key(KeyType.HOOKS, "ns", "app"), {"a": 1})  # type: ignore[dict-item]
