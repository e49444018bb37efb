"""Redis stringmatchlen rules, checked without a server."""

from __future__ import annotations

import pytest

from hotmesh_pg.providers.postgres.glob import glob_match, glob_prefix


@pytest.mark.parametrize(("pattern", "value", "expected"), [
    ("*", "", True),
    ("*", "a:b.c", True),
    ("a*", "a", True),
    ("?", "", False),
    ("?", "é", True),
    ("[abc]", "b", True),
    ("[abc]", "d", False),
    ("[^abc]", "d", True),
    ("[^abc]", "a", False),
    ("[a-c]", "b", True),
    ("[c-a]", "b", True),
    ("[a-]", "]", True),
    ("[]", "]", False),
    ("[^]", "x", True),
    ("[\\]]", "]", True),
    ("[\\^]", "^", True),
    ("\\?", "?", True),
    ("\\?", "a", False),
    ("a\\", "a\\", True),
    ("[ab", "a", True),
    ("a.b", "a.b", True),
    ("a.b", "axb", False),
    ("(x)+", "(x)+", True),
    ("line\nbreak*", "line\nbreak!", True),
])
def test_glob_rules(pattern, value, expected):
    assert glob_match(pattern, value) is expected


def test_range_end_may_be_a_closing_bracket():
    # Redis reads "[a-]" as the range a..] (swapped to ]..a); "_" (0x5f) lies inside it.
    assert glob_match("[a-]", "_") is True


@pytest.mark.parametrize(("pattern", "prefix"), [
    ("order-*", "order-"), ("a\\*b*", "a*b"), ("[ab]c", ""), ("abc", "abc"), ("x?y", "x"),
])
def test_literal_prefix(pattern, prefix):
    assert glob_prefix(pattern) == prefix
