"""Worker: hands the input to a topic worker and waits for its responses (4.5.2)."""

from __future__ import annotations

import logging
from typing import Any

from .. import collator
from ..store import to_wire
from .base import DROPPED_ERRORS, Activity, new_guid

__all__ = ["Worker"]

log = logging.getLogger("hotmesh_pg.engine.activity")


class Worker(Activity):
    async def process(self) -> str | None:
        try:
            await self.verify_entry()
            self.start_span()
            self.map_input_data()
            tx = self.store.transaction()
            self.exec_activity(tx)
            await self.store.collate(self.jid, self.aid, collator.AUTHORIZE_REENTRY,
                                     self.dims(), tx)
            await self.set_state(tx)
            # HotMesh added 0 to the job status here only to read it back; nothing reads it
            self.engine.fold_ack(tx)
            await tx.exec()
            return self.aid
        except DROPPED_ERRORS as err:
            log.info("worker-process-dropped %s: %s", type(err).__name__, err)
            return None
        except Exception as err:
            self.span_error(err)
            raise
        finally:
            self.end_span()

    def work_message(self, topic: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "metadata": {
                "guid": new_guid(), "jid": self.jid, "gid": self.context["metadata"].get("gid"),
                "dad": self.metadata.get("dad"), "aid": self.aid, "topic": topic,
                "spn": self.context["$self"]["output"]["metadata"].get("l1s"),
                "trc": self.context["metadata"].get("trc"),
            },
            "data": self.context.get("data"),
        }
        if self.config.get("retry"):
            message["policies"] = {"retry": self.config["retry"]}
        return message

    def exec_activity(self, tx: Any) -> None:
        topic = self.resolve(self.config.get("subtype"))
        message = self.work_message(topic)
        tx.xadd(self.engine.worker_stream_key(str(topic)), to_wire(message))
