"""``handle.export()``: a workflow's search data, state, status, timeline and transitions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .engines import job_key, store_of
from .markers import decode_value, parse_marker

if TYPE_CHECKING:
    from ..hotmesh import HotMesh

__all__ = ["FACETS", "export_workflow"]

FACETS = ("data", "state", "status", "timeline", "transitions")


def _expand_paths(flat: Mapping[str, str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path, value in flat.items():
        node = tree
        parts = path.split("/")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return tree


def _blank_values(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: ({} if k in ("data", "$error") else v) for k, v in value.items()}
    return value


def _timeline(fields: Mapping[str, str], values: bool) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for name, raw in fields.items():
        parsed = parse_marker(name)
        if parsed is None:
            continue
        value = decode_value(raw)
        entry: dict[str, Any] = {"key": name, "value": value if values else _blank_values(value),
                                 "index": parsed.index}
        if parsed.secondary is not None:
            entry["secondary"] = parsed.secondary
        if parsed.dimension:
            entry["dimension"] = parsed.dimension[1:]
        entries.append(entry)
    entries.sort(key=lambda e: (
        "dimension" in e, e.get("dimension", ""), e["index"],
        "secondary" in e, e.get("secondary", -1)))
    return entries


async def export_workflow(
    hm: HotMesh, app_id: str, workflow_id: str, *,
    allow: Sequence[str] | None = None, block: Sequence[str] | None = None, values: bool = True,
) -> dict[str, Any]:
    """The facets of ``FACETS`` kept by ``allow`` then removed by ``block``."""
    for facets, label in ((allow, "allow"), (block, "block")):
        unknown = set(facets or ()) - set(FACETS)
        if unknown:
            raise ValueError(f"export {label} has unknown facets {sorted(unknown)}; "
                             f"expected some of {list(FACETS)}")
    wanted = [f for f in FACETS if (allow is None or f in allow) and f not in (block or ())]
    fields = await store_of(hm).hgetall(job_key(hm, app_id, workflow_id))
    result: dict[str, Any] = {}
    if "data" in wanted:
        result["data"] = _expand_paths({k[1:]: v for k, v in fields.items() if k.startswith("_")})
    if "status" in wanted:
        status = fields.get(":")
        result["status"] = int(float(status)) if status not in (None, "") else None
    if "timeline" in wanted:
        result["timeline"] = _timeline(fields, values)
    if "state" in wanted:
        try:
            state = await hm.get_state(f"{app_id}.execute", workflow_id)
        except Exception:
            state = {}
        result["state"] = state
    if "transitions" in wanted:
        transitions: list[Any] = []
        try:
            exported = await hm.export(workflow_id)
            found = exported.get("transitions") if isinstance(exported, Mapping) else None
            if isinstance(found, list):
                transitions = found
        except Exception:
            transitions = []
        result["transitions"] = transitions
    return result
