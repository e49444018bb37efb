"""Helpers shared by the pipe tests: call a catalog function, compare JS values."""

from __future__ import annotations

import math
from typing import Any

import pytest

from hotmesh_pg.pipe.functions import FUNCTIONS


def call(name: str, *args: Any) -> Any:
    domain, function = name.split(".")
    return FUNCTIONS[domain][function](*args)


def js_same(actual: Any, expected: Any) -> bool:
    """SameValue for numbers (NaN equals NaN, -0 differs from 0), bool is not a number,
    structural equality for lists/dicts."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        if math.isnan(expected):
            return math.isnan(actual)
        return actual == expected and math.copysign(1, actual) == math.copysign(1, expected)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(actual) == len(expected) and all(
            js_same(a, e) for a, e in zip(actual, expected, strict=True))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return list(actual) == list(expected) and all(
            js_same(actual[k], expected[k]) for k in expected)
    return bool(type(actual) is type(expected) and actual == expected) or actual is expected


@pytest.fixture
def assert_call() -> Any:
    def check(name: str, args: tuple[Any, ...], expected: Any) -> None:
        actual = call(name, *args)
        assert js_same(actual, expected), f"{name}{args!r} = {actual!r}, expected {expected!r}"

    return check
