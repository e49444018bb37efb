"""Durable search gives the same answers on both providers.

Postgres answers with its ``search_jobs`` SQL, Redis with the durable layer's scan over the
Store protocol (``scan_search``). Each query's expected page and total are fixed here, so
both paths are held to one answer; on Postgres the scan is also run and must equal the SQL.
"""

from __future__ import annotations

import pytest

from hotmesh_pg.durable.query import parse_query
from hotmesh_pg.durable.search import scan_search
from hotmesh_pg.keys import Key
from hotmesh_pg.providers.protocols import Providers

APP = "prod"
PREFIXES = ["bye-world-"]
SCHEMA = {"custom1": {"type": "TEXT"}, "custom2": {"type": "NUMERIC"},
          "tags": {"type": "TAG"}}

# job suffix -> its search fields (a missing field is absent from the hash)
JOBS: dict[str, dict[str, str]] = {
    "0": {"_custom1": "durable engine", "_custom2": "0", "_tags": "blue"},
    "1": {"_custom1": "other", "_custom2": "10", "_tags": "red, green"},
    "2": {"_custom1": "durable engine", "_custom2": "20", "_tags": "red"},
    "3": {"_custom1": "other", "_custom2": "30"},
    "4": {"_custom1": "durable engine", "_custom2": "40"},
    "5": {"_custom1": "Durable"},
    "6": {"_custom1": "durable", "_custom2": "n/a"},
    "7": {"_custom1": "zeta", "_custom2": "20"},
}

CASES: list[tuple[str, int, str]] = [  # query, total, the page's job suffixes
    ("@_custom1:durable", 5, "02456"),
    ("@_custom1:DURABLE", 5, "02456"),
    ("@_custom2:[(10 30]", 3, "237"),
    ("@_custom2:[-inf 15]", 2, "01"),
    ("-@_custom2:[0 100]", 2, "56"),
    ("-@_custom1:durable", 3, "137"),
    ("@_custom1:dur* SORTBY _custom2 DESC LIMIT 0 3", 5, "420"),
    ("@_custom1:dur* SORTBY _custom2 ASC", 5, "02456"),
    ("* SORTBY _custom2 DESC", 8, "43271056"),
    ("* SORTBY _custom1", 8, "56024137"),
    ("@_tags:{blue}", 1, "0"),
    ("@_tags:{green|nothing}", 1, "1"),
    ('@_custom1:"durable engine"', 3, "024"),
    ('@_custom1:"engine durable"', 0, ""),
    ("@_custom1:(other|zeta)", 3, "137"),
    ("@_custom1:';drop", 0, ""),
    ("-@_custom1:';drop", 8, "01234567"),
    ("* LIMIT 2 3", 8, "234"),
    ("@_custom1:durable @_custom2:[10 +inf]", 2, "24"),
]


async def _jobs(providers: Providers, ns: str) -> None:
    for suffix, fields in JOBS.items():
        key = Key.job(ns, APP, f"bye-world-{suffix}")
        await providers.store.hsetnx(key, ":", "1")
        await providers.store.hset(key, fields)
    outside = Key.job(ns, APP, "elsewhere-1")  # matches, but not under the index prefix
    await providers.store.hsetnx(outside, ":", "1")
    await providers.store.hset(outside, {"_custom1": "durable", "_custom2": "20"})


@pytest.fixture
async def searchable(providers: Providers, namespace: str) -> Providers:
    await _jobs(providers, namespace)
    return providers


@pytest.mark.parametrize(("query", "total", "page"), CASES, ids=[c[0] for c in CASES])
async def test_same_answers(
    searchable: Providers, namespace: str, query: str, total: int, page: str,
) -> None:
    parsed = parse_query(query)
    scanned = await scan_search(searchable.store, namespace, APP, PREFIXES, parsed, SCHEMA)
    finder = getattr(searchable.store, "search_jobs", None)
    answer = scanned
    if callable(finder):  # the provider's own search must agree with the scan
        answer = await finder(namespace, APP, PREFIXES, parsed, SCHEMA)
        assert (answer[0], list(answer[1])) == scanned
    found_total, rows = answer
    assert found_total == total
    assert [job_id for job_id, _fields in rows] == [f"bye-world-{s}" for s in page]
    for job_id, fields in rows:
        assert fields == JOBS[job_id.removeprefix("bye-world-")]
