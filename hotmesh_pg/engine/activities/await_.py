"""Await: starts a child job and (usually) waits for its result (4.5.3)."""

from __future__ import annotations

from typing import Any

from ..store import to_wire
from .worker import Worker

__all__ = ["Await"]


class Await(Worker):
    def exec_activity(self, tx: Any) -> None:
        topic = self.resolve(self.config.get("subtype"))
        message = self.work_message(topic, "await")
        if self.config.get("await", True) is not True and \
                self.resolve(self.config.get("await")) is False:
            message["metadata"]["await"] = False
        tx.xadd(self.engine.stream_key, to_wire(message))
