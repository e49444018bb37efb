"""Retry settings a spawned step carries: its own policy, else the workflow's, else defaults."""

from __future__ import annotations

from ..context import WorkflowContext
from ..options import (
    DEFAULT_BACKOFF_COEFFICIENT,
    DEFAULT_MAXIMUM_ATTEMPTS,
    DEFAULT_MAXIMUM_INTERVAL_S,
    RetryPolicy,
)


def retry_fields(ctx: WorkflowContext, policy: RetryPolicy) -> dict[str, float | int]:
    interval = policy.interval_s()
    return {
        "backoffCoefficient": _first(policy.backoff_coefficient, ctx.backoff_coefficient,
                                     DEFAULT_BACKOFF_COEFFICIENT),
        "maximumAttempts": int(_first(policy.maximum_attempts, ctx.maximum_attempts,
                                      DEFAULT_MAXIMUM_ATTEMPTS)),
        "maximumInterval": _first(interval, ctx.maximum_interval, DEFAULT_MAXIMUM_INTERVAL_S),
    }


def _first(*values: float | int | None) -> float | int:
    for value in values:
        if value is not None:
            return value
    raise AssertionError("a default is always given")  # pragma: no cover
