"""Helpers of the functional suites (ports of HotMesh 0.0.55 ``tests/functional``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from reference_apps import MISSING, REASON, REFERENCE

from hotmesh_pg.hotmesh import HotMesh

if MISSING:
    raise RuntimeError(REASON)
APPS = REFERENCE / "apps"

Factory = Callable[..., Awaitable[HotMesh]]


def app_path(*parts: str) -> str:
    """``app_path("abc", "v1", "hotmesh.yaml")``; ``seeds`` sits beside ``apps``."""
    root = REFERENCE if parts and parts[0] == "seeds" else APPS
    return str(root.joinpath(*parts))


async def wait_for(predicate: Callable[[], Awaitable[bool]], timeout: float = 10.0,
                   interval: float = 0.05) -> None:
    """Poll ``predicate`` until true (for states no event announces); fail after ``timeout``."""
    async with asyncio.timeout(timeout):
        while not await predicate():
            await asyncio.sleep(interval)


class Collector:
    """A sub/psub callback that records messages and lets a test await the n-th one."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []
        self._changed = asyncio.Event()

    def __call__(self, topic: str, job: dict[str, Any]) -> None:
        self.messages.append((topic, job))
        self._changed.set()

    async def wait(self, predicate: Callable[[list[tuple[str, dict[str, Any]]]], bool],
                   timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate(self.messages):
                self._changed.clear()
                await self._changed.wait()
