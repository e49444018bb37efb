"""Fixtures of the functional suites (ports of HotMesh 0.0.55 ``tests/functional``).

Each test gets its own isolated storage through ``conn_kwargs`` (tests/conftest.py), starts
real HotMesh instances on it and stops them afterwards. The reference YAML apps are read
in place from ``shared/reference-apps`` (see ``functional_support.app_path``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from functional_support import Factory

from hotmesh_pg import settings
from hotmesh_pg.hotmesh import HotMesh


@pytest.fixture(autouse=True)
def _test_block_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """HotMesh ran its tests with a 1 s stream block (NODE_ENV=test); so do we.

    A consumer blocked on an empty stream otherwise sleeps up to 10 s before it sees a
    delayed entry (a retry) fall due on a provider without wake-ups for delays.
    """
    monkeypatch.setattr(settings, "HMSH_BLOCK_TIME_MS", 1000)


@pytest.fixture
async def start_hotmesh(conn_kwargs: dict[str, Any]) -> AsyncIterator[Factory]:
    """``await start_hotmesh("tree", workers=[...])`` -> a started instance, stopped later."""
    made: list[HotMesh] = []

    async def make(app_id: str, **kwargs: Any) -> HotMesh:
        instance = await HotMesh.init(app_id=app_id, **{**conn_kwargs, **kwargs})
        made.append(instance)
        return instance

    yield make
    for instance in reversed(made):
        await instance.stop()
