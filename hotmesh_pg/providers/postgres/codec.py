"""Text values as Postgres stores them: every Unicode string round-trips, NUL included.

Postgres ``text`` cannot hold U+0000. Strings without NUL that do not start with the marker
U+0001 are stored unchanged (so numeric counters stay castable and prefixes stay indexable);
any other string is stored as the marker followed by the string with U+0001 written as
U+0001 U+0002 and NUL as U+0001 U+0003.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ...errors import ProviderError

__all__ = ["decode", "dumps", "encode", "loads"]

_MARK = "\x01"
_UNESCAPE = re.compile("\x01([\x02\x03])")


def encode(value: str) -> str:
    if "\x00" not in value and not value.startswith(_MARK):
        return value
    return _MARK + value.replace(_MARK, "\x01\x02").replace("\x00", "\x01\x03")


def decode(stored: str) -> str:
    if not stored.startswith(_MARK):
        return stored
    return _UNESCAPE.sub(lambda m: "\x01" if m.group(1) == "\x02" else "\x00", stored[1:])


def dumps(message: Any) -> str:
    """JSON for a stream or pub/sub payload; ``ProviderError`` names what cannot be encoded."""
    try:
        return json.dumps(message, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise ProviderError(f"message cannot be serialised to JSON: {exc}") from exc


def loads(text: str) -> Any:
    return json.loads(text)
