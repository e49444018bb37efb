"""Interrupt: stops this job or another one (4.5.7)."""

from __future__ import annotations

import logging
from typing import Any

from ...errors import HotMeshError
from .base import Activity, is_undefined

__all__ = ["Interrupt"]

log = logging.getLogger("hotmesh_pg.engine.activity")

_OPTION_KEYS = ("reason", "throw", "descend", "code", "expire", "stack")


class Interrupt(Activity):
    log_name = "interrupt"

    async def enter(self) -> None:
        target = self.config.get("target")
        resolved = self.resolve(target) if target else None
        if not target or resolved == self.jid or is_undefined(resolved):
            await self.interrupt_self()
        else:
            await self.interrupt_another(str(resolved))

    def options(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in _OPTION_KEYS:
            if key in self.config:
                value = self.resolve(self.config[key])
                if not is_undefined(value):
                    out[key] = value
        return out

    def topic(self) -> str:
        topic = self.resolve(self.config["topic"]) if self.config.get("topic") else None
        if topic is None or is_undefined(topic):
            return str(self.context["metadata"].get("tpc") or self.config.get("subscribes"))
        return str(topic)

    async def interrupt_self(self) -> None:
        if (self.config.get("job") or {}).get("maps"):
            self.map_job_data()
            tx = self.store.transaction()
            await self.set_state(tx)
            await tx.exec()
        await self.engine.interrupt(self.topic(), self.jid, self.options())
        tx = self.store.transaction()
        await self.collate_early_completion(tx)
        self.store.set_status(tx, self.jid, -1)
        self.engine.fold_ack(tx)
        await tx.exec()

    async def interrupt_another(self, target: str) -> None:
        try:
            await self.engine.interrupt(self.topic(), target, self.options())
        except HotMeshError as err:
            log.info("interrupt-another-failed %s", err)
        self.adjacency_list = await self.filter_adjacent()
        tx = self.store.transaction()
        if (self.config.get("job") or {}).get("maps") or \
                (self.config.get("output") or {}).get("maps"):
            self.map_output_data()
            self.map_job_data()
            await self.set_state(tx)
        await self.collate_early_completion(tx)
        await self.finish(tx, len(self.adjacency_list) - 1)
