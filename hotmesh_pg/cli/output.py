"""Where the command writes: JSON on stdout for scripts, sentences on stderr for people."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import sys
from typing import Any


def _fallback(value: Any) -> Any:
    """Render the few non-JSON values job data can hold instead of failing the whole output."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return repr(value)


def to_json(value: Any, *, compact: bool = False) -> str:
    if compact:
        return json.dumps(value, default=_fallback, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(value, default=_fallback, ensure_ascii=False, indent=2)


def emit(value: Any, *, compact: bool = False) -> None:
    """Write one JSON document (a line when ``compact``) to stdout and flush it."""
    sys.stdout.write(to_json(value, compact=compact) + "\n")
    sys.stdout.flush()


def say(message: str) -> None:
    """A line for the person at the terminal; never part of the machine-readable output."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
