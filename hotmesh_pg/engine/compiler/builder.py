"""Manifest -> everything deploy stores, computed without touching storage.

This is HotMesh's deployer pipeline (engine-model 5.2 steps 1-9 and the pure halves of
10-15) run on a private copy of the manifest, so a failure at any step leaves nothing
half-written: the deployer only starts writing once :func:`build` has returned. Order
matters and follows the reference exactly, because later steps see earlier mutations
(e.g. the symbol-value scan sees the trigger's copied job schema, dependency analysis sees
the temporarily attached ``transitions``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final, Literal

__all__ = [
    "ACTIVITY_TYPES",
    "CONTEXT_VARS",
    "CompiledApp",
    "SymbolTarget",
    "ancestors_by_activity",
    "build",
    "find_trigger",
    "group_mapping_rules",
    "is_mapping_statement",
    "job_map_paths",
    "js_parse_int",
    "js_sorted",
    "mapping_statements",
    "resolve_mappable_value",
    "utf16_len",
]

ACTIVITY_TYPES: Final = frozenset(
    {"trigger", "worker", "await", "hook", "signal", "cycle", "interrupt"}
)
LEGACY_TYPES: Final = {"activity": "hook"}
CONTEXT_VARS: Final = ("{$input}", "{$output}", "{$item}", "{$key}", "{$index}")
SYMVAL_KEYS: Final = ("enum", "examples", "default")
MAX_SLOTS: Final = 260
"""Data symbols a job has; ``name[n]`` job-map slots beyond it can never be stored."""

# Strings the dependency analysis treats as references: ``{`` + not ``@`` + ... + ``}``;
# ``.`` stops at newlines exactly as in the JS regex (``re.fullmatch`` pins the end).
_STATEMENT = re.compile(r"\{[^@].*\}")
_LEADING_INT = re.compile(r"\s*([+-]?\d+)")


@dataclass
class SymbolTarget:
    """One symbol range owner: ``$<subscribes>`` (job data) or an activity id."""

    name: str
    kind: Literal["JOB", "ACTIVITY"]
    paths: list[str]
    """Full paths to give symbols, in order (activity paths prefixed with ``<aid>/``)."""


@dataclass
class CompiledApp:
    """What deploy writes, all computed up front."""

    app_id: str
    version: str
    manifest: dict[str, Any]
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, str] = field(default_factory=dict)
    transitions: dict[str, dict[str, Any]] = field(default_factory=dict)
    hook_rules: dict[str, list[Any]] = field(default_factory=dict)
    symbol_targets: list[SymbolTarget] = field(default_factory=list)
    symbol_values: list[str] = field(default_factory=list)
    worker_topics: list[str] = field(default_factory=list)


# -- small JS-compatibility helpers -----------------------------------------------------------

def utf16_len(text: str) -> int:
    """``String#length``: UTF-16 code units (astral characters count twice)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def js_sorted(items: set[str] | list[str]) -> list[str]:
    """``Array#sort()`` on strings: UTF-16 code-unit order, not code-point order."""
    return sorted(items, key=lambda s: s.encode("utf-16-be"))


def js_parse_int(text: str) -> int | None:
    found = _LEADING_INT.match(text)
    return int(found.group(1)) if found else None


# -- graph helpers ------------------------------------------------------------------------

