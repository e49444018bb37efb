"""Compiled app -> HotMesh's deploy artifacts, written through the Store protocol.

Writes happen only after :func:`~.builder.build` and validation have succeeded and after
every symbol has been planned (so "Symbol index out of bounds" is raised before anything is
written). Symbol ranges are reserved the way HotMesh does it (HSETNX a ``?:?`` placeholder,
HINCRBY the ``:cursor``, HSET the range) because two deployers of one app may race and a
range, once handed out, must never be handed out again; everything else - metadata seeds,
new symbols, symbol values, hook rules, schemas, subscriptions, transitions and the app
record - goes into one transaction. Key layout and value encodings are listed in this
package's README.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from ...clock import Clock, SystemClock
from ...errors import ValidationError
from ...keys import Key, KeyType
from ...pipe.js import json_stringify
from ...providers.protocols import Store, Stream
from ..serializer import (
    ACTIVITY_METADATA_KEYS,
    DATA_SLOTS,
    JOB_METADATA_KEYS,
    METADATA_SLOTS,
    RANGE_SIZE,
    SYMVAL_MAX,
    filter_sym_vals,
    sym_key,
)
from .builder import CompiledApp, SymbolTarget

__all__ = [
    "CURSOR_FIELD",
    "ENGINE_GROUP",
    "WORKER_GROUP",
    "SymbolPlan",
    "format_iso_date",
    "json_text",
    "plan_symbol_values",
    "seed_symbols",
    "write",
]

CURSOR_FIELD: Final = ":cursor"
PENDING_RANGE: Final = "?:?"
PENDING_POLLS: Final = 40
PENDING_POLL_S: Final = 0.05  # seconds between looks at another deployer's placeholder
ENGINE_GROUP: Final = "ENGINE"
WORKER_GROUP: Final = "WORKER"


def json_text(value: Any) -> str:
    """``JSON.stringify`` as HotMesh stores deploy artifacts (compact, JS numbers/order)."""
    return str(json_stringify(value))


def format_iso_date(ms: int) -> str:
    """HotMesh's ``formatISODate``: ISO-8601 UTC with ``-``, ``:``, ``T``, ``Z`` removed."""
    when = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return when.strftime("%Y%m%d%H%M%S.") + f"{ms % 1000:03d}"


def seed_symbols(target: str, kind: str, lower: int) -> dict[str, str]:
    """The metadata symbols a freshly reserved range starts with (path -> symbol)."""
    if kind == "JOB":
        return {f"metadata/{k}": sym_key(lower + i) for i, k in enumerate(JOB_METADATA_KEYS)}
    return {f"{target}/output/metadata/{k}": sym_key(lower + i)
            for i, k in enumerate(ACTIVITY_METADATA_KEYS)}


@dataclass
class SymbolPlan:
    """What one symbol target will receive: its range (when new) and its new symbols."""

    target: SymbolTarget
    existing: dict[str, str]
    reserved: bool
    lower: int = 0
    seeds: dict[str, str] = field(default_factory=dict)
    new: dict[str, str] = field(default_factory=dict)


def _new_paths(target: SymbolTarget, known: dict[str, str]) -> list[str]:
    seen = dict(known)
    fresh: list[str] = []
    for path in target.paths:
        if path not in seen:
            seen[path] = ""
            fresh.append(path)
    return fresh


def _bind(plan: SymbolPlan, start: int, upper: int) -> None:
    # A fresh range binds against no symbols at all - not even its metadata seeds - so a
    # referenced metadata path (``{a1.output.metadata.au}``) gets a data symbol that
    # replaces its seed, exactly as in HotMesh.
    for path in _new_paths(plan.target, plan.existing):
        if start > upper:
            raise ValidationError(
                f"Symbol index out of bounds: {plan.target.name!r} needs more than "
                f"{DATA_SLOTS} data symbols", activity=None
                if plan.target.kind == "JOB" else plan.target.name,
            )
        plan.new[path] = sym_key(start)
        start += 1


def plan_symbol_values(existing: dict[str, str], proposed: list[str]) -> dict[str, str]:
    """New value symbols (symbol -> value) for values not yet registered; stops at 2703."""
    return filter_sym_vals(len(existing), SYMVAL_MAX, existing, proposed)


