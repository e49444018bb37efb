"""Option objects of the durable API (retry policies, workflow config, search options)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .duration import parse_duration

__all__ = [
    "DEFAULT_BACKOFF_COEFFICIENT",
    "DEFAULT_EXPIRE_S",
    "DEFAULT_MAXIMUM_ATTEMPTS",
    "DEFAULT_MAXIMUM_INTERVAL_S",
    "RetryPolicy",
    "SearchField",
    "WorkflowConfig",
    "WorkflowSearchOptions",
]

# One source of defaults (durable.md 0.4 / 6.1 #16). Units in the names.
DEFAULT_MAXIMUM_ATTEMPTS = 3
DEFAULT_BACKOFF_COEFFICIENT = 10.0
DEFAULT_MAXIMUM_INTERVAL_S = 120.0
DEFAULT_EXPIRE_S = 1.0  # seconds a finished top-level job survives (HotMesh parity)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failing step is retried.

    ``maximum_attempts`` counts retries (total runs = attempts + 1, as in HotMesh); the
    delay before retry ``n`` (0-based) is ``min(backoff_coefficient ** n, maximum_interval)``
    seconds. ``throw_on_error=False`` hands failures back as dicts instead of raising.
    """

    maximum_attempts: int | None = None
    backoff_coefficient: float | None = None
    maximum_interval: str | float | None = None
    throw_on_error: bool = True

    @classmethod
    def of(cls, value: RetryPolicy | Mapping[str, Any] | None) -> RetryPolicy:
        if value is None:
            return cls()
        if isinstance(value, RetryPolicy):
            return value
        known = {"maximum_attempts", "backoff_coefficient", "maximum_interval", "throw_on_error"}
        unknown = set(value) - known
        if unknown:
            raise ValueError(f"retry policy has unknown keys {sorted(unknown)}; "
                             f"expected {sorted(known)}")
        policy = cls(**dict(value))
        if policy.maximum_attempts is not None and policy.maximum_attempts < 0:
            raise ValueError("retry policy maximum_attempts must be >= 0")
        return policy

    def interval_s(self) -> float | None:
        if self.maximum_interval is None:
            return None
        if isinstance(self.maximum_interval, str) and self.maximum_interval.strip().isdigit():
            return float(self.maximum_interval)
        return parse_duration(self.maximum_interval)


WorkflowConfig = RetryPolicy
"""A workflow's own retry settings have the same shape (``config=`` of start/exec_child)."""


@dataclass(frozen=True)
class SearchField:
    type: Literal["TEXT", "NUMERIC", "TAG"] = "TEXT"
    sortable: bool = False


@dataclass
class WorkflowSearchOptions:
    """``search=`` of start / Worker.create: an index, id prefixes, a schema, initial data."""

    index: str | None = None
    prefix: list[str] = field(default_factory=list)
    schema: dict[str, SearchField] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, value: WorkflowSearchOptions | Mapping[str, Any] | None) -> WorkflowSearchOptions:
        if value is None:
            return cls()
        if isinstance(value, WorkflowSearchOptions):
            return value
        schema: dict[str, SearchField] = {}
        for name, spec in dict(value.get("schema") or {}).items():
            if isinstance(spec, SearchField):
                schema[name] = spec
            else:
                kind = str(spec.get("type", "TEXT")).upper()
                if kind not in ("TEXT", "NUMERIC", "TAG"):
                    raise ValueError(f"search schema field {name!r}: type {kind!r} is not "
                                     "TEXT, NUMERIC or TAG")
                schema[name] = SearchField(kind, bool(spec.get("sortable", False)))  # type: ignore[arg-type]
        prefix = value.get("prefix") or []
        return cls(
            index=value.get("index"),
            prefix=[prefix] if isinstance(prefix, str) else list(prefix),
            schema=schema,
            data=dict(value.get("data") or {}),
        )
