"""Fixtures for the durable suites: isolated connection kwargs and clean shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from hotmesh_pg.durable import Durable


@pytest.fixture
async def durable_kwargs(conn_kwargs: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    """``connection``/``schema`` for Client and Worker; every engine stopped afterwards."""
    kwargs = dict(conn_kwargs)
    if "namespace" in kwargs:  # the redis fixture's key namespace, not a durable namespace
        kwargs["hotmesh_namespace"] = kwargs.pop("namespace")
    yield kwargs
    await Durable.shutdown()


@pytest.fixture
def hotmesh_ns(durable_kwargs: dict[str, Any]) -> str:
    """The HotMesh key namespace in use: job keys read ``<hotmesh_ns>:<app>:j:<id>``."""
    return str(durable_kwargs.get("hotmesh_namespace", "hmsh"))
