"""``{@logical.*}``: JS ``&&`` / ``||``, returning an operand rather than a boolean."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotmesh_pg.pipe.js import UNDEFINED, truthy

__all__ = ["FUNCTIONS"]


def and_(first: Any = UNDEFINED, second: Any = UNDEFINED, *_: Any) -> Any:
    return second if truthy(first) else first


def or_(first: Any = UNDEFINED, second: Any = UNDEFINED, *_: Any) -> Any:
    return first if truthy(first) else second


FUNCTIONS: dict[str, Callable[..., Any]] = {"and": and_, "or": or_}
