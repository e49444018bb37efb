"""What the pipe functions share: JS method-receiver errors and index arithmetic."""

from __future__ import annotations

import math
from typing import Any

from hotmesh_pg.pipe.errors import PipeTypeError
from hotmesh_pg.pipe.js import UNDEFINED, is_nullish, to_integer_or_infinity, to_string

__all__ = ["clamp_position", "no_method", "relative_index"]


def no_method(value: object, method: str, param: str = "input") -> PipeTypeError:
    """The TypeError JS throws for ``param.method(...)`` on a value that lacks the method."""
    if is_nullish(value):
        return PipeTypeError(
            f"Cannot read properties of {to_string(value)} (reading '{method}')"
        )
    return PipeTypeError(f"{param}.{method} is not a function")


def relative_index(value: Any, length: int, default: int = 0) -> int:
    """A start/end argument of ``slice``/``splice``: negatives count back from ``length``."""
    if value is UNDEFINED:
        return default
    rel = to_integer_or_infinity(value)
    if rel == -math.inf:
        return 0
    if rel < 0:
        return int(max(length + rel, 0))
    return int(min(rel, length))


def clamp_position(value: Any, length: int, default: int = 0) -> int:
    """A position argument of ``indexOf``/``startsWith``: clamped into ``0..length``."""
    if value is UNDEFINED:
        return default
    return int(min(max(to_integer_or_infinity(value), 0), length))
