"""What a router answers: retry decisions, error responses and message ids (runtime.md 3.3-3.5).

Pure functions, kept apart from the consume loop in :mod:`.router` so the policy can be read
(and tested) on its own. The wire shapes are HotMesh's: ``{"status": "error", "code",
"metadata", "data": {"message", "code", "stack"?, "error"?}}``.
"""

from __future__ import annotations

import math
import secrets
import string
import traceback
from collections.abc import Mapping
from typing import Any

from .. import settings

__all__ = [
    "code_of",
    "guid",
    "should_retry",
    "structure_error",
    "structure_unacknowledged_error",
    "structure_unhandled_error",
    "try_count",
]

JSONDict = dict[str, Any]

_GUID_ALPHABET = string.ascii_letters + string.digits
# byte -> id character; 256 = 4 x 62 + 8, so the first 8 characters are very slightly more
# likely (an id, not a key: uniqueness is what matters, at ~125 bits for 21 characters).
_GUID_TABLE = bytes(ord(_GUID_ALPHABET[b % 62]) for b in range(256))


def guid(size: int = 21) -> str:
    """A new random id of ``[A-Za-z0-9]`` (HotMesh's nanoid without ``_``/``-``)."""
    return secrets.token_bytes(size).translate(_GUID_TABLE).decode("ascii")


# -- retry policy (3.4) ---------------------------------------------------------------------
def try_count(input_: Mapping[str, Any]) -> int:
    raw = (input_.get("metadata") or {}).get("try") or 0
    try:
        return max(0, int(raw))
    except (TypeError, ValueError):
        return 0


def should_retry(
    input_: Mapping[str, Any],
    output: Mapping[str, Any],
    worker_retry: Mapping[str, Any] | None = None,
) -> tuple[bool, int]:
    """``(retry?, delay_ms)`` for an error ``output`` answering ``input_``.

    The message's YAML policy (``policies.retry = {"<code>": [max, "x"]}``) wins; retry while
    ``try < max`` with a delay of ``10 ** (min(try, 3) + 1)`` ms. Failing that, a worker's
    structured ``retry`` (newer HotMesh, 3.4.3: ``maximum_attempts``, ``backoff_coefficient``,
    ``initial_interval`` and ``maximum_interval`` in seconds) retries while
    ``try + 1 < maximum_attempts``.
    """
    tries = try_count(input_)
    policies = (input_.get("policies") or {}).get("retry")
    code = output.get("code")
    if isinstance(policies, Mapping) and code is not None:
        policy = policies.get(str(code))
        if isinstance(policy, list | tuple) and policy:
            try:
                max_tries = int(policy[0])
            except (TypeError, ValueError):
                max_tries = 0
            if tries < max_tries:
                return True, 10 ** (min(tries, settings.HMSH_MAX_RETRIES) + 1)
            return False, 0
    if worker_retry:
        attempts = int(worker_retry.get("maximum_attempts", 3))
        if tries + 1 < attempts:
            coefficient = float(worker_retry.get("backoff_coefficient", 10))
            initial_s = float(worker_retry.get("initial_interval", 1))
            ceiling_s = _seconds(worker_retry.get("maximum_interval", 120))
            delay_s = min(initial_s * coefficient ** (tries + 1), ceiling_s)
            return True, int(delay_s * 1000)
    return False, 0


def _seconds(value: Any) -> float:
    if isinstance(value, str):
        text = value.strip().lower().rstrip("s")
        return float(text) if text else 0.0
    return float(value)


def code_of(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value.strip()))
        except ValueError:
            return None
    return None


def structure_error(input_: Mapping[str, Any], output: Mapping[str, Any]) -> JSONDict:
    """The final error response sent to the engine once retries are exhausted (3.3)."""
    data = output.get("data") if isinstance(output.get("data"), Mapping) else {}
    assert isinstance(data, Mapping)
    message = str(data["message"]) if data.get("message") else settings.HMSH_STATUS_UNKNOWN
    code = code_of(output.get("code") or data.get("code"))
    if code is None:
        code = settings.HMSH_CODE_UNKNOWN
    stack = str(data["stack"]) if data.get("stack") else None
    err: JSONDict = {"message": message, "code": code}
    if stack is not None:
        err["stack"] = stack
    if isinstance(data.get("error"), Mapping):
        err["error"] = dict(data["error"])
    response: JSONDict = {
        "status": "error",
        "code": code,
        "metadata": {**(input_.get("metadata") or {}), "guid": guid()},
        "data": err,
    }
    if stack is not None:
        response["stack"] = stack
    return response


def structure_unhandled_error(input_: Mapping[str, Any], err: BaseException) -> JSONDict:
    """An exception raised by a callback, as a 500 error response."""
    data: JSONDict = {"message": str(err) or settings.HMSH_STATUS_UNKNOWN,
                      "name": type(err).__name__}
    data["stack"] = "".join(traceback.format_exception(err)).strip()
    return {
        "status": "error",
        "code": settings.HMSH_CODE_UNKNOWN,
        "metadata": {**(input_.get("metadata") or {}), "guid": guid()},
        "data": data,
    }


def structure_unacknowledged_error(input_: Mapping[str, Any]) -> JSONDict:
    """The 999 dead-letter response; it has no topic so it is routed to the engine."""
    metadata = {**(input_.get("metadata") or {}), "guid": guid()}
    metadata.pop("topic", None)
    code = settings.HMSH_CODE_UNACKED
    return {
        "metadata": metadata,
        "status": "error",
        "code": code,
        "data": {"message": "stream message max delivery count exceeded", "code": code},
    }
