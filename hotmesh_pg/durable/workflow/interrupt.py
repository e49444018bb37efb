"""``interrupt``: stop another workflow (at most once per execution index)."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any

from ..context import require_context
from .guard import side_effect_allowed

__all__ = ["interrupt"]


def interrupt(workflow_id: str, options: Mapping[str, Any] | None = None) -> Awaitable[str | None]:
    """Interrupt ``workflow_id`` (options: reason, throw, descend, suppress, expire, code)."""
    ctx = require_context("interrupt")
    index = ctx.next_index()
    ctx.replay.occupied(index, "interrupt")

    async def run() -> str | None:
        if not await side_effect_allowed(ctx, "interrupt", index):
            return None
        result = await ctx.hotmesh.interrupt(
            f"{ctx.namespace}.execute", workflow_id, dict(options or {})
        )
        return None if result is None else str(result)

    return run()
