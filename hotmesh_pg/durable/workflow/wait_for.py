"""``wait_for``: pause until ``signal(signal_id, data)``; returns ``data``."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any

from ..context import require_context
from ..interruptions import interrupted, resolved

__all__ = ["wait_for"]


def wait_for(signal_id: str) -> Awaitable[Any]:
    """The payload of the signal named ``signal_id`` (a signal sent earlier is kept)."""
    if not isinstance(signal_id, str) or not signal_id:
        raise ValueError(f"wait_for needs a non-empty signal id, got {signal_id!r}")
    ctx = require_context("wait_for")
    index = ctx.next_index()
    hit, value = ctx.replay.lookup("wait", index)
    if hit:
        data = value.get("data") if isinstance(value, Mapping) else value
        if isinstance(data, Mapping) and "id" in data:
            data = data.get("data")
        return resolved(data)
    return interrupted(ctx, {
        "code": 595,
        "signalId": signal_id,
        "index": index,
        "workflowDimension": ctx.workflow_dimension,
        "workflowId": ctx.workflow_id,
    })
