"""Fixtures of the `hotmesh-pg` tests: run the command in-process (``main(argv)``) or as a
real subprocess, against the test Postgres in a fresh schema per test."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hotmesh_pg.cli.__main__ import main

REPO = Path(__file__).resolve().parents[2]
SANDBOX_YAML = REPO / "apps" / "sandbox" / "hotmesh.yaml"
SANDBOX_WORKERS = Path(__file__).resolve().parent / "sandbox_workers.py"


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        """The JSON document the command printed (the last one when there are several)."""
        text = self.stdout.strip()
        assert text, f"no JSON on stdout (exit {self.code}); stderr:\n{self.stderr}"
        return json.loads(text)


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


class WorkerProcess:
    """`hotmesh-pg worker ...` in its own process; ``ready`` is the JSON line it printed."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hotmesh_pg.cli", *argv],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
            env={**os.environ, **(env or {})},
        )
        self.ready = self._read_ready(deadline_s=60.0)

    def _read_ready(self, deadline_s: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            end = time.monotonic() + deadline_s
            while time.monotonic() < end:
                if sel.select(timeout=0.5):
                    line = self.proc.stdout.readline()
                    if line.strip().startswith("{"):
                        ready: dict[str, Any] = json.loads(line)
                        return ready
                    if not line and self.proc.poll() is not None:
                        break
        self.kill()
        err = self.proc.stderr.read() if self.proc.stderr else ""
        raise AssertionError(f"worker never became ready (exit {self.proc.poll()}):\n{err}")

    def terminate(self, deadline_s: float = 30.0) -> int:
        """SIGTERM, then wait; returns the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=deadline_s)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def stderr_text(self) -> str:
        assert self.proc.stderr is not None
        return self.proc.stderr.read()


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
