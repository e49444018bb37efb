"""``signal``: send a signal from inside a workflow (at most once per execution index)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from ..context import require_context
from ..markers import check_json
from ..signals import send_signal
from .guard import side_effect_allowed

__all__ = ["signal"]


def signal(signal_id: str, data: Any) -> Awaitable[str | None]:
    """Deliver ``data`` to ``wait_for(signal_id)``; ``None`` when already sent on a replay."""
    ctx = require_context("signal")
    check_json(data, f"signal {signal_id!r} data")
    index = ctx.next_index()
    ctx.replay.occupied(index, "signal")

    async def run() -> str | None:
        if not await side_effect_allowed(ctx, "signal", index):
            return None
        return await send_signal(ctx.hotmesh, ctx.namespace, signal_id, data)

    return run()
