"""The side-effect guard: an action runs at most once per execution index.

The marker is inserted only if absent (HSETNX), so a replay, a duplicate delivery or a
second worker racing on the same step sees it taken. The action itself follows the
insert; a crash between the two loses the action (documented; HotMesh had the same gap).
"""

from __future__ import annotations

from ..context import WorkflowContext
from ..engines import job_key, store_of
from ..markers import session_id

__all__ = ["side_effect_allowed"]


async def side_effect_allowed(ctx: WorkflowContext, prefix: str, index: int) -> bool:
    name = session_id(prefix, ctx.workflow_dimension, index)
    if name in ctx.replay.markers:
        return False
    store = store_of(ctx.hotmesh)
    won = await store.hsetnx(job_key(ctx.hotmesh, ctx.namespace, ctx.workflow_id), name, "1")
    ctx.replay.record(name, "1")
    return bool(won)
