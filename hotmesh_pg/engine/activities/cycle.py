"""Cycle: re-enters an ancestor in a fresh dimension (4.5.6)."""

from __future__ import annotations

from typing import Any

from .. import collator
from ..store import to_wire
from .base import Activity

__all__ = ["Cycle"]


class Cycle(Activity):
    log_name = "cycle"

    async def enter(self) -> None:
        self.map_input_data()
        tx = self.store.transaction()
        await self.set_state(tx)
        # the re-entry message, the early exit and the state are one commit here
        self.map_input_data()
        tx.xadd(self.engine.stream_key, to_wire(self.reentry_message()))
        await self.collate(collator.EARLY_EXIT, tx)
        await self.commit_leg1(tx)

    def reentry_message(self) -> dict[str, Any]:
        ancestor = str(self.config.get("ancestor"))
        dad = collator.reentry_dimension(str(self.metadata.get("dad") or ""), self.ancestors(),
                                         ancestor)
        return {
            "metadata": self.child_metadata(dad, ancestor, "l1s"),
            "data": self.context.get("data"),
        }
