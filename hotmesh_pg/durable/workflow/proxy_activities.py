"""``proxy_activities``: call activities durably (each call runs once, with retries).

A call made on its own (no sibling durable call waiting in the same ``gather``) whose
activity is registered in this worker runs *in place*: the workflow worker runs the
activity, stores its ``-proxy{dim}-{i}-`` marker in the job hash and lets the function go
on, instead of ending the run with a 591 and having the graph spawn an activity job, run
it on the activity stream and re-run the workflow. That turns the 14 stream messages a
proxied call costs into one marker write. What the graph path gives stays where it
matters: a first attempt that fails with a retryable error hands the call to the graph
(activity job, backoff, further attempts; the failed attempt counts), gathered calls
collate as before, and an activity this worker does not know waits on its stream.
At-least-once is unchanged: the marker commits before the function goes on, and a crash
before that re-runs the activity on redelivery, as a crash before the activity stream's
ack would.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from ...errors import ActivityFailedError, DurableProxyError
from ..activities import execute_activity, register_activities, registered
from ..context import WorkflowContext, require_context
from ..engines import job_key, store_of
from ..interruptions import raising, resolved
from ..markers import check_json, decode_value, encode_value, session_id, timestamp, unwrap
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
                return _replayed(name, value, policy)
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
            # registered now, at call time, so that gathered siblings see each other
            ctx.interruption_registry.append(payload)
            return _run_or_interrupt(ctx, name, list(args), payload, policy)

        call.__name__ = name
        return call


def _outcome(name: str, value: Any, policy: RetryPolicy) -> Any:
    """The value a recorded call returns, or raise its failure."""
    value = value if isinstance(value, Mapping) else {"data": value}
    error = value.get("$error") or _stream_error(value)
    if error:
        error = error if isinstance(error, Mapping) else {"message": str(error)}
        if not policy.throw_on_error:
            return dict(error)
        raise _failure(name, error)
    return unwrap(value.get("data"))


def _replayed(name: str, value: Any, policy: RetryPolicy) -> Awaitable[Any]:
    try:
        return resolved(_outcome(name, value, policy))
    except ActivityFailedError as exc:
        return raising(exc)


async def _run_or_interrupt(
    ctx: WorkflowContext, name: str, args: Sequence[Any], payload: dict[str, Any],
    policy: RetryPolicy,
) -> Any:
    await asyncio.sleep(0)  # gathered siblings have registered by now (they did at call time)
    alone = len(ctx.interruption_registry) == 1 and ctx.interruption_registry[0] is payload
    fn = registered(name, ctx.activity_owner) if alone else None
    if fn is None:
        raise DurableProxyError(**{k: v for k, v in payload.items() if k != "code"})
    ctx.interruption_registry.remove(payload)
    started = timestamp()
    code, result = await execute_activity(fn, name, args)
    if code == 599:
        if int(payload["maximumAttempts"]) > 0:
            # retryable: the graph takes over with this attempt counted, after the first
            # backoff (min(coefficient ** 0, maximum interval))
            payload["retryCount"] = 1
            payload["throttleSeconds"] = min(1.0, float(payload["maximumInterval"]))
            ctx.interruption_registry.append(payload)
            raise DurableProxyError(**{k: v for k, v in payload.items() if k != "code"})
        result["$error"]["code"] = 597  # no retries allowed: exhausted at once
    record: dict[str, Any] = {
        "data": result.get("response"), "$error": result.get("$error"), "name": name,
        "job_id": payload["workflowId"], "ac": started, "au": timestamp(), "inline": True,
    }
    if record["$error"] is None:
        del record["$error"]
    marker = session_id("proxy", ctx.workflow_dimension, int(payload["index"]))
    store = store_of(ctx.hotmesh)
    key = job_key(ctx.hotmesh, ctx.namespace, ctx.workflow_id)
    if not await store.hsetnx(key, marker, encode_value(record)):
        # a concurrent run of this workflow recorded the call first: its outcome stands
        stored = await store.hget(key, marker)
        record = decode_value(stored) if stored is not None else record
    ctx.replay.record(marker, record)
    return _outcome(name, record, policy)


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
