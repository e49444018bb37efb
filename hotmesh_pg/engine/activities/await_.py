"""Await: starts a child job and (usually) waits for its result (4.5.3)."""

from __future__ import annotations

from typing import Any

from ..store import to_wire
from .base import new_guid
from .worker import Worker

__all__ = ["Await"]


class Await(Worker):
    def exec_activity(self, tx: Any) -> None:
        topic = self.resolve(self.config.get("subtype"))
        message: dict[str, Any] = {
            "metadata": {
                "guid": new_guid(), "jid": self.jid, "gid": self.context["metadata"].get("gid"),
                "dad": self.metadata.get("dad"), "aid": self.aid, "topic": topic,
                "spn": self.context["$self"]["output"]["metadata"].get("l1s"),
                "trc": self.context["metadata"].get("trc"),
            },
            "type": "await",
            "data": self.context.get("data"),
        }
        if self.config.get("await", True) is not True and \
                self.resolve(self.config.get("await")) is False:
            message["metadata"]["await"] = False
        if self.config.get("retry"):
            message["policies"] = {"retry": self.config["retry"]}
        tx.xadd(self.engine.stream_key, to_wire(message))
