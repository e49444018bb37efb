"""``random``: a deterministic number in [0, 1) seeded by the execution index."""

from __future__ import annotations

import math
from collections.abc import Awaitable

from ..context import require_context
from ..interruptions import resolved

__all__ = ["deterministic_random", "random"]


def deterministic_random(index: int) -> float:
    """``frac(sin(index) * 10000)``, HotMesh's formula (tests compare with this helper)."""
    x = math.sin(index) * 10000
    return x - math.floor(x)


def random() -> Awaitable[float]:
    ctx = require_context("random")
    index = ctx.next_index()
    ctx.replay.occupied(index, "random")
    return resolved(deterministic_random(index))
