"""``hook``: run another workflow function as a thread inside a running workflow's job."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

from ..context import require_context
from ..markers import check_json
from ..options import RetryPolicy
from .guard import side_effect_allowed

__all__ = ["hook"]


def hook(
    *, args: Sequence[Any] = (), task_queue: str | None = None,
    workflow_name: str | None = None, workflow_id: str | None = None,
    entity: str | None = None, config: RetryPolicy | Mapping[str, Any] | None = None,
) -> Awaitable[str | None]:
    """Start ``{task_queue}-{workflow_name}`` (default: this workflow's own function) as a
    hook thread of ``workflow_id`` (default: this workflow). Returns the message id, or
    ``None`` on a replay."""
    ctx = require_context("hook")
    check_json(list(args), "hook arguments")
    index = ctx.next_index()
    ctx.replay.occupied(index, "hook")
    name = entity or workflow_name or ctx.workflow_name
    queue = entity or task_queue or ctx.task_queue
    target = workflow_id or ctx.workflow_id
    RetryPolicy.of(config)

    async def run() -> str | None:
        if not await side_effect_allowed(ctx, "hook", index):
            return None
        message_id = await ctx.hotmesh.hook(
            f"{ctx.namespace}.flow.signal",
            {"id": target, "arguments": list(args), "workflowTopic": f"{queue}-{name}",
             "workflowName": name},
            status="pending", code=202,
        )
        return str(message_id)

    return run()
