"""``{@unary.*}``: JS ``!``, unary ``+``, unary ``-`` and ``~``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotmesh_pg.pipe.js import UNDEFINED, num, to_int32, to_number, truthy

__all__ = ["FUNCTIONS"]


def not_(value: Any = UNDEFINED, *_: Any) -> bool:
    return not truthy(value)


def positive(value: Any = UNDEFINED, *_: Any) -> int | float:
    return num(to_number(value))


def negative(value: Any = UNDEFINED, *_: Any) -> int | float:
    return num(-to_number(value))


def bitwise_not(value: Any = UNDEFINED, *_: Any) -> int:
    return ~to_int32(value)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "not": not_,
    "positive": positive,
    "negative": negative,
    "bitwise_not": bitwise_not,
}
