"""Sleeps, job expiry and web-hook signal registration (runtime 5).

HotMesh kept time-ordered lists that one elected "scout" engine polled. Here every timed
event is a stream message published with ``delay_ms``: the provider keeps it invisible until
its time, then any engine consuming the engine stream handles it exactly like any other
message. So nothing scans jobs, no scout is elected, a timer is committed in the same
transaction as the state that needs it (it cannot fire before that state exists), and it is
never early.

Message types added to HotMesh's set (engine stream only):

* ``timehook`` (HotMesh's own): wakes a sleeping hook activity.
* ``cleanup``: a finished job's expiry arrived; its dependents list is processed
  (interrupt dependents, delist hook signals) and the list removed. The job hash itself
  expires through the store TTL set at completion.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..errors import HotMeshError
from ..keys import KeyType

if TYPE_CHECKING:
    from ..providers.protocols import Transaction
    from .engine import Engine

__all__ = ["Timers"]

log = logging.getLogger("hotmesh_pg.engine.timers")


class Timers:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- sleeps -----------------------------------------------------------------------------
    def register_time_hook(
        self, tx: Transaction, jid: str, gid: str, aid: str, dad: str, seconds: float,
    ) -> None:
        from .engine import guid

        message = {
            "type": "timehook",
            "metadata": {"guid": guid(), "jid": jid, "gid": gid, "dad": dad, "aid": aid},
            "data": {"timestamp": self.engine.now_ms() + int(seconds * 1000)},
        }
        tx.xadd(self.engine.stream_key, message, max(1, round(seconds * 1000)))

    # -- web hooks --------------------------------------------------------------------------
    async def register_web_hook(
        self, tx: Transaction, topic: str, context: dict[str, Any], dad: str,
    ) -> str:
        from ..pipe import Pipe

        rule = await self.engine.store.get_hook_rule(topic)
        if rule is None:
            raise HotMeshError(f"signaler.registerWebHook:error: hook rule not found ({topic})")
        match = ((rule.get("conditions") or {}).get("match") or [{}])[0]
        resolved = Pipe.resolve(match.get("expected"), context)
        md = context["metadata"]
        key = f"{topic}:{resolved}"
        self.engine.store.set_hook_signal(tx, key, f"{rule['to']}::{dad}::{md['gid']}::"
                                                   f"{md['jid']}")
        self.engine.store.register_signal_dependency(tx, md["jid"], key, dad)
        return str(md["jid"])

    async def process_web_hook_signal(
        self, topic: str, data: Any,
    ) -> tuple[str, str, str, str, str] | None:
        """``(jid, aid, dad, gid, signal_key)`` of the waiting hook, or None (already done)."""
        from ..pipe import Pipe

        rule = await self.engine.store.get_hook_rule(topic)
        if rule is None:
            return None
        match = ((rule.get("conditions") or {}).get("match") or [{}])[0]
        resolved = Pipe.resolve(match.get("actual"),
                                {"$self": {"hook": {"data": data}}, "$hook": {"data": data}})
        key = f"{topic}:{resolved}"
        value = await self.engine.store.store.hget(self.engine.store.key(KeyType.SIGNALS), key)
        if value is None:
            return None
        aid, dad, gid, jid = value.split("::", 3)
        return jid, aid, dad, gid, key

    # -- expiry -----------------------------------------------------------------------------
    def queue_job_cleanup(self, tx: Transaction, jid: str, seconds: float,
                          interrupt: bool) -> int:
        """Queue the finished job's TTL and its dependents' cleanup at that time.

        Returns how many operations were queued (0 when ``seconds <= 0``: kept forever).
        """
        if seconds <= 0:
            return 0
        from .engine import guid

        tx.expire(self.engine.store.job_key(jid), seconds)
        tx.xadd(self.engine.stream_key, {
            "type": "cleanup",
            "metadata": {"guid": guid(), "jid": jid},
            "data": {"mode": "interrupt" if interrupt else "expire"},
        }, max(1, int(seconds * 1000)))
        return 2

    async def register_job_for_cleanup(self, jid: str, seconds: float, interrupt: bool) -> None:
        """Give the finished job a TTL and schedule its dependents' cleanup at that time."""
        tx = self.engine.store.transaction()
        if self.queue_job_cleanup(tx, jid, seconds, interrupt):
            await tx.exec()

    async def process_cleanup(self, jid: str, mode: str | None) -> None:
        """Walk the dependents list of ``jid``: interrupt dependents, delist signals."""
        store = self.engine.store
        while True:
            item = await store.pop_dependency(jid)
            if item is None:
                break
            parts = item.split("::")
            kind = parts[0]
            if kind == "child":
                continue
            if kind == "delist":
                await store.delete_hook_signal("::".join(parts[4:]))
                continue
            topic, child = parts[1], "::".join(parts[4:])
            try:
                await self.engine.interrupt(topic, child, {"suppress": True, "expire": 1})
            except HotMeshError as err:
                log.info("cleanup-interrupt-skipped %s: %s", child, err)
        tx = store.transaction()
        tx.delete(store.key(KeyType.JOB_DEPENDENTS, jid))
        # the job's TTL has passed: remove its rows now rather than on some later access
        # (a job re-created under the same id since then is live and left alone)
        job_key = store.job_key(jid)
        if not await store.store.exists(job_key):
            tx.delete(job_key)
        # the removals and the cleanup message's ack commit together (one commit)
        self.engine.fold_ack(tx)
        await tx.submit()
