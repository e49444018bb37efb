"""The layering the folder layout promises: only providers know a database driver."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "hotmesh_pg"
DRIVERS = ("psycopg", "psycopg_pool", "redis", "sqlalchemy", "alembic", "pgserver")
DRIVER_FREE = ("engine", "pipe", "durable")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", DRIVER_FREE)
def test_layer_never_imports_a_driver(layer: str) -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        for name in imported_modules(path)
        if name.split(".")[0] in DRIVERS
    ]
    assert not offenders, offenders


def test_engine_does_not_reach_into_a_provider() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for layer in DRIVER_FREE
        for path in sorted((PACKAGE / layer).rglob("*.py"))
        if any(
            ".providers.postgres" in name or ".providers.redis" in name
            or name.startswith(("hotmesh_pg.providers.postgres", "hotmesh_pg.providers.redis"))
            for name in _all_imports(path)
        )
    ]
    assert not offenders, offenders


def _all_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add("." * node.level + node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out
