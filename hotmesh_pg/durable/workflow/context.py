"""Context accessors usable inside a workflow function."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..context import get_context, require_context
from ..interruptions import did_interrupt

if TYPE_CHECKING:
    from ...hotmesh import HotMesh

__all__ = ["did_interrupt", "get_context", "get_hotmesh"]


async def get_hotmesh() -> HotMesh:
    """The HotMesh engine running this workflow's namespace."""
    return require_context("get_hotmesh").hotmesh
