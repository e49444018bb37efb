"""Running `hotmesh-pg` from tests: in-process results and worker subprocesses.

Shared by tests/cli and tests/chaos (imported as ``cli.processes``).
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


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
                        try:
                            ready: dict[str, Any] = json.loads(line)
                        except json.JSONDecodeError:
                            break  # a pretty-printed {"error": ...}: the command failed
                        return ready
                    if not line and self.proc.poll() is not None:
                        break
        self.kill()
        out = self.proc.stdout.read() if self.proc.stdout else ""
        err = self.proc.stderr.read() if self.proc.stderr else ""
        raise AssertionError(
            f"worker never became ready (exit {self.proc.poll()}):\n{out}\n{err}"
        )

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
