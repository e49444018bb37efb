"""The activity registry: which function an activity name runs.

Filled by ``proxy_activities`` (and ``Worker.create(activities=...)``). Registrations are
kept per owner (the module that called ``proxy_activities``), so two workflow modules may
each have their own ``greet``: a worker resolves a name in its workflow function's module
first. HotMesh's process-global, first-wins table remains the fallback (and a conflicting
global registration logs a warning).
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import ActivityFailedError, DurableError, NonDeterminismError
from .context import current
from .markers import ENVELOPE, check_json, timestamp

__all__ = [
    "call_user_function",
    "error_dict",
    "execute_activity",
    "failure_code",
    "register_activities",
    "registered",
]

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


def error_dict(exc: BaseException, code: int) -> dict[str, Any]:
    """The ``$error`` payload a failed step reports (and its marker keeps)."""
    return {
        "message": str(exc),
        "type": type(exc).__name__,
        "name": type(exc).__name__,
        "stack": "".join(traceback.format_exception(exc)),
        "code": code,
        "timestamp": timestamp(),
    }


def failure_code(exc: BaseException) -> int:
    """596-598 are final (only from our own error classes); anything else retries (599)."""
    code = getattr(exc, "code", None)
    if isinstance(exc, DurableError | ActivityFailedError) and code in (596, 597, 598, 599):
        return int(code)
    if isinstance(exc, NonDeterminismError):
        return 598
    return 599


async def execute_activity(
    fn: Callable[..., Any] | None, name: str, args: Sequence[Any]
) -> tuple[int, dict[str, Any]]:
    """Run one attempt of an activity: ``(200, {"response": ...})`` or ``(code, {"$error"})``.

    The function runs outside any workflow context (an activity is not workflow code, even
    when the workflow worker runs it in place), and its result must be JSON: anything else
    is a fatal 598 naming the type, since no retry can make it serialisable.
    """
    try:
        if fn is None:
            raise LookupError(f"activity {name!r} is not registered in this worker")
        context = contextvars.copy_context()
        context.run(current().set, None)
        result = await asyncio.get_running_loop().create_task(
            call_user_function(fn, *args), context=context)
        try:
            check_json(result, f"activity {name!r} result")
        except TypeError as exc:
            return 598, {"$error": error_dict(exc, 598)}
        # enveloped so that values the job serializer cannot keep ('' and strings that
        # look like its type prefixes) survive as the activity's result
        return 200, {"response": {ENVELOPE: result}}
    except Exception as exc:
        code = failure_code(exc)
        return code, {"$error": error_dict(exc, code)}
