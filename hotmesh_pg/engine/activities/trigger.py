"""Trigger: creates the job (engine-model 4.5.1)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ...errors import DuplicateJobError, MapDataError
from .. import collator
from ..store import ACTIVITY_KEYS, JOB_KEYS, format_iso_date
from .base import Activity, is_undefined, new_guid, resolve

__all__ = ["Trigger", "time_series"]

DEFAULT_GRANULARITY = "5m"


def time_series(granularity: str, now: datetime | None = None) -> str:
    """The stats bucket ``YYYYMMDDHHmm`` (UTC) for ``granularity``; ``'0'`` for infinity."""
    if granularity == "infinity":
        return "0"
    now = now or datetime.now(UTC)
    unit = granularity[-1:]
    amount = int(granularity[:-1] or "1")
    minute = now.minute
    if unit == "m":
        minute = (minute // amount) * amount
    elif unit == "h":
        minute = 0
    return now.strftime("%Y%m%d%H") + f"{minute:02d}"


class Trigger(Activity):
    """The first activity of a graph; runs once per job, inside ``pub``."""

    async def process(self, options: dict[str, Any] | None = None) -> str:
        self.leg = 2
        await self.build_context()
        from ...telemetry import TelemetryService

        self.telemetry = TelemetryService(self.engine.app_id, self.config, self.metadata,
                                          self.context)
        self.telemetry.start_job_span()
        self.telemetry.start_activity_span(self.leg)
        try:
            return await self._create(options)
        except Exception as err:
            self.telemetry.set_activity_error(str(err))
            raise
        finally:
            self.telemetry.end_job_span()
            self.end_span()

    async def _create(self, options: dict[str, Any] | None) -> str:
        self.map_job_data()
        if not await self.store.set_state_nx(self.jid):
            raise DuplicateJobError(self.jid)
        self.adjacency_list = await self.filter_adjacent()
        self.context["metadata"]["js"] = len(self.adjacency_list)
        self.bind_extensions(options)
        tx = self.store.transaction()
        await self.set_state(tx)
        self.set_stats(tx)
        self.register_job_dependency(tx)
        self.queue_children(tx)
        self.engine.fold_ack(tx)
        await tx.submit()
        await self.exec_adjacent_parent()
        await self.transition(float(self.context["metadata"]["js"]))
        return self.jid

    def input_context(self) -> dict[str, Any]:
        return {
            self.aid: {"input": {"data": self.data}},
            "$self": {"input": {"data": self.data}, "output": {"data": self.data}},
        }

    async def build_context(self, strict: bool = True) -> None:
        """The new job's context; ``strict=False`` (query resolution) tolerates a missing id."""
        ictx = self.input_context()
        stats = self.config.get("stats") or {}
        jid = resolve(stats["id"], ictx) if stats.get("id") else new_guid()
        if not strict and (is_undefined(jid) or jid is None):
            jid = ""
        elif is_undefined(jid) or jid is None or jid == "":
            raise MapDataError(
                f"trigger '{self.aid}': stats.id {stats.get('id')!r} resolved to nothing")
        jid = str(jid)
        key = resolve(stats["key"], ictx) if stats.get("key") else ""
        key = "" if is_undefined(key) or key is None else str(key)
        app_id, version = await self.engine.get_vid()
        self.metadata["dad"] = ",0"
        now = format_iso_date()
        prior = self.context.get("metadata", {})
        activity_md = {**self.metadata, "jid": jid, "key": key, "as": str(collator.TRIGGER_SEED)}
        metadata = {
            **self.metadata,
            "gid": new_guid(),
            "ngn": prior.get("ngn"), "pj": prior.get("pj"), "pg": prior.get("pg"),
            "pd": prior.get("pd"), "pa": prior.get("pa"), "px": prior.get("px"),
            "app": app_id, "vrs": version, "tpc": self.config.get("subscribes"),
            "trc": prior.get("trc"), "spn": prior.get("spn"),
            "jid": jid, "dad": ",0", "key": key, "jc": now, "ju": now,
            "ts": time_series(stats.get("granularity") or DEFAULT_GRANULARITY),
            "js": 0,
        }
        metadata = {k: v for k, v in metadata.items() if v is not None}
        self.context = {
            "metadata": metadata,
            "data": {},
            self.aid: {
                "input": {"data": self.data, "metadata": activity_md},
                "output": {"data": self.data, "metadata": activity_md},
                "settings": {"data": {}},
                "errors": {"data": {}},
            },
        }
        self.context["$self"] = self.context[self.aid]
        self.context["$job"] = self.context

    def job_metadata_paths(self) -> list[str]:
        return [f"metadata/{k}" for k in JOB_KEYS]

    def activity_metadata_paths(self) -> list[str]:
        return [f"output/metadata/{k}" for k in ACTIVITY_KEYS]

    def get_job_status(self) -> int | None:
        return int(self.context["metadata"]["js"])

    def bind_extensions(self, options: dict[str, Any] | None) -> None:
        if not options:
            return
        data = self.context.setdefault("data", {})
        if not isinstance(data, dict):
            return
        for key, value in (options.get("search") or {}).items():
            data[f"_{key}"] = value if isinstance(value, str) else str(value)
        for key, value in (options.get("marker") or {}).items():
            if key.startswith("-"):
                data[key] = value if isinstance(value, str) else str(value)

    async def exec_adjacent_parent(self) -> None:
        md = self.context["metadata"]
        if md.get("px"):
            now = format_iso_date()
            message = {"metadata": dict(md), "data": {"job_id": md["jid"], "jc": now, "ju": now}}
            await self.engine.exec_adjacent_parent(self.context, message)

    def register_job_dependency(self, tx: Any) -> None:
        md = self.context["metadata"]
        stats = self.config.get("stats") or {}
        dep_expr = stats.get("parent") or md.get("pj")
        dep = self.resolve(dep_expr) if dep_expr else ""
        adj = self.resolve(stats.get("adjacent")) if dep_expr and stats.get("adjacent") else ""
        dep = "" if is_undefined(dep) or dep is None else str(dep)
        adj = "" if is_undefined(adj) or adj is None else str(adj)
        if not dep:
            dep = md.get("pj") or ""
        if dep:
            if dep == md.get("pj") or dep == adj:
                kind = "child" if md.get("px") else "expire-child"
            else:
                kind = "expire"
            self.store.register_job_dependency(tx, kind, dep, md.get("tpc", ""), md["jid"],
                                               md["gid"], md.get("pd") or "")
        if adj and adj != dep:
            self.store.register_job_dependency(tx, "child", adj, md.get("tpc", ""), md["jid"],
                                               md["gid"], md.get("pd") or "")

    def set_stats(self, tx: Any) -> None:
        md = self.context["metadata"]
        stats = self.config.get("stats") or {}
        if md.get("key") and stats.get("measures"):
            from ..reporter import resolve_trigger_statistics

            self.store.set_stats(tx, md["key"], md["jid"], md["ts"],
                                 resolve_trigger_statistics(self.config, self.context))
