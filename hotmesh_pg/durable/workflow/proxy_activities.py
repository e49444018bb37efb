"""``proxy_activities``: call activities durably (each call runs once, with retries)."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ...errors import ActivityFailedError
from ..activities import register_activities, registered
from ..context import require_context
from ..interruptions import interrupted, raising, resolved
from ..markers import check_json, unwrap
from ..options import RetryPolicy
from ._retry import retry_fields

__all__ = ["ActivityProxy", "proxy_activities"]


def _failure(name: str, error: Mapping[str, Any]) -> ActivityFailedError:
    code = int(error.get("code") or 597)
    if code not in (596, 597, 598):
        code = 597  # a retryable failure that reached the workflow has exhausted its retries
    return ActivityFailedError(
        str(error.get("message", "")), code=code, activity_name=name,
        stack=error.get("stack"),
    )


class ActivityProxy:
    """Attribute access gives a durable wrapper for each registered activity."""

    def __init__(self, names: set[str] | None, policy: RetryPolicy) -> None:
        self._names = names
        self._policy = policy

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        if name.startswith("__"):
            raise AttributeError(name)
        if registered(name) is None and (self._names is None or name not in self._names):
            raise AttributeError(f"no activity named {name!r} is registered")
        return self.wrapper(name)

    def __getitem__(self, name: str) -> Callable[..., Awaitable[Any]]:
        return self.__getattr__(name)

    def wrapper(self, name: str) -> Callable[..., Awaitable[Any]]:
        policy = self._policy

        def call(*args: Any) -> Awaitable[Any]:
            ctx = require_context(name)
            check_json(list(args), f"activity {name!r} arguments")
            index = ctx.next_index()
            hit, value = ctx.replay.lookup("proxy", index, detail=name)
            if hit:
                value = value if isinstance(value, Mapping) else {"data": value}
                error = value.get("$error") or _stream_error(value)
                if error:
                    error = error if isinstance(error, Mapping) else {"message": str(error)}
                    if not policy.throw_on_error:
                        return resolved(dict(error))
                    return raising(_failure(name, error))
                return resolved(unwrap(value.get("data")))
            dim = ctx.workflow_dimension
            payload: dict[str, Any] = {
                "code": 591,
                "activityName": name,
                "arguments": list(args),
                "index": index,
                "workflowDimension": dim,
                "workflowId": f"-{ctx.workflow_id}-${name}{dim}-{index}",
                "workflowTopic": f"{ctx.workflow_topic}-activity",
                "parentWorkflowId": ctx.workflow_id,
                "originJobId": ctx.origin_job_id or ctx.workflow_id,
                **retry_fields(ctx, policy),
            }
            return interrupted(ctx, payload)

        call.__name__ = name
        return call


def _stream_error(value: Mapping[str, Any]) -> Any:
    err = value.get("stream_error")
    if isinstance(err, str):
        import json

        try:
            return json.loads(err)
        except ValueError:
            return {"message": err}
    return err


def proxy_activities(
    *,
    activities: Any = None,
    retry_policy: RetryPolicy | Mapping[str, Any] | None = None,
    start_to_close_timeout: str | None = None,
) -> ActivityProxy:
    """Durable wrappers for activities; callable at import time (no workflow needed).

    ``activities`` (function, dict, list, module or object) are registered so the activity
    worker can run them. A failure that reaches the workflow raises
    :class:`~hotmesh_pg.errors.ActivityFailedError` (code 596/597/598), unless the policy
    says ``throw_on_error=False``, in which case the error dict is returned.
    """
    owner = sys._getframe(1).f_globals.get("__name__")
    named = register_activities(activities, owner if isinstance(owner, str) else None)
    return ActivityProxy(set(named) if named else None, RetryPolicy.of(retry_policy))