def find_trigger(graph: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The first activity of type ``trigger`` (HotMesh takes the first one it meets)."""
    for aid, activity in graph.get("activities", {}).items():
        if isinstance(activity, dict) and activity.get("type") == "trigger":
            return aid, activity
    return None


def ancestors_by_activity(graph: dict[str, Any], trigger_id: str) -> dict[str, list[str]]:
    """Depth-first walk from the trigger: each reached activity -> ids on its path.

    Mirrors the collator's recursive walk (children in list order, a node reached twice
    keeps its last path). The caller guarantees the transition graph is acyclic.
    """
    transitions = graph.get("transitions") or {}
    result: dict[str, list[str]] = {}
    stack: list[tuple[str, list[str]]] = [(trigger_id, [])]
    while stack:
        node, parents = stack.pop()
        result[node] = parents
        edges = transitions.get(node) or []
        child_path = [*parents, node]
        for edge in reversed(edges):
            stack.append((edge["to"], child_path))
    return result


# -- mapping statements ---------------------------------------------------------------------

def is_mapping_statement(value: Any) -> bool:
    """A string the dependency analysis records (see engine-model 5.3)."""
    return (
        isinstance(value, str)
        and _STATEMENT.fullmatch(value) is not None
        and value not in CONTEXT_VARS
        and (value.split(".")[1] if "." in value else None) != "input"
    )


def _walk_strings(obj: Any) -> Iterator[str]:
    """Every string value under ``obj`` in JS ``for...in`` pre-order (keys not visited)."""
    stack: list[Iterator[Any]] = [iter(_children(obj))]
    while stack:
        value = next(stack[-1], _END)
        if value is _END:
            stack.pop()
        elif isinstance(value, str):
            yield value
        elif isinstance(value, dict | list):
            stack.append(iter(_children(value)))


_END: Final = object()


def _children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return list(node.values())
    if isinstance(node, list):
        return list(node)
    return []


def mapping_statements(obj: Any) -> list[str]:
    """The mapping statements under ``obj``, in traversal order, duplicates kept."""
    return [s for s in _walk_strings(obj) if is_mapping_statement(s)]


def resolve_mappable_value(statement: str) -> tuple[str, str]:
    """Normalise a statement to (group, path).

    ``{a1.output.data.x.y}`` -> (``a1``, ``output/data/x/y``);
    ``{$job.data.a}`` -> (``$job``, ``data/a``).
    """
    parts = statement[1:-1].split(".")
    if parts[0] == "$job":
        return parts[0], "/".join(parts[1:])
    group = parts[0]
    kind = parts[1] if len(parts) > 1 else None
    sub = parts[2] if len(parts) > 2 else None
    rest = "/".join(parts[3:])
    if kind == "hook":
        prefix = "hook/data"
    elif kind == "input":
        prefix = "input/data"
    elif kind == "output":
        prefix = "output/data" if sub == "data" else "output/metadata"
    else:
        prefix = "undefined"  # the reference's lookup yields undefined here; harmless junk
    return group, f"{prefix}/{rest}"


def group_mapping_rules(rules: list[str]) -> dict[str, list[str]]:
    """De-duplicate, sort (code-unit order), normalise and group statements by root."""
    grouped: dict[str, list[str]] = {}
    for rule in js_sorted(set(rules)):
        group, path = resolve_mappable_value(rule)
        grouped.setdefault(group, []).append(path)
    return grouped


def job_map_paths(maps: Any) -> list[str]:
    """The job-data paths a ``job.maps`` object writes (``PRODUCES`` entries), in order."""
    if not maps or not isinstance(maps, dict | list):
        return []
    seen: dict[str, None] = {}  # insertion-ordered set: first-seen order, O(1) dedupe
    _collect_paths(maps, [], lambda path: seen.setdefault(path, None))
    return list(seen)


def _collect_paths(node: Any, prefix: list[str], add: Callable[[str], object]) -> None:
    items = list(node.items()) if isinstance(node, dict) else \
        [(str(i), v) for i, v in enumerate(node)]
    for key, value in items:
        if isinstance(value, dict | list) and not (isinstance(value, dict) and "@pipe" in value):
            _collect_paths(value, [*prefix, key], add)
            continue
        name = "/".join([*prefix, key])
        if "[" not in name:
            add(f"data/{name}")
            continue
        left, right = name.split("[")[0], name.split("[")[1]
        amount = js_parse_int(right.split("]")[0])
        if amount is not None:
            # one past the job range still overflows it, without looping over a huge n
            for i in range(min(amount, MAX_SLOTS + 1)):
                add(f"data/{left}/{i}")
        # '[-]' markers and '[_]' search fields get no slots


# -- symbol values --------------------------------------------------------------------------

def _collect_values(schema: Any, values: dict[str, None]) -> None:
    if not isinstance(schema, dict | list):
        return
    items = schema.items() if isinstance(schema, dict) else \
        ((str(i), v) for i, v in enumerate(schema))
    for key, value in items:
        if key in SYMVAL_KEYS:
            candidates = value if isinstance(value, list) else [value]
            for v in candidates:
                if isinstance(v, str) and utf16_len(v) > 5:
                    values.setdefault(v, None)
        elif isinstance(value, dict | list):
            _collect_values(value, values)


def _traverse_schemas(obj: Any, values: dict[str, None]) -> None:
    items = obj.values() if isinstance(obj, dict) else obj
    for value in items:
        # nulls crash the reference here (deviation 6); they are skipped
        if isinstance(value, dict):
            if "schema" in value:
                _collect_values(value["schema"], values)
            else:
                _traverse_schemas(value, values)
        elif isinstance(value, list):
            _traverse_schemas(value, values)


# -- the pipeline ---------------------------------------------------------------------------

def build(manifest: dict[str, Any]) -> CompiledApp:
    """Run the deployer's pure steps on a copy of a validated manifest."""
    compiled = copy.deepcopy(manifest)
    app = compiled["app"]
    graphs: list[dict[str, Any]] = app["graphs"]
    out = CompiledApp(app_id=app["id"], version=app["version"], manifest=compiled)

    triggers: list[tuple[str, dict[str, Any]]] = []
    for graph in graphs:  # 1. ancestors
        found = find_trigger(graph)
        assert found is not None, "validated manifests have a trigger per graph"
        triggers.append(found)
        for aid, parents in ancestors_by_activity(graph, found[0]).items():
            graph["activities"][aid]["ancestors"] = parents

    for graph in graphs:  # 2. legacy types, 3. topics -> subtypes
        for activity in graph["activities"].values():
            if activity.get("type") in LEGACY_TYPES:
                activity["type"] = LEGACY_TYPES[activity["type"]]
        for activity in graph["activities"].values():
            if activity.get("type") in ("worker", "await") and activity.get("topic") \
                    and not activity.get("subtype"):
                activity["subtype"] = activity["topic"]

    for graph, (_, trigger) in zip(graphs, triggers, strict=True):  # 4. job schemas
        job_schema = (graph.get("output") or {}).get("schema") \
            if isinstance(graph.get("output"), dict) else None
        output_schema = (graph.get("input") or {}).get("schema") \
            if isinstance(graph.get("input"), dict) else None
        if job_schema:
            if not isinstance(trigger.get("job"), dict):
                trigger["job"] = {}
            trigger["job"]["schema"] = job_schema
        if output_schema:
            trigger["output"] = {"schema": output_schema}

    for graph, (trigger_id, _) in zip(graphs, triggers, strict=True):  # 5. back refs
        for aid, activity in graph["activities"].items():
            activity["trigger"] = trigger_id
            activity["subscribes"] = graph["subscribes"]
            if graph.get("publishes"):
                activity["publishes"] = graph["publishes"]
            own_expire = activity.get("expire")
            if graph.get("expire") is not None:
                activity["expire"] = graph["expire"]
            else:
                activity.pop("expire", None)
            if activity.get("type") == "interrupt" and own_expire is not None:
                # deviation 8: the interrupt's own option survives beside the graph TTL
                activity["interrupt_expire"] = own_expire
            del aid

    for graph in graphs:  # 6. parents (+ temporary transitions for step 8)
        for source, edges in (graph.get("transitions") or {}).items():
            for edge in edges:
                graph["activities"][edge["to"]]["parent"] = source
            graph["activities"][source]["transitions"] = edges

    for graph in graphs:  # 7. cycle targets
        for activity in list(graph["activities"].values()):
            if activity.get("type") == "cycle":
                graph["activities"][activity["ancestor"]]["cycle"] = True

    all_rules: list[str] = []  # 8. consumes / produces
    for graph in graphs:
        for activity in graph["activities"].values():
            own = mapping_statements(activity)
            all_rules.extend(own)
            activity["consumes"] = group_mapping_rules(own)
    grouped = group_mapping_rules(all_rules)
    for graph in graphs:
        for aid, activity in graph["activities"].items():
            activity["produces"] = list(grouped.get(aid, []))

    for graph, (_, trigger) in zip(graphs, triggers, strict=True):  # 9. PRODUCES
        # de-duplicated per activity only: HotMesh concatenates the activities' lists, so a
        # path mapped by two activities appears twice in the stored PRODUCES
        produced: list[str] = []
        for activity in graph["activities"].values():
            job = activity.get("job")
            produced.extend(job_map_paths(job.get("maps") if isinstance(job, dict) else None))
        trigger["PRODUCES"] = produced

    for graph, (_, trigger) in zip(graphs, triggers, strict=True):  # 10. symbol keys
        out.symbol_targets.append(
            SymbolTarget(f"${trigger['subscribes']}", "JOB", list(trigger["PRODUCES"]))
        )
        for aid, activity in graph["activities"].items():
            produces: list[str] = activity["produces"]
            known = set(produces)
            for self_id in (aid, "$self"):
                for path in activity["consumes"].get(self_id, []):
                    if path not in known:
                        known.add(path)
                        produces.append(path)
            out.symbol_targets.append(
                SymbolTarget(aid, "ACTIVITY", [f"{aid}/{p}" for p in produces])
            )

    values: dict[str, None] = {}  # 11. symbol values
    for graph in graphs:
        _traverse_schemas(graph, values)
    out.symbol_values = list(values)

    for graph in graphs:  # 12. hook patterns
        for topic, rules in (graph.get("hooks") or {}).items():
            out.hook_rules[topic] = rules
            target = graph["activities"].get(rules[0].get("to")) if rules else None
            if target is not None:
                if not isinstance(target.get("hook"), dict):
                    target["hook"] = {}
                target["hook"]["topic"] = topic

    for graph in graphs:  # 13. activity schemas
        for aid, activity in graph["activities"].items():
            activity.pop("transitions", None)
            out.schemas[aid] = activity

    for graph, (trigger_id, _) in zip(graphs, triggers, strict=True):  # 14. subscriptions
        out.subscriptions[graph["subscribes"]] = trigger_id

    for graph, (trigger_id, _) in zip(graphs, triggers, strict=True):  # 15. transitions
        if graph["subscribes"].startswith("."):
            out.transitions[graph["subscribes"]] = {trigger_id: True}
        for source, edges in (graph.get("transitions") or {}).items():
            targets: dict[str, Any] = {}
            for edge in edges:
                targets[edge["to"]] = edge.get("conditions") or True
            if targets:
                out.transitions[f".{source}"] = targets

    for graph in graphs:  # 16 (input): literal worker topics get a consumer group
        for activity in graph["activities"].values():
            topic = activity.get("subtype")
            if activity.get("type") == "worker" and isinstance(topic, str) and topic \
                    and not (topic.startswith("{") and topic.endswith("}")) \
                    and topic not in out.worker_topics:
                out.worker_topics.append(topic)
    return out
