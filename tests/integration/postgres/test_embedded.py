"""connection=None without $HOTMESH_DSN starts the embedded Postgres and migrates it."""

from __future__ import annotations

import pytest

from hotmesh_pg.connection import connect
from hotmesh_pg.keys import Key

pytest.importorskip("pgserver")


async def test_embedded_default_starts_migrates_and_works(monkeypatch, tmp_path):
    from hotmesh_pg.providers.postgres import embedded

    monkeypatch.delenv("HOTMESH_DSN", raising=False)
    monkeypatch.setenv("HOTMESH_EMBEDDED_DIR", str(tmp_path / "pgdata"))
    monkeypatch.setattr(embedded, "_server", None)
    providers = await connect(None, schema="hotmesh_embedded_test")
    try:
        assert providers.kind == "postgres"
        key = Key.job("ns", "app", "j1")
        assert await providers.store.hsetnx(key, ":", "1") is True
        assert await providers.store.hgetall(key) == {":": "1"}
        assert (tmp_path / "pgdata" / "PG_VERSION").exists()
    finally:
        await providers.close()
        embedded.stop_embedded()
