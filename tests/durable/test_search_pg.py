"""Durable search on Postgres: the query language as SQL, and the supporting indexes.

Postgres-only by nature: both tests exercise the Postgres store's optional ``search_jobs`` /
``ensure_search_index`` capability (SQL over ``job_fields`` and its indexes), which the Redis
store does not offer (there durable search reads jobs through the Store protocol;
``test_search.py`` checks both paths give the same answers on both providers).
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from hotmesh_pg.durable.query import parse_query
from hotmesh_pg.keys import Key
from hotmesh_pg.providers.protocols import Providers

# Postgres-only (see above): the provider fixture is pinned instead of taking both kinds.
pytestmark = pytest.mark.parametrize("provider_kind", ["postgres"], ids=["postgres-only"])

SCHEMA = {"custom1": {"type": "TEXT"}, "custom2": {"type": "NUMERIC"},
          "tags": {"type": "TAG"}}


async def _jobs(providers: Providers) -> None:
    for i in range(5):
        key = Key.job("hmsh", "prod", f"bye-world-{i}")
        await providers.store.hsetnx(key, ":", "1")
        await providers.store.hset(key, {
            "_custom1": "durable engine" if i % 2 == 0 else "other",
            "_custom2": str(i * 10), "_tags": "red,green" if i else "blue"})
    outside = Key.job("hmsh", "prod", "elsewhere-1")
    await providers.store.hsetnx(outside, ":", "1")
    await providers.store.hset(outside, {"_custom1": "durable"})


async def _ids(providers: Providers, query: str) -> tuple[int, list[str]]:
    total, rows = await providers.store.search_jobs(  # type: ignore[attr-defined]
        "hmsh", "prod", ["bye-world-"], parse_query(query), SCHEMA)
    return total, [job_id for job_id, _fields in rows]


async def test_queries_compile_to_sql(providers: Providers) -> None:
    await _jobs(providers)
    assert await _ids(providers, "@_custom1:durable") == (
        3, ["bye-world-0", "bye-world-2", "bye-world-4"])
    assert await _ids(providers, "@_custom2:[(10 30]") == (2, ["bye-world-2", "bye-world-3"])
    assert await _ids(providers, "-@_custom1:durable") == (2, ["bye-world-1", "bye-world-3"])
    assert await _ids(providers, "@_custom1:dur* SORTBY _custom2 DESC LIMIT 0 2") == (
        3, ["bye-world-4", "bye-world-2"])
    assert (await _ids(providers, "@_tags:{blue}"))[1] == ["bye-world-0"]
    assert (await _ids(providers, '@_custom1:"engine durable"'))[0] == 0
    assert (await _ids(providers, "@_custom1:(other|nothing)"))[0] == 2
    assert await _ids(providers, "@_custom1:';drop") == (0, [])


async def test_index_creation(providers: Providers, postgres_dsn: str, pg_schema: str) -> None:
    await providers.store.ensure_search_index("hmsh", "prod", SCHEMA)  # type: ignore[attr-defined]
    await providers.store.ensure_search_index("hmsh", "prod", SCHEMA)  # type: ignore[attr-defined]
    with psycopg.connect(postgres_dsn) as conn:
        rows: list[Any] = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s "
            "AND indexname LIKE '%%search%%'", (pg_schema,)).fetchall()
    definitions = " ".join(row[1] for row in rows)
    assert "text_pattern_ops" in definitions
    assert "to_tsvector" in definitions and "gin" in definitions.lower()
    assert "double precision" in definitions
    assert len(rows) == 4


async def test_numbers_beyond_double_range_read_as_javascript_does(providers: Providers) -> None:
    """One out-of-range value used to make every range query and numeric sort raise."""
    for jid, value in [("bye-world-big", "1e999"), ("bye-world-neg", "-1e999"),
                       ("bye-world-tiny", "1e-999"), ("bye-world-mid", "5"),
                       ("bye-world-huge-exp", "1e999999")]:
        key = Key.job("hmsh", "prod", jid)
        await providers.store.hsetnx(key, ":", "1")
        await providers.store.hset(key, {"_custom2": value})
    assert await _ids(providers, "@_custom2:[1 +inf]") == (2, ["bye-world-big", "bye-world-mid"])
    assert await _ids(providers, "@_custom2:[-inf 0]") == (2, ["bye-world-neg", "bye-world-tiny"])
    # the 6-digit exponent is not a number (NULL), so it sorts last
    assert (await _ids(providers, "* SORTBY _custom2 DESC"))[1] == [
        "bye-world-big", "bye-world-mid", "bye-world-tiny", "bye-world-neg",
        "bye-world-huge-exp"]
