"""Signal: sends a hook to one waiting job or to every indexed job (4.5.5)."""

from __future__ import annotations

from .base import Activity, is_undefined

__all__ = ["Signal"]

class Signal(Activity):
    log_name = "signal"

    async def enter(self) -> None:
        self.adjacency_list = await self.filter_adjacent()
        self.map_output_data()
        self.map_job_data()
        tx = self.store.transaction()
        await self.set_state(tx)
        await self.collate_early_completion(tx)
        job_status = await self.commit_children(tx, len(self.adjacency_list) - 1)
        if self.config.get("subtype") == "all":
            await self.hook_all()
        else:
            await self.hook_one()
        await self.transition(job_status)

    def _maps(self, section: str) -> object:
        maps = (self.config.get(section) or {}).get("maps")
        return self.map_rules(maps) if maps else {}

    async def hook_one(self) -> None:
        topic = self.resolve(self.config.get("topic"))
        data = self._maps("signal")
        status = self.resolve(self.config["status"]) if self.config.get("status") else None
        code = self.resolve(self.config["code"]) if self.config.get("code") else None
        status = "success" if status is None or is_undefined(status) else status
        code = 200 if code is None or is_undefined(code) else int(code)
        await self.engine.hook(str(topic), data if isinstance(data, dict) else {}, status, code)

    async def hook_all(self) -> None:
        data = self._maps("signal")
        resolver = self._maps("resolver")
        query = dict(resolver) if isinstance(resolver, dict) else {}
        if self.config.get("scrub"):
            query["scrub"] = self.config["scrub"]
        key_name = self.config.get("key_name")
        key_value = self.resolve(self.config.get("key_value"))
        facets = [f"{key_name}:{key_value}"] if key_name else []
        await self.engine.hook_all(str(self.config.get("topic")),
                                   data if isinstance(data, dict) else {}, query, facets)
