"""JSON text for stream entries and pub/sub messages, failing before anything is written."""

from __future__ import annotations

import json
from typing import Any

from ...errors import ProviderError

__all__ = ["decode", "encode"]


def encode(message: Any, where: str) -> str:
    """Serialise ``message``; ``ProviderError`` names the offending type and destination.

    NaN and infinities are refused too: they are not JSON, and the Postgres provider's jsonb
    could not hold them, so both providers fail the same way.
    """
    if not isinstance(message, dict):
        raise ProviderError(f"{where}: a message must be a dict, got {type(message).__name__}")
    try:
        return json.dumps(message, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as err:
        raise ProviderError(f"{where}: message cannot be serialised: {err}") from err


def decode(text: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ProviderError(f"stream entry is not a JSON object: {text[:80]!r}")
    return value
