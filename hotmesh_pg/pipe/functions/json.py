"""``{@json.*}``: ``JSON.stringify`` / ``JSON.parse`` with JS output and errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotmesh_pg.pipe.js import UNDEFINED, Undefined, json_parse, json_stringify

__all__ = ["FUNCTIONS"]


def stringify(value: Any = UNDEFINED, replacer: Any = UNDEFINED, space: Any = UNDEFINED,
              *_: Any) -> str | Undefined:
    return json_stringify(value, replacer, space)


def parse(text: Any = UNDEFINED, reviver: Any = UNDEFINED, *_: Any) -> Any:
    # a YAML map cannot hold a callable, so the reviver is always ignored as JS ignores
    # non-callable revivers
    return json_parse(text)


FUNCTIONS: dict[str, Callable[..., Any]] = {"stringify": stringify, "parse": parse}
