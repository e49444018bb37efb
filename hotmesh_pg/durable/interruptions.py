"""Replay misses: register the call's payload, yield once, then raise the interruption.

Every durable primitive claims its index and registers its payload *when it is called*;
the awaitable it returns only yields to the loop (so sibling calls of the same
``asyncio.gather`` register too) and then raises. The worker reads the registry, not the
exception, to decide between a single step and a collated batch (durable.md 2.6, 2.11).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, NoReturn, TypeVar

from ..errors import (
    DurableChildError,
    DurableInterruption,
    DurableProxyError,
    DurableSleepError,
    DurableWaitForAllError,
    DurableWaitForError,
)
from .context import WorkflowContext

__all__ = [
    "INTERRUPTION_BY_CODE",
    "did_interrupt",
    "interrupted",
    "raising",
    "resolved",
]

T = TypeVar("T")

INTERRUPTION_BY_CODE: dict[int, type[DurableInterruption]] = {
    588: DurableSleepError,
    589: DurableWaitForAllError,
    590: DurableChildError,
    591: DurableProxyError,
    595: DurableWaitForError,
}


def did_interrupt(exc: BaseException) -> bool:
    """True for replay control flow (re-raise it if you catch ``BaseException``)."""
    if isinstance(exc, DurableInterruption):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return any(did_interrupt(inner) for inner in exc.exceptions)
    return False


async def _interrupt(payload: dict[str, Any]) -> NoReturn:
    await asyncio.sleep(0)
    cls = INTERRUPTION_BY_CODE[int(payload["code"])]
    raise cls(**{k: v for k, v in payload.items() if k != "code"})


def interrupted(ctx: WorkflowContext, payload: dict[str, Any]) -> Awaitable[Any]:
    """Register ``payload`` now; the returned awaitable raises the matching interruption."""
    ctx.interruption_registry.append(payload)
    return _interrupt(payload)


async def _value(value: T) -> T:
    return value


def resolved(value: T) -> Awaitable[T]:
    """An awaitable that returns a replayed value."""
    return _value(value)


async def _fail(exc: BaseException) -> NoReturn:
    raise exc


def raising(exc: BaseException) -> Awaitable[Any]:
    """An awaitable that raises a replayed failure when awaited (not when called)."""
    return _fail(exc)
