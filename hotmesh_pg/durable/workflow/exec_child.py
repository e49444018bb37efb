"""``exec_child`` / ``start_child``: run another workflow as a child of this one."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

from ...errors import (
    DurableError,
    DurableFatalError,
    DurableMaxedError,
    DurableRetryError,
    DurableTimeoutError,
)
from ..context import WorkflowContext, require_context
from ..interruptions import interrupted, raising, resolved
from ..markers import check_json
from ..options import RetryPolicy
from ._retry import retry_fields

__all__ = ["child_id", "exec_child", "start_child"]

_BY_CODE: dict[int, type[DurableError]] = {
    596: DurableTimeoutError,
    597: DurableMaxedError,
    598: DurableFatalError,
}


def child_id(ctx: WorkflowContext, workflow_name: str, index: int, entity: str | None) -> str:
    """A default child id that is the same on every replay (HotMesh used a random guid)."""
    dim = ctx.workflow_dimension
    if entity:
        return f"{entity}-{ctx.workflow_id}{dim}-{index}"
    return f"-{workflow_name}-{ctx.workflow_id}{dim}-{index}"


def _error_of(value: Mapping[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    stream = value.get("stream_error")
    if isinstance(stream, str):
        try:
            stream = json.loads(stream)
        except ValueError:
            stream = {"message": stream}
    if stream:
        return (dict(stream) if isinstance(stream, Mapping) else {"message": str(stream)}), True
    error = value.get("$error")
    if error:
        return (dict(error) if isinstance(error, Mapping) else {"message": str(error)}), False
    return None, False


def _spawn(
    what: str, await_: bool, workflow_name: str | None, task_queue: str | None,
    args: Sequence[Any], workflow_id: str | None, entity: str | None,
    config: RetryPolicy | Mapping[str, Any] | None, expire: float | None,
) -> Awaitable[Any]:
    ctx = require_context(what)
    policy = RetryPolicy.of(config)
    name = entity or workflow_name
    queue = entity or task_queue
    if not name or not queue:
        raise ValueError(f"{what} needs workflow_name and task_queue (or entity)")
    check_json(list(args), f"{what} {name!r} arguments")
    index = ctx.next_index()
    prefix = "child" if await_ else "start"
    topic = f"{queue}-{name}"
    hit, value = ctx.replay.lookup(prefix, index, detail=topic, recorded_detail="topic")
    if hit and isinstance(value, Mapping):
        error, is_stream = _error_of(value)
        if error is None:
            if await_:
                return resolved(value.get("data"))
            return resolved(value.get("job_id") or workflow_id)
        if not (is_stream and ctx.can_retry):
            if not policy.throw_on_error:
                return resolved(error)
            code = int(error.get("code") or 599)
            cls = _BY_CODE.get(code, DurableRetryError)
            return raising(cls(str(error.get("message", "")), code=code if cls is DurableRetryError
                               else None, stack=error.get("stack")))
        # a stream error (e.g. duplicate id) while retries remain: spawn again
    child = workflow_id or child_id(ctx, name, index, entity)
    return interrupted(ctx, {
        "code": 590,
        "await": await_,
        "arguments": list(args),
        "index": index,
        "workflowDimension": ctx.workflow_dimension,
        "workflowId": child,
        "workflowName": name,
        "workflowTopic": topic,
        "parentWorkflowId": ctx.workflow_id,
        "originJobId": ctx.origin_job_id or ctx.workflow_id,
        "expire": expire if expire is not None else 0,
        **retry_fields(ctx, policy),
    })


def exec_child(
    *, workflow_name: str | None = None, task_queue: str | None = None,
    args: Sequence[Any] = (), workflow_id: str | None = None, entity: str | None = None,
    config: RetryPolicy | Mapping[str, Any] | None = None, expire: float | None = None,
) -> Awaitable[Any]:
    """Run a child workflow and return its result (its failure raises by code)."""
    return _spawn("exec_child", True, workflow_name, task_queue, args, workflow_id, entity,
                  config, expire)


def start_child(
    *, workflow_name: str | None = None, task_queue: str | None = None,
    args: Sequence[Any] = (), workflow_id: str | None = None, entity: str | None = None,
    config: RetryPolicy | Mapping[str, Any] | None = None, expire: float | None = None,
) -> Awaitable[str]:
    """Start a child workflow without waiting; returns its id."""
    return _spawn("start_child", False, workflow_name, task_queue, args, workflow_id, entity,
                  config, expire)
