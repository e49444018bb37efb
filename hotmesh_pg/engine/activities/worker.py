"""Worker: hands the input to a topic worker and waits for its responses (4.5.2)."""

from __future__ import annotations

from typing import Any

from .. import collator
from ..store import to_wire
from .base import Activity

__all__ = ["Worker"]


class Worker(Activity):
    log_name = "worker"

    async def enter(self) -> None:
        self.map_input_data()
        tx = self.store.transaction()
        self.exec_activity(tx)
        await self.collate(collator.AUTHORIZE_REENTRY, tx)
        await self.set_state(tx)
        await self.commit_leg1(tx)

    def work_message(self, topic: Any, message_type: str | None = None) -> dict[str, Any]:
        """The message for ``topic`` (``message_type`` adds a ``type`` after ``metadata``)."""
        message: dict[str, Any] = {
            "metadata": self.child_metadata(self.metadata.get("dad"), self.aid, "l1s",
                                            topic=topic),
        }
        if message_type is not None:
            message["type"] = message_type
        message["data"] = self.context.get("data")
        if self.config.get("retry"):
            message["policies"] = {"retry": self.config["retry"]}
        return message

    def exec_activity(self, tx: Any) -> None:
        topic = self.resolve(self.config.get("subtype"))
        message = self.work_message(topic)
        tx.xadd(self.engine.worker_stream_key(str(topic)), to_wire(message))
