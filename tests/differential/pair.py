"""The two providers under comparison, their shared clock, and the loop they run on."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hotmesh_pg.clock import ManualClock
from hotmesh_pg.providers.protocols import Providers

T = TypeVar("T")


@dataclass
class Pair:
    loop: asyncio.AbstractEventLoop
    clock: ManualClock
    postgres: Providers
    redis: Providers
    redis_url: str
    namespaces: list[str] = field(default_factory=list)

    @property
    def both(self) -> tuple[Providers, Providers]:
        return (self.postgres, self.redis)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def fresh_namespace(self) -> str:
        ns = f"d{uuid.uuid4().hex[:10]}"
        self.namespaces.append(ns)
        return ns
