"""Crash tests (issue 4): a process is killed with SIGKILL in the middle of a job; another
process reclaims what it held after the reclaim delay, and the job completes exactly once
with each activity's transition recorded once.

All parties are real processes on the test Postgres or Redis (both providers):
* worker role: an engine (with the `chaos.after` worker), worker A that hangs in
  `chaos.slow` and is killed, worker B that takes over;
* engine role: the job's only engine (hosting the hanging `chaos.slow` worker too) is
  killed; a second engine process finishes the job.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli.processes import Outcome, WorkerProcess

from hotmesh_pg.cli.__main__ import main

pytestmark = pytest.mark.chaos

HERE = Path(__file__).resolve().parent
APP_YAML = HERE / "app.yaml"
WORKERS = HERE / "workers.py"
RECLAIM_DELAY_MS = "1000"
DEADLINE_S = 60.0  # a bound on waiting for background processes, not a timing assertion
ONE_PASS = "888000001000001"  # entered once, leg 2 entered once and closed (collator 4.2)


@pytest.fixture
def target(request: pytest.FixtureRequest, provider_kind: str,
           namespace: str) -> Iterator[list[str]]:
    if provider_kind == "postgres":
        yield ["--connection", request.getfixturevalue("postgres_dsn"),
               "--schema", request.getfixturevalue("pg_schema"), "--app", "chaos"]
        return
    url = request.getfixturevalue("redis_url")
    yield ["--connection", url, "--namespace", namespace, "--app", "chaos"]
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], target: list[str]) -> Callable[..., Outcome]:
    def run(*argv: str) -> Outcome:
        capsys.readouterr()
        code = main([*target, *argv])
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


@pytest.fixture
def processes(target: list[str]) -> Iterator[Callable[..., WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start(*argv: str, env: dict[str, str]) -> WorkerProcess:
        wp = WorkerProcess([*target, "worker", *argv, "--reclaim-delay", RECLAIM_DELAY_MS],
                           env)
        started.append(wp)
        return wp

    yield start
    for wp in started:
        wp.kill()


def read_log(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_until(what: str, check: Callable[[], bool]) -> None:
    end = time.monotonic() + DEADLINE_S
    while not check():
        if time.monotonic() > end:
            raise AssertionError(f"gave up after {DEADLINE_S:.0f} s waiting for {what}")
        time.sleep(0.2)


def activity_semaphores(process: Any) -> dict[str, list[str]]:
    """``{activity id: [as, ...]}`` over every dimension of an exported job."""
    found: dict[str, list[str]] = {}

    def walk(node: Any) -> None:
        if not isinstance(node, dict):
            return
        meta = node.get("output", {}).get("metadata") if isinstance(node.get("output"),
                                                                     dict) else None
        if isinstance(meta, dict) and "aid" in meta and "as" in meta:
            found.setdefault(str(meta["aid"]), []).append(str(int(meta["as"])))
        for key, value in node.items():
            if key not in ("data", "metadata"):
                walk(value)

    walk(process)
    return found


def test_sigkilled_worker_is_replaced_and_job_completes_once(
    cli: Callable[..., Outcome], processes: Callable[..., WorkerProcess], tmp_path: Path
) -> None:
    log = tmp_path / "calls.jsonl"
    env = {"CHAOS_LOG": str(log)}
    assert cli("deploy", str(APP_YAML), "--activate").code == 0

    processes(f"{WORKERS}:AFTER", "--engine", env=env)
    worker_a = processes(f"{WORKERS}:SLOW", env={**env, "CHAOS_HANG": "1"})

    published = cli("pub", "chaos.run", '{"n": 7}')
    assert published.code == 0, published.stderr
    job_id = published.json["job_id"]

    wait_until("worker A to start the activity",
               lambda: any(c["topic"] == "chaos.slow" for c in read_log(log)))
    worker_a.proc.kill()  # SIGKILL: no cleanup, no ack, the message stays claimed by A
    worker_a.proc.wait(timeout=30)
    assert cli("status", job_id).json["status"] > 0  # the job is stuck at `slow`

    worker_b = processes(f"{WORKERS}:SLOW", env=env)

    def done() -> bool:
        out = cli("status", job_id)
        return out.code == 0 and out.json["status"] <= 0

    wait_until("the job to complete after the reclaim", done)

    # completed exactly once: the status semaphore is 0, not below
    assert cli("status", job_id).json == {"job_id": job_id, "status": 0, "state": "done"}
    state = cli("state", "chaos.run", job_id).json
    assert state["data"]["n"] == 7
    assert state["data"]["slow_pid"] == worker_b.ready["pid"]

    calls = read_log(log)
    slow_calls = [c for c in calls if c["topic"] == "chaos.slow"]
    after_calls = [c for c in calls if c["topic"] == "chaos.after"]
    assert [c["pid"] for c in slow_calls] == [worker_a.ready["pid"], worker_b.ready["pid"]]
    assert all(c["jid"] == job_id for c in calls)
    assert len(after_calls) == 1

    # each activity ran its transition once: one dimension, one leg-2 entry and exit
    semaphores = activity_semaphores(cli("export", job_id).json["process"])
    assert semaphores == {"t1": [ONE_PASS], "slow": [ONE_PASS], "after": [ONE_PASS]}


def test_sigkilled_engine_is_replaced_and_job_completes_once(
    cli: Callable[..., Outcome], processes: Callable[..., WorkerProcess], tmp_path: Path
) -> None:
    """The engine role dies too: the only engine (hosting the hanging worker) is killed."""
    log = tmp_path / "calls.jsonl"
    env = {"CHAOS_LOG": str(log)}
    assert cli("deploy", str(APP_YAML), "--activate").code == 0

    engine_a = processes(f"{WORKERS}:SLOW", "--engine", env={**env, "CHAOS_HANG": "1"})

    published = cli("pub", "chaos.run", '{"n": 11}')
    assert published.code == 0, published.stderr
    job_id = published.json["job_id"]

    wait_until("engine A's worker to start the activity",
               lambda: any(c["topic"] == "chaos.slow" for c in read_log(log)))
    engine_a.proc.kill()  # SIGKILL: the engine and its worker die holding the message
    engine_a.proc.wait(timeout=30)
    assert cli("status", job_id).json["status"] > 0

    engine_b = processes(f"{WORKERS}:BOTH", "--engine", env=env)

    def done() -> bool:
        out = cli("status", job_id)
        return out.code == 0 and out.json["status"] <= 0

    wait_until("engine B to complete the job", done)

    assert cli("status", job_id).json == {"job_id": job_id, "status": 0, "state": "done"}
    state = cli("state", "chaos.run", job_id).json
    assert state["data"]["n"] == 11
    assert state["data"]["slow_pid"] == engine_b.ready["pid"]
    assert state["data"]["after_pid"] == engine_b.ready["pid"]

    calls = read_log(log)
    assert [c["pid"] for c in calls if c["topic"] == "chaos.slow"] == [
        engine_a.ready["pid"], engine_b.ready["pid"]]
    assert [c["pid"] for c in calls if c["topic"] == "chaos.after"] == [engine_b.ready["pid"]]
    assert all(c["jid"] == job_id for c in calls)

    semaphores = activity_semaphores(cli("export", job_id).json["process"])
    assert semaphores == {"t1": [ONE_PASS], "slow": [ONE_PASS], "after": [ONE_PASS]}
