"""Job statistics by time bucket: what the trigger writes and how it is read (runtime 6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..errors import HotMeshError
from ..keys import Key

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["DEFAULT_GRANULARITY", "Reporter", "resolve_query", "resolve_trigger_statistics"]

DEFAULT_GRANULARITY = "5m"
_GRANULARITY_MINUTES = {"5m": 5, "10m": 10, "15m": 15, "30m": 30, "1h": 60}


def _to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _target_path(target: str) -> str:
    return "/".join(target[1:-1].split(".")[3:])


def resolve_trigger_statistics(config: dict[str, Any], context: dict[str, Any]
                               ) -> dict[str, list[dict[str, Any]]]:
    """The general / index / median entries a new job adds to its bucket (runtime 6.2)."""
    from ..pipe import Pipe

    stats: dict[str, list[dict[str, Any]]] = {
        "general": [{"metric": "count", "target": "count", "value": 1}],
        "index": [], "median": [],
    }
    for measure in (config.get("stats") or {}).get("measures") or []:
        metric, target = measure.get("measure"), str(measure.get("target"))
        value = Pipe.resolve(target, context)
        if value is None or type(value).__name__.lower().endswith("undefined"):
            raise HotMeshError(
                f"stats measure '{metric}' target {target} resolved to nothing")
        text = _to_string(value)
        path = _target_path(target)
        resolved = f"{metric}:{path}:{text}" if metric in ("index", "count") else f"{metric}:{path}"
        if metric == "index":
            stats["index"].append({"metric": metric, "target": resolved,
                                   "value": context["metadata"]["jid"]})
        elif metric == "count":
            stats["general"].append({"metric": metric, "target": resolved, "value": 1})
        elif metric in ("sum", "avg"):
            try:
                number = float(text)
            except ValueError:
                continue  # a non-numeric sum would fail alone in HotMesh's MULTI
            stats["general"].append({"metric": metric, "target": resolved, "value": number})
        elif metric == "mdn":
            try:
                stats["median"].append({"metric": metric, "target": resolved,
                                        "value": float(text)})
            except ValueError:
                continue
    return stats


async def resolve_query(engine: Engine, topic: str, query: dict[str, Any]) -> dict[str, Any]:
    """Build the trigger's context for ``query['data']`` (no writes) to find key/granularity."""
    from .activities.trigger import Trigger

    activity = await engine.init_activity(topic, query.get("data") or {}, {"metadata": {}})
    if not isinstance(activity, Trigger):
        raise HotMeshError(f"topic {topic} does not address a trigger")
    await activity.build_context(strict=False)
    stats = activity.config.get("stats") or {}
    return {
        "end": query.get("end"), "start": query.get("start"), "range": query.get("range"),
        "sparse": query.get("sparse"),
        "granularity": stats.get("granularity") or DEFAULT_GRANULARITY,
        "key": activity.context["metadata"].get("key"),
    }


def _parse_time(text: str) -> datetime:
    if text == "NOW":
        return datetime.now(UTC)
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _range_minutes(text: str) -> int:
    unit, number = text[-1:], text[:-1]
    if not number.lstrip("-").isdigit() or unit not in ("m", "h", "d"):
        raise HotMeshError("Invalid range value.")
    return int(number) * {"m": 1, "h": 60, "d": 1440}[unit]