async def write(
    store: Store, ns: str, compiled: CompiledApp, *, stream: Stream | None = None,
    clock: Clock | None = None,
) -> None:
    """Store every artifact of ``compiled`` under namespace ``ns`` (see the README)."""
    app = compiled.app_id
    version = compiled.version
    ranges_key = Key(KeyType.SYMKEYS, ns, app, "")

    # 1. read what exists and plan every symbol before writing anything
    ranges = await store.hgetall(ranges_key)
    plans: list[SymbolPlan] = []
    for target in compiled.symbol_targets:
        if target.name in ranges and ranges[target.name] != PENDING_RANGE:
            existing = await store.hgetall(Key(KeyType.SYMKEYS, ns, app, target.name))
            plan = SymbolPlan(target, existing, reserved=False)
            lower = _range_lower(ranges[target.name], target.name)
            _bind(plan, lower + METADATA_SLOTS + len(existing), lower + RANGE_SIZE - 1)
        else:
            plan = SymbolPlan(target, {}, reserved=True)
            plan.seeds = seed_symbols(target.name, target.kind, 0)
            _bind(plan, METADATA_SLOTS, RANGE_SIZE - 1)  # dry run: proves the range suffices
            plan.new.clear()
        plans.append(plan)
    sym_vals = await store.hgetall(Key(KeyType.SYMVALS, ns, app))
    new_vals = plan_symbol_values(sym_vals, compiled.symbol_values)

    # 2. reserve fresh ranges (atomic per target, like HotMesh)
    for plan in plans:
        if not plan.reserved:
            continue
        name = plan.target.name
        lower, fresh = await _reserve(store, ranges_key, name)
        if fresh:
            plan.lower = lower
            plan.seeds = seed_symbols(name, plan.target.kind, lower)
            _bind(plan, lower + METADATA_SLOTS, lower + RANGE_SIZE - 1)
        else:  # a concurrent deployer reserved it first: its transaction writes the seeds
            plan.reserved = False
            plan.seeds = {}
            plan.existing = await store.hgetall(Key(KeyType.SYMKEYS, ns, app, name))
            _bind(plan, lower + METADATA_SLOTS + len(plan.existing), lower + RANGE_SIZE - 1)

    # 3. everything else in one transaction
    tx = store.transaction()
    for plan in plans:
        symbols = {**plan.seeds, **plan.new}
        if symbols:
            tx.hset(Key(KeyType.SYMKEYS, ns, app, plan.target.name), symbols)
    if new_vals:
        tx.hset(Key(KeyType.SYMVALS, ns, app), new_vals)
    if compiled.hook_rules:
        tx.hset(Key(KeyType.HOOKS, ns, app),
                {topic: json_text(rules) for topic, rules in compiled.hook_rules.items()})
    tx.hset(Key(KeyType.SCHEMAS, ns, app, version),
            {aid: json_text(schema) for aid, schema in compiled.schemas.items()})
    tx.hset(Key(KeyType.SUBSCRIPTIONS, ns, app, version),
            {topic: json_text(aid) for topic, aid in compiled.subscriptions.items()})
    if compiled.transitions:
        tx.hset(Key(KeyType.SUBSCRIPTION_PATTERNS, ns, app, version),
                {k: json_text(v) for k, v in compiled.transitions.items()})
    now = (clock or SystemClock()).now_ms()
    tx.hset(Key(KeyType.APP, ns, app), {
        "id": app,
        "version": version,
        f"versions/{version}": f"deployed:{format_iso_date(now)}",
    })
    await tx.exec()

    # 4. consumer groups (idempotent; the Postgres stream needs none but accepts the call)
    if stream is not None:
        await stream.create_group(Key.stream(ns, app), ENGINE_GROUP)
        for topic in compiled.worker_topics:
            await stream.create_group(Key.stream(ns, app, topic), WORKER_GROUP)


async def _reserve(store: Store, ranges_key: Key, name: str) -> tuple[int, bool]:
    """Reserve ``name``'s range: (lower bound, True if this call created it).

    HotMesh's three steps: HSETNX a placeholder (exactly one deployer wins), HINCRBY the
    cursor, HSET the range. A loser waits for the winner's range to appear; a placeholder
    that never resolves (its deployer died between the steps) is taken over.
    """
    if not await store.hsetnx(ranges_key, name, PENDING_RANGE):
        for _ in range(PENDING_POLLS):
            text = await store.hget(ranges_key, name)
            if text is not None and text != PENDING_RANGE:
                return _range_lower(text, name), False
            await asyncio.sleep(PENDING_POLL_S)
    upper = await store.hincrby(ranges_key, CURSOR_FIELD, RANGE_SIZE)
    lower = upper - RANGE_SIZE
    await store.hset(ranges_key, {name: f"{lower}:{upper - 1}"})
    return lower, True


def _range_lower(text: str, target: str) -> int:
    head = text.split(":", 1)[0]
    if not head.lstrip("-").isdigit():
        raise ValidationError(
            f"symbol range of {target!r} is still being reserved ({text!r}); retry the deploy"
        )
    return int(head)
