"""Replay history: the marker fields of a job hash, decoded and indexed by call.

A marker is a job-hash field named ``-{prefix}{dim}-{index}-`` (search sub-operations add
``{n}-``). Most are written by the durable graph's job maps (values in HotMesh's serializer
encoding, ``/s`` + JSON for objects); a gathered batch is written once as
``-collator{dim}-{first}-`` holding ``{response: {position: outcome}, items: [...]}``, which
this module expands into one marker per call so every call replays by its own index.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..errors import NonDeterminismError

__all__ = [
    "CODE_PREFIX",
    "Replay",
    "check_json",
    "decode_value",
    "encode_value",
    "format_number",
    "parse_marker",
    "session_id",
    "timestamp",
    "unwrap",
]

ENVELOPE = "$v"
"""Key wrapping an activity's result, so the job serializer stores it as JSON."""


def unwrap(value: Any) -> Any:
    """An activity result without its envelope (older markers have none)."""
    if isinstance(value, Mapping) and len(value) == 1 and ENVELOPE in value:
        return value[ENVELOPE]
    return value


CODE_PREFIX = {588: "sleep", 590: "child", 591: "proxy", 595: "wait"}
"""Which marker prefix a gathered item's outcome gets, by the item's interruption code."""

_KNOWN_PREFIXES = frozenset(
    {"proxy", "child", "start", "sleep", "wait", "signal", "hook", "search", "once",
     "interrupt", "random", "collator"}
)


def session_id(prefix: str, dimension: str, index: int, sub: int | None = None) -> str:
    """The marker name of a durable call (``-proxy,0,1-3-``; search ops ``-search-2-0-``)."""
    tail = f"{index}-" if sub is None else f"{index}-{sub}-"
    return f"-{prefix}{dimension}-{tail}"


@dataclass(frozen=True, slots=True)
class MarkerName:
    prefix: str
    dimension: str
    index: int
    secondary: int | None = None


def parse_marker(name: str) -> MarkerName | None:
    """Split a marker field name into its parts; ``None`` if it is not a durable marker."""
    if not (name.startswith("-") and name.endswith("-")) or len(name) < 4:
        return None
    parts = name[1:-1].split("-")
    if len(parts) not in (2, 3):
        return None
    head = parts[0]
    comma = head.find(",")
    prefix, dimension = (head, "") if comma < 0 else (head[:comma], head[comma:])
    if prefix not in _KNOWN_PREFIXES:
        return None
    try:
        index = int(parts[1])
        secondary = int(parts[2]) if len(parts) == 3 else None
    except ValueError:
        return None
    return MarkerName(prefix, dimension, index, secondary)


def format_number(value: float) -> str:
    """Redis float formatting: ``11`` not ``11.0``; no exponent for ordinary values."""
    if math.isfinite(value) and value == int(value) and abs(value) < 1e17:
        return str(int(value))
    text = repr(float(value))
    return text


def encode_value(value: Any) -> str:
    """HotMesh's field encoding for a value we write ourselves (markers we own)."""
    if value is None:
        return "/n"
    if value is True:
        return "/t"
    if value is False:
        return "/f"
    if isinstance(value, int | float):
        return "/d" + format_number(float(value))
    if isinstance(value, str):
        return value
    return "/s" + json.dumps(value, separators=(",", ":"))


def decode_value(text: str | None) -> Any:
    """Inverse of the serializer's encoding; tolerant of plain text and bad JSON."""
    if text is None:
        return None
    if text.startswith("/s"):
        try:
            return json.loads(text[2:])
        except ValueError:
            return text
    if text == "/t":
        return True
    if text == "/f":
        return False
    if text == "/n":
        return None
    if text.startswith("/d"):
        try:
            number = float(text[2:] or 0)
        except ValueError:
            return text
        return int(number) if number.is_integer() and abs(number) < 1e15 else number
    return text


def timestamp() -> str:
    """HotMesh's compact ISO timestamp (``YYYYMMDDhhmmss.sss``)."""
    now = datetime.now(UTC)
    return now.strftime("%Y%m%d%H%M%S.") + f"{now.microsecond // 1000:03d}"


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        keyed = sorted(((int(k), v) for k, v in value.items() if str(k).isdigit()))
        return [v for _, v in keyed]
    return []


