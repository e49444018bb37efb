"""Fixtures for the durable suites: isolated connection kwargs and clean shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from hotmesh_pg.durable import Durable


@pytest.fixture
def provider_kind() -> str:
    """The durable suites run on Postgres (the product)."""
    return "postgres"


@pytest.fixture
async def durable_kwargs(conn_kwargs: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    """``connection``/``schema`` for Client and Worker; every engine stopped afterwards."""
    kwargs = dict(conn_kwargs)
    if "namespace" in kwargs:  # the redis fixture's key namespace, not a durable namespace
        kwargs["hotmesh_namespace"] = kwargs.pop("namespace")
    yield kwargs
    await Durable.shutdown()
