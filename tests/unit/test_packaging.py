"""What a wheel ships: every package folder, and the migrations that migrate=True needs."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _config() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_folder_is_listed() -> None:
    listed = set(_config()["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "hotmesh_pg").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert on_disk <= listed, sorted(on_disk - listed)


def test_migrations_are_mapped_into_the_package() -> None:
    cfg = _config()["tool"]["setuptools"]
    assert cfg["package-dir"]["hotmesh_pg._migrations"] == "migrations"
    assert (ROOT / "migrations" / "env.py").is_file()
    assert any((ROOT / "migrations" / "versions").glob("0001_*.py"))


def test_the_migrator_finds_its_scripts() -> None:
    from hotmesh_pg.providers.postgres.migrate import MIGRATIONS_DIR

    assert (MIGRATIONS_DIR / "env.py").is_file()
