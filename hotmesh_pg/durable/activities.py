"""The activity registry: which function an activity name runs.

Filled by ``proxy_activities`` (and ``Worker.create(activities=...)``). The first
registration of a name wins, as in HotMesh; a different function registered under a known
name is refused with a warning rather than silently shadowing it.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["register_activities", "registered"]

log = logging.getLogger("hotmesh_pg.durable")

_REGISTRY: dict[str, Callable[..., Any]] = {}


def _named(source: Any) -> dict[str, Callable[..., Any]]:
    if source is None:
        return {}
    if callable(source) and not inspect.ismodule(source) and not inspect.isclass(source):
        return {source.__name__: source}
    if isinstance(source, Mapping):
        return {str(k): v for k, v in source.items() if callable(v)}
    if isinstance(source, list | tuple):
        return {fn.__name__: fn for fn in source if callable(fn)}
    names = getattr(source, "__all__", None) or [n for n in dir(source) if not n.startswith("_")]
    found: dict[str, Callable[..., Any]] = {}
    for name in names:
        value = getattr(source, name, None)
        if inspect.isfunction(value) or inspect.iscoroutinefunction(value):
            found[name] = value
    return found


def register_activities(source: Any) -> dict[str, Callable[..., Any]]:
    """Register a function, dict, list, module or object of activities; return them by name."""
    named = _named(source)
    for name, fn in named.items():
        existing = _REGISTRY.get(name)
        if existing is None:
            _REGISTRY[name] = fn
        elif existing is not fn and getattr(existing, "__qualname__", None) != getattr(
            fn, "__qualname__", None
        ):
            log.warning("activity %r is already registered to %r; keeping the first", name,
                        existing)
    return named


def registered(name: str) -> Callable[..., Any] | None:
    return _REGISTRY.get(name)
