"""Hook: a timer, a web-hook signal, or a pass-through step (4.5.4, 4.10)."""

from __future__ import annotations

import math
from typing import Any

from .. import collator
from .base import Activity, is_undefined

__all__ = ["Hook"]

def _as_seconds(value: Any) -> float | None:
    if is_undefined(value) or value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if not math.isnan(number) else None


class Hook(Activity):
    log_name = "hook"

    async def enter(self) -> None:
        if self.does_hook():
            await self.do_hook()
        else:
            await self.do_pass_through()

    def sleep_seconds(self) -> float | None:
        if not self.config.get("sleep"):
            return None
        return _as_seconds(self.resolve(self.config["sleep"]))

    def does_hook(self) -> bool:
        if self.config.get("sleep"):
            seconds = self.sleep_seconds()
            return seconds is not None and seconds > 0
        return bool((self.config.get("hook") or {}).get("topic"))

    async def do_hook(self) -> None:
        tx = self.store.transaction()
        await self.register_hook(tx)
        self.map_output_data()
        self.map_job_data()
        await self.set_state(tx)
        await self.collate(collator.AUTHORIZE_REENTRY, tx)
        await self.commit_leg1(tx)

    async def do_pass_through(self) -> None:
        tx = self.store.transaction()
        self.adjacency_list = await self.filter_adjacent()
        self.map_output_data()
        self.map_job_data()
        await self.set_state(tx)
        await self.collate_early_completion(tx)
        await self.finish(tx, len(self.adjacency_list) - 1)

    async def register_hook(self, tx: Any) -> None:
        topic = (self.config.get("hook") or {}).get("topic")
        if topic:
            await self.engine.timers.register_web_hook(tx, topic, self.context,
                                                       self.resolve_dad())
            return
        seconds = self.sleep_seconds()
        if seconds is not None:
            # scheduled inside this transaction: the timer cannot fire before leg 1 commits
            self.engine.timers.register_time_hook(
                tx, self.jid, str(self.context["metadata"].get("gid")), self.aid,
                str(self.metadata.get("dad") or ""), seconds)

    async def process_web_hook_event(self, status: str = "success", code: int = 200) -> None:
        topic = (self.config.get("hook") or {}).get("topic")
        data = dict(self.data) if isinstance(self.data, dict) else self.data
        signal = await self.engine.timers.process_web_hook_signal(str(topic), data)
        if signal is None:
            return
        jid, _aid, dad, gid, key = signal
        self.context["metadata"]["jid"] = jid
        self.context["metadata"]["gid"] = gid
        self.context["metadata"]["dad"] = dad
        await self.process_event(status, code, "hook")
        if code == 200:
            await self.store.delete_hook_signal(key)

    async def process_time_hook_event(self) -> None:
        await self.process_event("success", 200, "hook")


