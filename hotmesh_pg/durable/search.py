"""Search indexes and queries over workflows' search fields.

An index is a name, id prefixes and a field schema, registered per namespace (the
RediSearch ``FT.CREATE`` of HotMesh). ``search`` answers the query language of
:mod:`hotmesh_pg.durable.query` over live jobs of the namespace whose id starts with one
of the index prefixes. A store that offers ``search_jobs`` (an optional provider
capability that runs the parsed query as indexed SQL) is used when present; otherwise the
fields are read through the Store protocol and matched here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from ..keys import Key, KeyType
from ..providers.protocols import Store
from .engines import hotmesh_namespace, store_of
from .options import WorkflowSearchOptions
from .query import ParsedQuery, matches, parse_query, to_number

if TYPE_CHECKING:
    from ..hotmesh import HotMesh

__all__ = [
    "Search",
    "configure_search_index",
    "list_search_indexes",
    "run_search",
    "scan_search",
]

log = logging.getLogger("hotmesh_pg.durable")

SCAN_LIMIT = 100_000


def _registry(hm: HotMesh, app_id: str) -> Key:
    return Key(KeyType.SEARCH, hotmesh_namespace(hm), app_id, "durable-search-indexes")


async def configure_search_index(
    hm: HotMesh, app_id: str, options: WorkflowSearchOptions
) -> bool:
    """Register (or replace) an index; idempotent, never fails the caller."""
    if not options.index or not options.schema:
        return False
    spec = {"prefix": options.prefix,
            "schema": {name: asdict(f) for name, f in options.schema.items()}}
    try:
        store = store_of(hm)
        await store.hset(_registry(hm, app_id), {options.index: json.dumps(spec)})
        ensure = getattr(store, "ensure_search_index", None)
        if callable(ensure):
            await ensure(hotmesh_namespace(hm), app_id, spec["schema"])
        return True
    except Exception:
        log.exception("configuring search index %s failed", options.index)
        return False


async def list_search_indexes(hm: HotMesh, app_id: str) -> list[str]:
    try:
        return sorted(await store_of(hm).hgetall(_registry(hm, app_id)))
    except Exception:
        log.exception("listing search indexes failed")
        return []


async def _index_spec(hm: HotMesh, app_id: str, index: str | None) -> tuple[str, dict[str, Any]]:
    indexes = await store_of(hm).hgetall(_registry(hm, app_id))
    if index is None:
        if len(indexes) != 1:
            raise ValueError(
                f"namespace {app_id!r} has {len(indexes)} search indexes "
                f"({sorted(indexes)}); name one with index="
            )
        index = next(iter(indexes))
    raw = indexes.get(index)
    if raw is None:
        raise ValueError(f"unknown search index {index!r} in namespace {app_id!r}")
    spec: dict[str, Any] = json.loads(raw)
    return index, spec


def _check_fields(parsed: ParsedQuery, schema: Mapping[str, Any], index: str) -> None:
    names = {c.field for c in parsed.clauses if c.kind != "all"}
    if parsed.sort_by:
        names.add(parsed.sort_by)
    for name in names:
        bare = name[1:] if name.startswith("_") else name
        if bare not in schema:
            raise ValueError(f"search field {name!r} is not in index {index!r} "
                             f"(fields: {sorted('_' + k for k in schema)})")


async def run_search(
    hm: HotMesh, app_id: str, query: str | Sequence[str], index: str | None = None
) -> tuple[int, list[tuple[str, dict[str, str]]], ParsedQuery]:
    """``(total, [(job_id, search fields)...] for the requested page, parsed query)``."""
    if not isinstance(query, str) and query and str(query[0]).upper().startswith("FT."):
        command = str(query[0]).upper()
        if command == "FT.SEARCH":
            index, query = str(query[1]), [str(q) for q in query[2:]]
        else:
            raise NotImplementedError(f"{command} is not supported (only FT.SEARCH, FT._LIST)")
    parsed = parse_query(query)
    index, spec = await _index_spec(hm, app_id, index)
    schema = spec.get("schema") or {}
    _check_fields(parsed, schema, index)
    prefixes: list[str] = list(spec.get("prefix") or []) or [""]
    store = store_of(hm)
    ns = hotmesh_namespace(hm)
    finder = getattr(store, "search_jobs", None)
    if callable(finder):
        total, rows = await finder(ns, app_id, prefixes, parsed, schema)
        return int(total), list(rows), parsed
    total, rows = await scan_search(store, ns, app_id, prefixes, parsed, schema)
    return total, rows, parsed


async def scan_search(
    store: Store, ns: str, app_id: str, prefixes: Sequence[str], parsed: ParsedQuery,
    schema: Mapping[str, Any],
) -> tuple[int, list[tuple[str, dict[str, str]]]]:
    """The query answered by reading jobs through the Store protocol (no ``search_jobs``).

    Gives the answers of the Postgres provider's SQL (the two are compared in
    ``tests/durable/test_search.py``): matches ordered by job id unless sorted, a sort
    field's missing or (NUMERIC) non-numeric values last in either direction, ties by id.
    """
    ids: list[str] = []
    for prefix in prefixes or [""]:
        ids.extend(await store.scan_jobs(ns, app_id, _glob_escape(prefix) + "*", SCAN_LIMIT))
    found: list[tuple[str, dict[str, str]]] = []
    for job_id in sorted(set(ids)):
        fields = await store.hgetall(Key.job(ns, app_id, job_id))
        if not fields:  # gone (expired or deleted) since the scan
            continue
        search_fields = {k: v for k, v in fields.items() if k.startswith("_")}
        if matches(parsed, search_fields):
            found.append((job_id, search_fields))
    if parsed.sort_by:
        found = _sorted(found, parsed.sort_by, parsed.descending, schema)
    start = max(0, parsed.offset)
    return len(found), found[start:start + max(0, parsed.limit)]


def _glob_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)


def _sorted(
    rows: list[tuple[str, dict[str, str]]], name: str, descending: bool,
    schema: Mapping[str, Any],
) -> list[tuple[str, dict[str, str]]]:
    """Rows with a sortable value first (ascending or descending), then the rest; each
    group keeps its id order (``rows`` arrive sorted by id and the sorts are stable)."""
    bare = name[1:] if name.startswith("_") else name
    numeric = (schema.get(bare) or {}).get("type") == "NUMERIC"
    keyed: list[tuple[Any, tuple[str, dict[str, str]]]] = []
    rest: list[tuple[str, dict[str, str]]] = []
    for row in rows:
        value = row[1].get(name)
        key: Any = None
        if value is not None:
            key = to_number(value) if numeric else value.lower()
        if key is None:
            rest.append(row)
        else:
            keyed.append((key, row))
    keyed.sort(key=lambda pair: pair[0], reverse=descending)  # stable even reversed
    return [row for _key, row in keyed] + rest


class Search:
    """``Durable.Search``: index administration helpers (HotMesh's static Search methods)."""

    @staticmethod
    async def configure_search_index(
        hm: HotMesh, search: WorkflowSearchOptions | Mapping[str, Any] | None,
        namespace: str | None = None,
    ) -> bool:
        app_id = namespace or str(getattr(hm, "app_id", "durable"))
        return await configure_search_index(hm, app_id, WorkflowSearchOptions.of(search))

    @staticmethod
    async def list_search_indexes(hm: HotMesh, namespace: str | None = None) -> list[str]:
        app_id = namespace or str(getattr(hm, "app_id", "durable"))
        return await list_search_indexes(hm, app_id)
