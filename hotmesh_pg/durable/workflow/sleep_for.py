"""``sleep_for``: a durable timer; the workflow resumes after it, even across restarts."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping

from ..context import require_context
from ..duration import parse_duration
from ..interruptions import interrupted, resolved

__all__ = ["sleep_for"]


def sleep_for(duration: str | float) -> Awaitable[float]:
    """Sleep ``duration`` (``"5 seconds"``, ``"1 month"`` or seconds); returns the seconds."""
    ctx = require_context("sleep_for")
    seconds = parse_duration(duration)
    index = ctx.next_index()
    hit, value = ctx.replay.lookup("sleep", index)
    if hit:
        recorded = value.get("duration") if isinstance(value, Mapping) else value
        return resolved(float(recorded) if recorded is not None else seconds)
    return interrupted(ctx, {
        "code": 588,
        "duration": seconds,
        "index": index,
        "workflowDimension": ctx.workflow_dimension,
        "workflowId": ctx.workflow_id,
    })