@dataclass
class Replay:
    """The markers of one thread (dimension) of a job, by index."""

    dimension: str = ""
    markers: dict[str, Any] = field(default_factory=dict)
    by_index: dict[int, tuple[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_fields(cls, fields: Mapping[str, str], dimension: str = "") -> Replay:
        """Build from raw job-hash fields; keeps only this dimension's markers."""
        replay = cls(dimension=dimension)
        collated: list[tuple[MarkerName, Any]] = []
        for name, raw in fields.items():
            parsed = parse_marker(name)
            if parsed is None or parsed.dimension != dimension:
                continue
            value = decode_value(raw)
            replay.markers[name] = value
            if parsed.prefix == "collator":
                collated.append((parsed, value))
            elif parsed.secondary is None:
                replay.by_index[parsed.index] = (parsed.prefix, value)
            else:
                replay.by_index.setdefault(parsed.index, (parsed.prefix, None))
        for _parsed, value in collated:
            replay._expand(value)
        return replay

    def _expand(self, value: Any) -> None:
        if not isinstance(value, Mapping):
            return
        items = _as_list(value.get("items"))
        response = value.get("response")
        outcomes = response if isinstance(response, Mapping) else {}
        for position, item in enumerate(items):
            if not isinstance(item, Mapping):
                continue
            outcome = outcomes.get(str(position))
            if outcome is None and isinstance(response, list) and position < len(response):
                outcome = response[position]
            if not isinstance(outcome, Mapping):
                continue
            code = int(item.get("code", 0))
            prefix = CODE_PREFIX.get(code)
            if prefix is None:
                continue
            if code == 590 and item.get("await") is False:
                prefix = "start"
            entry = dict(outcome)
            if code == 588:
                entry.setdefault("duration", item.get("duration"))
            if code == 591:
                entry.setdefault("name", item.get("activityName"))
            if code == 590:
                entry.setdefault("topic", item.get("workflowTopic"))
                if prefix == "start" and not entry.get("job_id"):
                    entry["job_id"] = item.get("workflowId")
            index = int(item.get("index", 0))
            name = session_id(prefix, self.dimension, index)
            if name not in self.markers:
                self.markers[name] = entry
                self.by_index[index] = (prefix, entry)

    def lookup(
        self, prefix: str, index: int, *, detail: str | None = None,
        recorded_detail: str | None = None,
    ) -> tuple[bool, Any]:
        """``(hit, value)`` for the call ``prefix`` at ``index``.

        Raises :class:`NonDeterminismError` when the history holds a different kind of call
        at this index (or, for activities, a different activity name).
        """
        found = self.by_index.get(index)
        if found is None:
            return False, None
        recorded_prefix, value = found
        if recorded_prefix != prefix and not {recorded_prefix, prefix} <= {"child", "start"}:
            raise NonDeterminismError(
                str(index), _describe(recorded_prefix, value), _describe(prefix, None, detail)
            )
        if detail is not None and isinstance(value, Mapping):
            recorded = value.get(recorded_detail or "name")
            if recorded is not None and recorded != detail:
                raise NonDeterminismError(
                    str(index), _describe(recorded_prefix, value),
                    _describe(prefix, None, detail),
                )
        name = session_id(prefix, self.dimension, index)
        if name in self.markers:
            return True, self.markers[name]
        return False, None

    def occupied(self, index: int, prefix: str) -> None:
        """Raise if history holds some other call where a marker-less call now runs."""
        found = self.by_index.get(index)
        if found is not None and found[0] != prefix:
            raise NonDeterminismError(
                str(index), _describe(found[0], found[1]), _describe(prefix, None)
            )

    def record(self, name: str, value: Any) -> None:
        """Remember a marker this run wrote itself."""
        self.markers[name] = value
        parsed = parse_marker(name)
        if parsed is not None and parsed.secondary is None:
            self.by_index[parsed.index] = (parsed.prefix, value)


def _describe(prefix: str, value: Any, detail: str | None = None) -> str:
    if detail is None and isinstance(value, Mapping):
        detail = value.get("name") or value.get("topic")
    return f"{prefix}({detail})" if detail else prefix


def check_json(value: Any, where: str) -> None:
    """Raise ``TypeError`` naming the first value (and its type) JSON cannot carry."""
    bad = _first_unserialisable(value, "")
    if bad is not None:
        path, offender = bad
        at = f" at {path}" if path else ""
        raise TypeError(
            f"{where}: value of type {type(offender).__name__}{at} is not JSON-serialisable"
        )


def _first_unserialisable(value: Any, path: str) -> tuple[str, Any] | None:
    if value is None or isinstance(value, str | bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else (path, value)
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = _first_unserialisable(item, f"{path}[{i}]")
            if found is not None:
                return found
        return None
    if isinstance(value, Mapping):
        for k, item in value.items():
            if not isinstance(k, str):
                return (f"{path} key {k!r}", k)
            found = _first_unserialisable(item, f"{path}.{k}" if path else k)
            if found is not None:
                return found
        return None
    return (path, value)
