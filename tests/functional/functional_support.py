"""Helpers of the functional suites (ports of HotMesh 0.0.55 ``tests/functional``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from hotmesh_pg.hotmesh import HotMesh


def _reference_root() -> Path:
    """HotMesh's reference apps as the project receives them (``shared/reference-apps``
    beside the checkout, as CI lays it out, or the work folder's copy); they are read in
    place, never copied into this repository."""
    beside_clone = Path(__file__).resolve().parents[2].parent / "shared" / "reference-apps"
    for candidate in (beside_clone, Path("/work/shared/reference-apps")):
        if (candidate / "apps").is_dir():
            return candidate
    raise RuntimeError(
        "the functional suites need shared/reference-apps beside the checkout (or under "
        "/work/shared)"
    )


REFERENCE = _reference_root()
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