def buckets(granularity: str, range_: str | None, end: str | None, start: str | None
            ) -> list[str]:
    if granularity == "infinity":
        return ["0"]
    step = _GRANULARITY_MINUTES.get(granularity)
    if step is None:
        raise HotMeshError("Invalid granularity value.")
    if start and end and not range_:
        start_t, end_t = _parse_time(start), _parse_time(end)
    else:
        minutes = _range_minutes(range_ or "0m")
        if start:
            start_t = _parse_time(start)
            end_t = start_t + timedelta(minutes=minutes)
        else:
            end_t = _parse_time(end or "NOW")
            start_t = end_t - timedelta(minutes=minutes)
    start_t = start_t.replace(minute=(start_t.minute // step) * step)
    out = []
    current = start_t
    while current <= end_t:
        out.append(current.strftime("%Y%m%d%H%M"))
        current += timedelta(minutes=step)
    return out


def _iso_from_key(key: str) -> str:
    if key.endswith(":"):
        return "0"
    ts = key[-12:]
    return f"{ts[0:4]}-{ts[4:6]}-{ts[6:8]}T{ts[8:10]}:{ts[10:12]}Z"


class Reporter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store = engine.store

    @staticmethod
    def validate(options: dict[str, Any]) -> None:
        start, end, range_ = options.get("start"), options.get("end"), options.get("range")
        if options.get("granularity") != "infinity" and (
            (start and end and range_) or (not start and not end and not range_)
        ):
            raise HotMeshError(
                "Invalid combination of start, end, and range values. "
                "Provide either start+end, end+range, or start+range.")

    def _buckets(self, options: dict[str, Any]) -> list[str]:
        return buckets(str(options.get("granularity")), options.get("range"),
                       options.get("end"), options.get("start"))

    async def get_stats(self, options: dict[str, Any]) -> dict[str, Any]:
        self.validate(options)
        key = str(options.get("key"))
        keys = [self.store.stats_key(key, ts) for ts in self._buckets(options)]
        raw = await self.store.get_job_stats(keys)
        count = 0.0
        aggregated: dict[str, float] = {}
        for data in raw.values():
            for field, value in data.items():
                if field.startswith("count:"):
                    target = field[len("count:"):]
                    aggregated[target] = aggregated.get(target, 0) + value
                elif field == "count":
                    count += value
        response: dict[str, Any] = {
            "key": key, "granularity": options.get("granularity"),
            "range": options.get("range"), "end": options.get("end"), "count": _num(count),
            "measures": [{"target": t, "type": "count", "value": _num(v)}
                         for t, v in aggregated.items()],
        }
        if options.get("sparse") is not True:
            segments = []
            for k in keys:
                data = raw.get(k.render()) or {}
                segments.append({
                    "count": _num(data.get("count", 0)), "time": _iso_from_key(k.render()),
                    "measures": [{"target": f[len("count:"):], "type": "count", "value": _num(v)}
                                 for f, v in data.items() if f.startswith("count:")],
                })
            response["segments"] = segments
        return response

    async def _index_keys(self, options: dict[str, Any], facets: list[str]
                          ) -> tuple[list[str], list[Key]]:
        if not facets:
            stats = await self.get_stats(options)
            facets = list(dict.fromkeys(m["target"] for m in stats["measures"]))
        self.validate(options)
        key = str(options.get("key"))
        keys = [self.store.index_key(key, ts, facet)
                for facet in facets for ts in self._buckets(options)]
        return facets, keys

    async def get_ids(self, options: dict[str, Any], facets: list[str]) -> dict[str, Any]:
        facets, keys = await self._index_keys(options, facets)
        ids = await self.store.get_job_ids(keys)
        counts: dict[str, int] = {}
        segments: dict[str, list[dict[str, Any]]] = {}
        for rendered, items in ids.items():
            head, target = rendered.split(":index:", 1)
            counts[target] = counts.get(target, 0) + len(items)
            time = _iso_from_key(head)
            segments.setdefault(time, []).append(
                {"type": "ids", "target": target, "time": time, "count": len(items),
                 "ids": items})
        return {
            "key": options.get("key"), "facets": facets,
            "granularity": options.get("granularity"), "range": options.get("range"),
            "start": options.get("start"),
            "counts": [{"facet": f, "count": c} for f, c in counts.items()],
            "segments": [{"time": t, "measures": m} for t, m in segments.items()],
        }

    async def get_work_items(self, options: dict[str, Any], facets: list[str]) -> list[Key]:
        _, keys = await self._index_keys(options, facets)
        out = []
        for key in keys:
            if await self.store.store.lrange(key, 0, 0):
                out.append(key)
        return out


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value
