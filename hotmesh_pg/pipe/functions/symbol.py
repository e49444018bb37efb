"""``{@symbol.*}``: nullary constants (fresh objects on every call)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from hotmesh_pg.pipe.js import UNDEFINED, JSDate

__all__ = ["FUNCTIONS"]


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "null": lambda *_: None,
    "undefined": lambda *_: UNDEFINED,
    "whitespace": lambda *_: " ",
    "object": lambda *_: {},
    "array": lambda *_: [],
    "posInfinity": lambda *_: math.inf,
    "negInfinity": lambda *_: -math.inf,
    "NaN": lambda *_: math.nan,
    "date": lambda *_: JSDate.now(),
}
