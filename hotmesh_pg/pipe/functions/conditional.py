"""``{@conditional.*}``: ternary, JS equality and relational operators, ``??``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotmesh_pg.pipe.js import UNDEFINED, is_nullish, loose_equals, relational, strict_equals
from hotmesh_pg.pipe.js import truthy as _truthy

__all__ = ["FUNCTIONS"]


def ternary(condition: Any = UNDEFINED, if_true: Any = UNDEFINED, if_false: Any = UNDEFINED,
            *_: Any) -> Any:
    return if_true if _truthy(condition) else if_false


def equality(a: Any = UNDEFINED, b: Any = UNDEFINED, *_: Any) -> bool:
    return loose_equals(a, b)


def strict_equality(a: Any = UNDEFINED, b: Any = UNDEFINED, *_: Any) -> bool:
    return strict_equals(a, b)


def greater_than(a: Any = UNDEFINED, b: Any = UNDEFINED, *_: Any) -> bool:
    return relational(a, b, ">")


def less_than(a: Any = UNDEFINED, b: Any = UNDEFINED, *_: Any) -> bool:
    return relational(a, b, "<")


def greater_than_or_equal(a: Any = UNDEFINED, b: Any = UNDEFINED, *_: Any) -> bool:
    return relational(a, b, ">=")


def less_than_or_equal(a: Any = UNDEFINED, b: Any = UNDEFINED, *_: Any) -> bool:
    return relational(a, b, "<=")


def nullish(a: Any = UNDEFINED, b: Any = UNDEFINED, *_: Any) -> Any:
    return b if is_nullish(a) else a


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "ternary": ternary,
    "equality": equality,
    "strict_equality": strict_equality,
    "greater_than": greater_than,
    "less_than": less_than,
    "greater_than_or_equal": greater_than_or_equal,
    "less_than_or_equal": less_than_or_equal,
    "nullish": nullish,
}
