"""Redis replies turned into the protocol's Python types, shared by direct calls and EXEC.

Keeping one converter per reply shape guarantees a call returns the same value whether it
ran alone or inside a transaction (the contract compares both).
"""

from __future__ import annotations

import math
from typing import Any, cast

from ...errors import ProviderError

__all__ = [
    "amount",
    "score", "scored", "text", "to_bool", "to_float", "to_int", "ttl_ms",
]


def to_float(raw: Any, when_dropped: float) -> float:
    """HINCRBYFLOAT's reply is text ("3", "0.5"); nil means a guarded write was dropped."""
    if raw is None or raw is False:
        return float(when_dropped)
    return float(raw)


def to_int(raw: Any, when_dropped: int = 0) -> int:
    if raw is None or raw is False:
        return int(when_dropped)
    return int(raw)


def to_bool(raw: Any) -> bool:
    return bool(raw)


def ttl_ms(seconds: float) -> int:
    """Seconds to whole milliseconds, at least 1 so a tiny positive TTL still expires later."""
    return max(1, math.ceil(seconds * 1000))


def score(value: float) -> str:
    """A ZRANGEBYSCORE bound; infinities as Redis spells them."""
    if math.isinf(value):
        return "+inf" if value > 0 else "-inf"
    return repr(float(value))


def text(raw: Any) -> str | None:
    """A bulk-string reply (the client decodes to ``str``) or nil."""
    return None if raw is None else str(raw)


def scored(rows: Any) -> list[tuple[str, float]]:
    """WITHSCORES rows as ``(member, score)`` pairs."""
    return [(str(member), float(value)) for member, value in cast(list[Any], rows)]


def amount(value: float, *, integer: bool) -> str:
    """An increment as command text; refuses what is not a finite number before sending."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProviderError(f"increment amount must be a number, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ProviderError(f"increment amount must be finite, got {value!r}")
    if integer or isinstance(value, int):
        return str(int(value)) if float(value).is_integer() else repr(value)
    return repr(value)
