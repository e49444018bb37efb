"""The activity registry: which function an activity name runs.

Filled by ``proxy_activities`` (and ``Worker.create(activities=...)``). Registrations are
kept per owner (the module that called ``proxy_activities``), so two workflow modules may
each have their own ``greet``: a worker resolves a name in its workflow function's module
first. HotMesh's process-global, first-wins table remains the fallback (and a conflicting
global registration logs a warning).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["call_user_function", "register_activities", "registered"]

log = logging.getLogger("hotmesh_pg.durable")

_REGISTRY: dict[str, Callable[..., Any]] = {}
_BY_OWNER: dict[str, dict[str, Callable[..., Any]]] = {}


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


def register_activities(source: Any, owner: str | None = None) -> dict[str, Callable[..., Any]]:
    """Register a function, dict, list, module or object of activities; return them by name.

    ``owner`` (a module name) scopes the registration to workflows defined in that module.
    """
    named = _named(source)
    if owner:
        _BY_OWNER.setdefault(owner, {}).update(named)
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


def registered(name: str, owner: str | None = None) -> Callable[..., Any] | None:
    """The function for ``name``: the owner's own registration first, else the global one."""
    if owner:
        scoped = _BY_OWNER.get(owner, {}).get(name)
        if scoped is not None:
            return scoped
    return _REGISTRY.get(name)


async def call_user_function(fn: Callable[..., Any], *args: Any) -> Any:
    """Run user code without blocking the event loop.

    A coroutine function is awaited here; anything else runs in a worker thread (which
    copies the context), and an awaitable it returns is awaited as well.
    """
    if inspect.iscoroutinefunction(fn):
        return await fn(*args)
    result = await asyncio.to_thread(fn, *args)
    if inspect.isawaitable(result):
        result = await result
    return result
