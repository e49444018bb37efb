"""The pipe function registry: ``FUNCTIONS[domain][name]`` for every ``{@domain.name}``.

Each family lives in its own module and exports its own ``FUNCTIONS`` table keyed by the
JS name. Every function takes its arguments positionally, treats a missing argument as
``UNDEFINED`` and ignores surplus ones, because a pipe row spreads all of the previous
row's cells into the call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotmesh_pg.pipe.functions import (
    array,
    bitwise,
    conditional,
    date,
    json,
    logical,
    math,
    number,
    object,
    string,
    symbol,
    unary,
)

__all__ = ["FUNCTIONS"]

FUNCTIONS: dict[str, dict[str, Callable[..., Any]]] = {
    "array": array.FUNCTIONS,
    "bitwise": bitwise.FUNCTIONS,
    "conditional": conditional.FUNCTIONS,
    "date": date.FUNCTIONS,
    "json": json.FUNCTIONS,
    "logical": logical.FUNCTIONS,
    "math": math.FUNCTIONS,
    "number": number.FUNCTIONS,
    "object": object.FUNCTIONS,
    "string": string.FUNCTIONS,
    "symbol": symbol.FUNCTIONS,
    "unary": unary.FUNCTIONS,
}
