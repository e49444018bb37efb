"""The search query language: parsing and matching (no server needed)."""

from __future__ import annotations

import pytest

from hotmesh_pg.durable.query import matches, parse_query

FIELDS = {"_custom1": "durable workflow engine", "_custom2": "55", "_tags": "red,green"}


@pytest.mark.parametrize(("query", "expected"), [
    ("*", True),
    ("@_custom1:durable", True),
    ("@_custom1:DURABLE", True),
    ("@_custom1:dur*", True),
    ("@_custom1:\"workflow engine\"", True),
    ("@_custom1:\"engine workflow\"", False),
    ("@_custom1:(nope|engine)", True),
    ("@_custom2:[50 60]", True),
    ("@_custom2:[(55 60]", False),
    ("@_custom2:[-inf +inf]", True),
    ("@_tags:{green}", True),
    ("@_tags:{blue|yellow}", False),
    ("-@_custom1:durable", False),
    ("@_custom1:durable @_custom2:[0 10]", False),
    ("@_missing:x", False),
])
def test_matches(query: str, expected: bool) -> None:
    assert matches(parse_query(query), FIELDS) is expected


def test_options() -> None:
    parsed = parse_query(["@_custom1:durable", "LIMIT", "5", "20", "SORTBY", "_custom2",
                          "DESC", "RETURN", "1", "_custom1", "NOCONTENT"])
    assert (parsed.offset, parsed.limit, parsed.sort_by, parsed.descending) == \
        (5, 20, "_custom2", True)
    assert parsed.return_fields == ["_custom1"] and parsed.no_content


def test_bad_clause_is_named() -> None:
    with pytest.raises(ValueError, match="custom1"):
        parse_query("custom1:durable")
    with pytest.raises(ValueError, match="unbalanced"):
        parse_query("@_a:[1 2")
