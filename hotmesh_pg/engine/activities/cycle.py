"""Cycle: re-enters an ancestor in a fresh dimension (4.5.6)."""

from __future__ import annotations

import logging
from typing import Any

from .. import collator
from ..store import to_wire
from .base import DROPPED_ERRORS, Activity, new_guid

__all__ = ["Cycle"]

log = logging.getLogger("hotmesh_pg.engine.activity")


class Cycle(Activity):
    async def process(self) -> str | None:
        try:
            await self.verify_entry()
            self.start_span()
            self.map_input_data()
            tx = self.store.transaction()
            await self.set_state(tx)
            # HotMesh added 0 to the job status here only to read it back; nothing reads it
            # the re-entry message, the early exit and the state are one commit here
            self.map_input_data()
            tx.xadd(self.engine.stream_key, to_wire(self.reentry_message()))
            await self.store.collate(self.jid, self.aid, collator.EARLY_EXIT, self.dims(), tx)
            self.engine.fold_ack(tx)
            await tx.exec()
            return self.aid
        except DROPPED_ERRORS as err:
            log.info("cycle-process-dropped %s: %s", type(err).__name__, err)
            return None
        except Exception as err:
            self.span_error(err)
            raise
        finally:
            self.end_span()

    def reentry_message(self) -> dict[str, Any]:
        ancestor = str(self.config.get("ancestor"))
        return {
            "metadata": {
                "guid": new_guid(), "jid": self.jid, "gid": self.context["metadata"].get("gid"),
                "dad": collator.reentry_dimension(str(self.metadata.get("dad") or ""),
                                                  self.ancestors(), ancestor),
                "aid": ancestor,
                "spn": self.context["$self"]["output"]["metadata"].get("l1s"),
                "trc": self.context["metadata"].get("trc"),
            },
            "data": self.context.get("data"),
        }
