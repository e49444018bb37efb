"""Fixtures of the `hotmesh-pg` tests: run the command in-process (``main(argv)``) or as a
real subprocess, against the test Postgres in a fresh schema per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hotmesh_pg.cli.__main__ import main

from .processes import REPO, Outcome, WorkerProcess

__all__ = ["CLI", "SANDBOX_WORKERS", "SANDBOX_YAML", "Outcome", "WorkerProcess"]
SANDBOX_YAML = REPO / "apps" / "sandbox" / "hotmesh.yaml"
SANDBOX_WORKERS = Path(__file__).resolve().parent / "sandbox_workers.py"


CLI = Callable[..., Outcome]


@pytest.fixture
def target(postgres_dsn: str, pg_schema: str) -> list[str]:
    """The options that point a command at this test's schema."""
    return ["--connection", postgres_dsn, "--schema", pg_schema]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], target: list[str]) -> CLI:
    """``cli("pub", "topic", "{}")`` runs ``hotmesh-pg`` in-process on this test's schema."""

    def run(*argv: str, connect: bool = True) -> Outcome:
        capsys.readouterr()
        code = main([*(target if connect else []), *argv])
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


@pytest.fixture
def sandbox(cli: CLI) -> str:
    """apps/sandbox deployed and activated; returns the app id."""
    out = cli("deploy", str(SANDBOX_YAML), "--activate")
    assert out.code == 0, out.stderr
    return "sandbox"


@pytest.fixture
def worker_process(target: list[str]) -> Iterator[Callable[..., WorkerProcess]]:
    """Start `hotmesh-pg worker` subprocesses on this test's schema; all killed afterwards."""
    started: list[WorkerProcess] = []

    def start(*argv: str, env: dict[str, str] | None = None) -> WorkerProcess:
        wp = WorkerProcess([*target, *argv], env)
        started.append(wp)
        return wp

    yield start
    for wp in started:
        wp.kill()
