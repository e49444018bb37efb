"""Shared paths and helpers for the compiler unit tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def copy_app(tmp_path: Path) -> Callable[[Path], Path]:
    """Copy a reference app folder somewhere writable; returns the new hotmesh.yaml."""

    def _copy(source: Path) -> Path:
        target = tmp_path / "app"
        shutil.copytree(source.parent, target)
        for path in target.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        target.chmod(0o755)
        return target / "hotmesh.yaml"

    return _copy
