"""Checks that a manifest compiles, each failure a ValidationError naming where it is.

HotMesh 0.0.55 validated little (unique activity ids, known mapping roots) and did so in an
un-awaited promise, so broken apps deployed half-way. The port validates everything the
deployer and runtime rely on before anything is written (deviation 1): document shape,
activity types, one trigger per graph, transitions and hook rules that name real
activities, an acyclic transition graph reachable from the trigger, topics for workers,
unique ids and subscribe topics, cycle ancestors that really are upstream, mapping
references to activities that are upstream of where they are evaluated, well-formed
``@pipe`` / ``@reduce`` rows and known pipe functions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from ...errors import ValidationError
from ...keys import APP_ID_RE, RESERVED_APP_IDS
from .builder import (
    ACTIVITY_TYPES,
    LEGACY_TYPES,
    MAX_SLOTS,
    ancestors_by_activity,
    find_trigger,
    js_parse_int,
)
from .loader import Locations
from .reader import MAX_DEPTH, Path

__all__ = ["MAX_DEPTH", "Validator", "function_name", "validate"]

SYS_VARS: Final = ("$app", "$self", "$graph", "$job")
CONTEXT_PREFIXES: Final = ("{$item", "{$key", "{$index", "{$input", "{$output")
HOOK_ACTUAL_ROOTS: Final = ("$self", "$hook")
BAD_ID_CHARS: Final = (".", "/", ",", "{", "}")
MAX_ACTIVITIES: Final = 5_000
GRANULARITIES: Final = ("5m", "10m", "15m", "30m", "1h", "infinity")
MEASURES: Final = ("count", "sum", "avg", "index", "mdn", "max", "min")


def function_name(cell: str) -> tuple[str, str | None]:
    """``{@domain.name}`` -> (domain, name); name is None when there is no ``.``."""
    inner = cell[2:-1]
    domain, dot, rest = inner.partition(".")
    return domain, (rest.split(".")[0] if dot else None)


def _is_function(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("{@") and value.endswith("}")


def _is_context_var(value: Any) -> bool:
    return isinstance(value, str) and value.endswith("}") and value.startswith(CONTEXT_PREFIXES)


def _is_reference(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("{") and value.endswith("}")


def _field(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _walk(obj: Any, path: Path) -> Iterator[tuple[Path, Any]]:
    """Every node under ``obj`` with its path, pre-order, without recursion."""
    stack: list[tuple[Path, Any]] = [(path, obj)]
    while stack:
        here, node = stack.pop()
        yield here, node
        if isinstance(node, dict):
            stack.extend(((*here, k), v) for k, v in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend(((*here, i), v) for i, v in reversed(list(enumerate(node))))


class Validator:
    """One validation run over a manifest; :meth:`run` raises on the first fault."""

    def __init__(self, manifest: Any, locations: Locations | None = None) -> None:
        self.manifest = manifest
        self.locations = locations or Locations()
        self.functions = _functions()
        self.activity_graph: dict[str, int] = {}
        self.ancestors: dict[str, list[str]] = {}

    # -- error helper -------------------------------------------------------------------------
    def fail(
        self, message: str, path: Path, *, activity: str | None = None,
        field: Path | None = None,
    ) -> ValidationError:
        file, line = self.locations.find(path)
        return ValidationError(
            message, file=file, line=line, activity=activity,
            field=_field(field) if field else None,
        )

    # -- entry ------------------------------------------------------------------------------
    def run(self) -> None:
        self._check_depth()
        app = self._check_app()
        graphs: list[dict[str, Any]] = app["graphs"]
        for gi, graph in enumerate(graphs):
            self._check_graph_shape(gi, graph)
        self._check_unique(graphs)
        for gi, graph in enumerate(graphs):
            self._check_activities(gi, graph)
            self._check_triggers(gi, graph)
            self._check_transitions(gi, graph)
            self._check_hooks(gi, graph)
        for gi, graph in enumerate(graphs):
            self._check_reachability(gi, graph)
        for gi, graph in enumerate(graphs):
            self._check_references(gi, graph)

    def _check_depth(self) -> None:
        # manifests may arrive as dicts (not through the reader), so re-check the nesting cap
        stack: list[tuple[Any, int]] = [(self.manifest, 0)]
        while stack:
            node, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise ValidationError(f"manifest nests deeper than {MAX_DEPTH} levels")
            if isinstance(node, dict):
                stack.extend((v, depth + 1) for v in node.values())
            elif isinstance(node, list):
                stack.extend((v, depth + 1) for v in node)

    def _check_app(self) -> dict[str, Any]:
        root = self.manifest
        if not isinstance(root, dict) or not isinstance(root.get("app"), dict):
            raise self.fail("the document must be a mapping with an 'app:' section", ())
        app: dict[str, Any] = root["app"]
        app_id = app.get("id")
        if not isinstance(app_id, str) or not APP_ID_RE.match(app_id):
            raise self.fail(
                f"app.id must be a string of letters, digits, '-', '_' or '.', got {app_id!r}",
                ("app", "id"), field=("app", "id"),
            )
        if app_id in RESERVED_APP_IDS:
            raise self.fail(f"app.id {app_id!r} is reserved", ("app", "id"),
                            field=("app", "id"))
        version = app.get("version")
        if not isinstance(version, str):
            hint = f"; quote it: version: '{version}'" if isinstance(version, int | float) else ""
            raise self.fail(
                f"app.version must be a string, got {type(version).__name__} {version!r}{hint}",
                ("app", "version"), field=("app", "version"),
            )
        if not version or ":" in version:
            raise self.fail(f"app.version {version!r} must be non-empty and contain no ':'",
                            ("app", "version"), field=("app", "version"))
        graphs = app.get("graphs")
        if not isinstance(graphs, list) or not graphs:
            raise self.fail("app.graphs must be a non-empty list of graphs",
                            ("app", "graphs"), field=("app", "graphs"))
        return app

    def _check_graph_shape(self, gi: int, graph: Any) -> None:
        gp: Path = ("app", "graphs", gi)
        if not isinstance(graph, dict):
            raise self.fail(f"graph {gi} must be a mapping", gp, field=gp)
        subscribes = graph.get("subscribes")
        if not isinstance(subscribes, str) or not subscribes:
            raise self.fail(f"graph {gi} needs a 'subscribes' topic (a non-empty string)",
                            gp, field=(*gp, "subscribes"))
        publishes = graph.get("publishes")
        if publishes is not None and not isinstance(publishes, str):
            raise self.fail("'publishes' must be a string topic", (*gp, "publishes"),
                            field=(*gp, "publishes"))
        for key in ("subscribes", "publishes"):
            self._check_topic(graph.get(key), (*gp, key), None, (key,))
        activities = graph.get("activities")
        if not isinstance(activities, dict) or not activities:
            raise self.fail(f"graph '{subscribes}' needs a non-empty 'activities' mapping",
                            gp, field=(*gp, "activities"))
        if len(activities) > MAX_ACTIVITIES:
            raise self.fail(f"graph '{subscribes}' has more than {MAX_ACTIVITIES} activities",
                            (*gp, "activities"), field=(*gp, "activities"))
        for key in ("transitions", "hooks"):
            value = graph.get(key)
            if value is not None and not isinstance(value, dict):
                raise self.fail(f"graph '{subscribes}': '{key}' must be a mapping",
                                (*gp, key), field=(*gp, key))

    def _check_topic(self, topic: Any, path: Path, activity: str | None, fld: Path) -> None:
        # HotMesh joins topics into '::'-separated values (signals, dependencies)
        if isinstance(topic, str) and "::" in topic:
            raise self.fail(f"topic {topic!r} may not contain '::'", path, activity=activity,
                            field=fld)

    def _check_unique(self, graphs: list[dict[str, Any]]) -> None:
        topics: dict[str, int] = {}
        for gi, graph in enumerate(graphs):
            topic = graph["subscribes"]
            if topic in topics:
                raise self.fail(
                    f"duplicate subscribes topic {topic!r} (graphs {topics[topic]} and {gi})",
                    ("app", "graphs", gi, "subscribes"), field=("subscribes",),
                )
            topics[topic] = gi
            for aid in graph["activities"]:
                ap: Path = ("app", "graphs", gi, "activities", aid)
                if aid in self.activity_graph:
                    raise self.fail(f"Duplicate activity id found: {aid}", ap, activity=aid)
                if not aid or aid.startswith("$") or any(c in aid for c in BAD_ID_CHARS):
                    raise self.fail(
                        f"activity id {aid!r} must be non-empty, not start with '$' and not "
                        f"contain any of {' '.join(BAD_ID_CHARS)}", ap, activity=aid,
                    )
                self.activity_graph[aid] = gi

    def _check_activities(self, gi: int, graph: dict[str, Any]) -> None:
        for aid, activity in graph["activities"].items():
            ap: Path = ("app", "graphs", gi, "activities", aid)
            if not isinstance(activity, dict):
                raise self.fail("an activity must be a mapping", ap, activity=aid)
            kind = activity.get("type")
            if kind not in ACTIVITY_TYPES and kind not in LEGACY_TYPES:
                known = ", ".join(sorted(ACTIVITY_TYPES))
                raise self.fail(f"unknown activity type {kind!r} (expected one of {known})",
                                (*ap, "type"), activity=aid, field=("type",))
            for key in ("topic", "subtype"):
                self._check_topic(activity.get(key), (*ap, key), aid, (key,))
            if kind in ("worker", "await"):
                topic = activity.get("subtype") or activity.get("topic")
                if not isinstance(topic, str) or not topic:
                    raise self.fail(f"a {kind} activity needs a 'topic' (a non-empty string)",
                                    ap, activity=aid, field=("topic",))
            if kind == "signal":
                topic = activity.get("topic")
                if not isinstance(topic, str) or not topic:
                    raise self.fail("a signal activity needs a hook 'topic' to signal",
                                    ap, activity=aid, field=("topic",))
            if kind == "cycle":
                ancestor = activity.get("ancestor")
                if not isinstance(ancestor, str) or ancestor not in graph["activities"]:
                    raise self.fail(
                        f"cycle 'ancestor' {ancestor!r} is not an activity of this graph",
                        (*ap, "ancestor") if "ancestor" in activity else ap,
                        activity=aid, field=("ancestor",),
                    )
            self._check_stats(activity, ap, aid)
            self._check_slots(activity, ap, aid)
            self._check_retry(activity, ap, aid)
            for section in ("input", "output", "job", "hook", "signal", "resolver", "stats"):
                value = activity.get(section)
                if value is not None and not isinstance(value, dict):
                    raise self.fail(f"'{section}' must be a mapping", (*ap, section),
                                    activity=aid, field=(section,))
                maps = value.get("maps") if isinstance(value, dict) else None
                if maps is not None and not isinstance(maps, dict):
                    raise self.fail(f"'{section}.maps' must be a mapping",
                                    (*ap, section, "maps"), activity=aid,
                                    field=(section, "maps"))

    def _check_stats(self, activity: dict[str, Any], ap: Path, aid: str) -> None:
        stats = activity.get("stats")
        if not isinstance(stats, dict):
            return
        granularity = stats.get("granularity")
        if granularity is not None and granularity not in GRANULARITIES:
            raise self.fail(
                f"stats.granularity must be one of {', '.join(GRANULARITIES)}, "
                f"got {granularity!r}", (*ap, "stats", "granularity"), activity=aid,
                field=("stats", "granularity"),
            )
        measures = stats.get("measures")
        if measures is None:
            return
        if not isinstance(measures, list):
            raise self.fail("stats.measures must be a list of {measure, target}",
                            (*ap, "stats", "measures"), activity=aid,
                            field=("stats", "measures"))
        for i, item in enumerate(measures):
            mp: Path = (*ap, "stats", "measures", i)
            kind = item.get("measure") if isinstance(item, dict) else None
            if kind not in MEASURES or "target" not in item:
                raise self.fail(
                    f"each stats measure needs 'measure' (one of {', '.join(MEASURES)}) and "
                    f"'target', got {item!r}", mp, activity=aid,
                    field=("stats", "measures", i),
                )

    def _check_slots(self, activity: dict[str, Any], ap: Path, aid: str) -> None:
        job = activity.get("job")
        maps = job.get("maps") if isinstance(job, dict) else None
        for rel, _node in _walk(maps, ()) if isinstance(maps, dict) else ():
            key = rel[-1] if rel else None
            if not isinstance(key, str) or "[" not in key:
                continue
            amount = js_parse_int(key.split("[")[1].split("]")[0])
            if amount is not None and amount > MAX_SLOTS:
                raise self.fail(
                    f"job map slots {key!r} exceed the {MAX_SLOTS} data fields a job can "
                    "store", (*ap, "job", "maps", *rel), activity=aid,
                    field=("job", "maps", *rel),
                )

    def _check_retry(self, activity: dict[str, Any], ap: Path, aid: str) -> None:
        retry = activity.get("retry")
        if retry is None:
            return
        ok = isinstance(retry, dict) and all(
            isinstance(v, list) and v and isinstance(v[0], int) and not isinstance(v[0], bool)
            for v in retry.values()
        )
        if not ok:
            raise self.fail(
                "retry must map error codes to [maxRetries], e.g. {'500': [3]}",
                (*ap, "retry"), activity=aid, field=("retry",),
            )

    def _check_triggers(self, gi: int, graph: dict[str, Any]) -> None:
        gp: Path = ("app", "graphs", gi)
        subscribes = graph["subscribes"]
        activities = graph["activities"]
        triggers = [aid for aid, a in activities.items()
                    if isinstance(a, dict) and a.get("type") == "trigger"]
        if not triggers:
            raise self.fail(
                f"graph '{subscribes}' has no activity of type 'trigger' "
                "(collator-trigger-activity-not-found)", (*gp, "activities"),
                field=(*gp, "activities"),
            )
        if len(triggers) > 1:
            raise self.fail(
                f"graph '{subscribes}' has {len(triggers)} triggers ({', '.join(triggers)}); "
                "exactly one is allowed", (*gp, "activities", triggers[1]),
                activity=triggers[1], field=("type",),
            )

    def _check_transitions(self, gi: int, graph: dict[str, Any]) -> None:
        activities = graph["activities"]
        for source, edges in (graph.get("transitions") or {}).items():
            tp: Path = ("app", "graphs", gi, "transitions", source)
            fp: Path = ("transitions", source)
            if source not in activities:
                raise self.fail(f"transition from {source!r}, which is not an activity of "
                                "this graph", tp, activity=source, field=fp)
            if not isinstance(edges, list):
                raise self.fail("transitions must be a list of {to, conditions?}", tp,
                                activity=source, field=fp)
            for i, edge in enumerate(edges):
                ep: Path = (*tp, i)
                if not isinstance(edge, dict) or not isinstance(edge.get("to"), str):
                    raise self.fail("each transition needs a 'to' activity id", ep,
                                    activity=source, field=(*fp, i, "to"))
                if edge["to"] not in activities:
                    raise self.fail(f"transition to missing activity {edge['to']!r}",
                                    (*ep, "to"), activity=source, field=(*fp, i, "to"))
                conditions = edge.get("conditions")
                if conditions is None:
                    continue
                if not isinstance(conditions, dict):
                    raise self.fail("'conditions' must be a mapping", (*ep, "conditions"),
                                    activity=source, field=(*fp, i, "conditions"))
                gate = conditions.get("gate")
                if gate is not None and gate not in ("and", "or"):
                    raise self.fail(f"'gate' must be 'and' or 'or', got {gate!r}",
                                    (*ep, "conditions", "gate"), activity=source,
                                    field=(*fp, i, "conditions", "gate"))
                match = conditions.get("match")
                if match is not None and (not isinstance(match, list) or not all(
                        isinstance(m, dict) and "actual" in m for m in match)):
                    raise self.fail("'match' must be a list of {expected, actual}",
                                    (*ep, "conditions", "match"), activity=source,
                                    field=(*fp, i, "conditions", "match"))

    def _check_hooks(self, gi: int, graph: dict[str, Any]) -> None:
        for topic, rules in (graph.get("hooks") or {}).items():
            hp: Path = ("app", "graphs", gi, "hooks", topic)
            if not isinstance(rules, list) or not rules:
                raise self.fail(f"hook topic {topic!r} needs a non-empty list of rules", hp,
                                field=("hooks", topic))
            self._check_topic(topic, hp, None, ("hooks", topic))
            for i, rule in enumerate(rules):
                if not isinstance(rule, dict) or rule.get("to") not in graph["activities"]:
                    to = rule.get("to") if isinstance(rule, dict) else None
                    raise self.fail(f"hook rule for {topic!r} targets missing activity {to!r}",
                                    (*hp, i), field=("hooks", topic, i, "to"))

    def _check_reachability(self, gi: int, graph: dict[str, Any]) -> None:
        found = find_trigger(graph)
        assert found is not None
        trigger_id = found[0]
        transitions = graph.get("transitions") or {}
        # cycle check (iterative three-colour DFS) before the ancestor walk relies on it
        state: dict[str, int] = {}
        for start in graph["activities"]:
            if state.get(start):
                continue
            stack: list[tuple[str, Iterator[str]]] = [
                (start, iter(e["to"] for e in transitions.get(start) or []))
            ]
            state[start] = 1
            while stack:
                node, children = stack[-1]
                child = next(children, None)
                if child is None:
                    state[node] = 2
                    stack.pop()
                elif state.get(child) == 1:
                    raise self.fail(
                        f"transitions loop back to {child!r}; loops must use a 'cycle' "
                        "activity", ("app", "graphs", gi, "transitions", node),
                        activity=node, field=("transitions", node),
                    )
                elif not state.get(child):
                    state[child] = 1
                    stack.append((child, iter(e["to"] for e in transitions.get(child) or [])))
        if trigger_id in {e["to"] for edges in transitions.values() for e in edges}:
            raise self.fail(f"the trigger {trigger_id!r} cannot be a transition target",
                            ("app", "graphs", gi, "transitions"), activity=trigger_id)
        ancestors = ancestors_by_activity(graph, trigger_id)
        for aid in graph["activities"]:
            if aid not in ancestors:
                raise self.fail(
                    f"activity {aid!r} is not reachable from the trigger {trigger_id!r}; "
                    "add a transition to it", ("app", "graphs", gi, "activities", aid),
                    activity=aid,
                )
        self.ancestors.update(ancestors)
        for aid, activity in graph["activities"].items():
            if activity.get("type") == "cycle":
                ancestor = activity["ancestor"]
                if ancestor not in ancestors[aid]:
                    raise self.fail(
                        f"cycle ancestor {ancestor!r} is not upstream of {aid!r} "
                        f"(upstream: {', '.join(ancestors[aid]) or 'none'})",
                        ("app", "graphs", gi, "activities", aid, "ancestor"),
                        activity=aid, field=("ancestor",),
                    )

    # -- mapping statements and pipes -----------------------------------------------------
    def _check_references(self, gi: int, graph: dict[str, Any]) -> None:
        gp: Path = ("app", "graphs", gi)
        trigger_id = find_trigger(graph)
        assert trigger_id is not None
        for aid, activity in graph["activities"].items():
            self._check_tree(activity, (*gp, "activities", aid), aid, aid, ())
        for source, edges in (graph.get("transitions") or {}).items():
            self._check_tree(edges, (*gp, "transitions", source), source, source,
                             ("transitions", source))
        if "expire" in graph:
            # the graph expire is copied onto (and resolved by) every activity
            self._check_tree(graph["expire"], (*gp, "expire"), trigger_id[0], None,
                             ("expire",))
        for topic, rules in (graph.get("hooks") or {}).items():
            for i, rule in enumerate(rules):
                rp: Path = (*gp, "hooks", topic, i)
                target = rule["to"]
                matches = (rule.get("conditions") or {}).get("match") \
                    if isinstance(rule.get("conditions"), dict) else None
                for j, m in enumerate(matches if isinstance(matches, list) else []):
                    if not isinstance(m, dict):
                        continue
                    mp: Path = (*rp, "conditions", "match", j)
                    self._check_tree(m.get("expected"), (*mp, "expected"), target, None,
                                     ("hooks", topic, i, "conditions", "match", j, "expected"))
                    self._check_tree(m.get("actual"), (*mp, "actual"), target, None,
                                     ("hooks", topic, i, "conditions", "match", j, "actual"),
                                     roots=HOOK_ACTUAL_ROOTS)

    def _check_tree(
        self, tree: Any, base: Path, context_aid: str, activity: str | None, field_base: Path,
        roots: tuple[str, ...] | None = None,
    ) -> None:
        for rel, node in _walk(tree, ()):
            path = (*base, *rel)
            fld = (*field_base, *rel)
            if isinstance(node, dict) and "@pipe" in node:
                self._check_pipe(node["@pipe"], (*path, "@pipe"), activity, (*fld, "@pipe"))
            elif _is_reference(node):
                self._check_statement(node, path, context_aid, activity, fld, roots)

    def _check_statement(
        self, statement: str, path: Path, context_aid: str, activity: str | None, fld: Path,
        roots: tuple[str, ...] | None,
    ) -> None:
        if statement.startswith("{@"):
            self._check_function(statement, path, activity, fld)
            return
        if _is_context_var(statement):
            return
        root = statement[1:-1].split(".")[0]
        if roots is not None:
            if root not in roots:
                raise self.fail(
                    f"{statement} cannot be resolved here: this value is resolved against the "
                    f"incoming signal, so it must start with {' or '.join(roots)}",
                    path, activity=activity, field=fld,
                )
            return
        if root in SYS_VARS:
            return
        if root not in self.activity_graph:
            raise self.fail(
                f"Mapping statement references non-existent activity: {statement}",
                path, activity=activity, field=fld,
            )
        upstream = self.ancestors.get(context_aid, [])
        if root != context_aid and root not in upstream:
            where = "the graph 'expire'" if activity is None and fld[:1] == ("expire",) \
                else f"activity {context_aid!r}"
            raise self.fail(
                f"{statement} references activity {root!r}, which is not upstream of {where} "
                f"(upstream: {', '.join(upstream) or 'none'}); its value would be undefined",
                path, activity=activity, field=fld,
            )

    def _check_function(self, cell: str, path: Path, activity: str | None, fld: Path) -> None:
        domain, name = function_name(cell)
        funcs = self.functions.get(domain)
        if funcs is None:
            raise self.fail(f"unknown pipe function {cell}: Unknown domain name [{cell}]: "
                            f"{domain}", path, activity=activity, field=fld)
        if name is None or name not in funcs:
            raise self.fail(f"unknown pipe function {cell}: Unknown domain function [{cell}]: "
                            f"{domain}.{name}", path, activity=activity, field=fld)

    def _check_pipe(
        self, rows: Any, path: Path, activity: str | None, fld: Path, prior: bool = False,
    ) -> None:
        def bad(message: str, at: Path = ()) -> ValidationError:
            return self.fail(f"malformed @pipe: {message}", (*path, *at), activity=activity,
                             field=(*fld, *at))

        if not isinstance(rows, list) or not rows:
            raise bad("expected a non-empty list of rows")
        start = 0
        if not prior and isinstance(rows[0], list):
            prior, start = True, 1
        queued = 0
        for i in range(start, len(rows)):
            row = rows[i]
            if isinstance(row, dict) and "@reduce" in row and prior:
                self._check_pipe(row["@reduce"], (*path, i, "@reduce"), activity,
                                 (*fld, i, "@reduce"), prior=True)
            elif isinstance(row, dict) and "@pipe" in row:
                self._check_pipe(row["@pipe"], (*path, i, "@pipe"), activity,
                                 (*fld, i, "@pipe"))
                queued += 1
            elif isinstance(row, list) or (isinstance(row, dict) and "@reduce" in row):
                if queued:
                    prior, queued = True, 0
                cells = row if isinstance(row, list) else []
                if not prior:
                    prior = True
                    continue
                if not cells:
                    raise bad(f"row {i} is empty; it must start with a function", (i,))
                head = cells[0]
                if not (_is_function(head) or _is_context_var(head)):
                    raise bad(
                        f"row {i} must start with a function such as '{{@string.concat}}' "
                        f"(or a reduce variable), got {head!r}", (i, 0),
                    )
            else:
                raise bad(f"row {i} must be a list, {{'@pipe': [...]}} or "
                          f"{{'@reduce': [...]}}, got {type(row).__name__}", (i,))
        if not prior:
            raise bad("no plain row follows the nested pipes, so nothing is returned")


def _functions() -> dict[str, dict[str, Any]]:
    from ...pipe.functions import FUNCTIONS

    return FUNCTIONS


def validate(manifest: Any, locations: Locations | None = None) -> None:
    """Raise :class:`ValidationError` for the first fault in ``manifest``; None if it compiles."""
    Validator(manifest, locations).run()
