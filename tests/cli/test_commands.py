"""Every `hotmesh-pg` subcommand run for real against the test Postgres (a fresh schema per
test), in-process through ``main(argv)`` or, for `worker`, as a subprocess."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from hotmesh_pg.cli import exits

from .conftest import CLI, SANDBOX_WORKERS, SANDBOX_YAML, WorkerProcess

ORDERS_YAML = SANDBOX_YAML.parents[1] / "orders" / "hotmesh.yaml"


# -- db upgrade and connection problems --------------------------------------------------


def test_db_upgrade_creates_the_schema(postgres_dsn: str, cli: CLI) -> None:
    schema = f"t_cli_{uuid.uuid4().hex[:10]}"
    base = ["--connection", postgres_dsn, "--schema", schema]
    try:
        before = cli(*base, "--app", "sandbox", "status", "j1", connect=False)
        assert before.code == exits.CONNECTION
        assert before.json["error"]["type"] == "SchemaNotReadyError"
        assert "hotmesh-pg db upgrade" in before.stderr

        out = cli(*base, "db", "upgrade", connect=False)
        assert out.code == 0, out.stderr
        assert out.json["schema"] == schema
        assert out.json["migrated"] is True
        assert out.json["revision"]

        again = cli(*base, "db", "upgrade", connect=False)  # idempotent
        assert again.code == 0

        after = cli(*base, "deploy", str(SANDBOX_YAML), "--activate", connect=False)
        assert after.code == 0, after.stderr
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                sql.Identifier(schema)))


def test_unreachable_server_is_exit_3(cli: CLI) -> None:
    out = cli("--connection", "postgresql://postgres@127.0.0.1:1/test", "--app", "sandbox",
              "status", "j1", connect=False)
    assert out.code == exits.CONNECTION
    assert "127.0.0.1" in out.json["error"]["message"]


def test_unknown_connection_scheme_is_usage_error(cli: CLI) -> None:
    out = cli("--connection", "mysql://x", "--app", "sandbox", "status", "j1", connect=False)
    assert out.code == exits.USAGE
    assert "mysql://x" in out.json["error"]["message"]


# -- deploy / activate -------------------------------------------------------------------


def test_deploy_prints_the_version_and_graphs(cli: CLI) -> None:
    out = cli("deploy", str(SANDBOX_YAML))
    assert out.code == 0, out.stderr
    assert out.json == {"app": "sandbox", "version": "1", "graphs": ["sandbox.run"],
                        "activated": False}

    full = cli("deploy", str(SANDBOX_YAML), "--manifest")
    assert full.json["manifest"]["app"]["id"] == "sandbox"

    activated = cli("--app", "sandbox", "activate", "1")
    assert activated.code == 0, activated.stderr
    assert activated.json == {"app": "sandbox", "version": "1", "activated": True}


def test_activate_unknown_version_fails(cli: CLI, sandbox: str) -> None:
    out = cli("--app", sandbox, "activate", "42")
    assert out.code == exits.FAILED
    assert out.json["error"]["type"] == "VersionNotFoundError"
    assert "42" in out.json["error"]["message"]
    # the active version is still usable
    assert cli("--app", sandbox, "pub", "sandbox.run", '{"n": 1}').code == 0


def test_deploy_invalid_app_names_file_and_line(cli: CLI, tmp_path: Path) -> None:
    path = tmp_path / "hotmesh.yaml"
    path.write_text(
        "app:\n  id: sandbox\n  version: '9'\n  graphs:\n    - subscribes: bad.run\n"
        "      activities:\n        a1:\n          type: worker\n          topic: x\n"
    )
    out = cli("deploy", str(path))
    assert out.code == exits.USAGE
    error = out.json["error"]
    assert error["type"] == "ValidationError"
    assert error["file"] == str(path)
    assert "trigger" in error["message"]


# -- pub / status / state / export -------------------------------------------------------


def test_pub_then_inspect_a_waiting_job(cli: CLI, sandbox: str) -> None:
    """No worker runs, so the job waits at its first worker activity."""
    out = cli("--app", sandbox, "pub", "sandbox.run", '{"n": 5}')
    assert out.code == 0, out.stderr
    job_id = out.json["job_id"]
    assert out.json == {"app": sandbox, "topic": "sandbox.run", "job_id": job_id}

    status = cli("--app", sandbox, "status", job_id)
    assert status.code == 0, status.stderr
    assert status.json["job_id"] == job_id
    assert status.json["status"] > 0
    assert status.json["state"] == "running"

    state = cli("--app", sandbox, "state", "sandbox.run", job_id)
    assert state.code == 0, state.stderr
    assert state.json["metadata"]["jid"] == job_id
    assert state.json["data"]["n"] == 5

    exported = cli("--app", sandbox, "export", job_id)
    assert exported.code == 0, exported.stderr
    assert "process" in exported.json
    assert exported.json["process"]["metadata"]["jid"] == job_id


def test_pub_unknown_topic_fails_without_a_job(cli: CLI, sandbox: str) -> None:
    out = cli("--app", sandbox, "pub", "no.such.topic", "{}")
    assert out.code == exits.FAILED
    assert out.json["error"]["type"] == "UnknownTopicError"
    assert "no.such.topic" in out.json["error"]["message"]


def test_pub_duplicate_job_id(cli: CLI) -> None:
    assert cli("deploy", str(ORDERS_YAML), "--activate").code == 0
    data = '{"order_id": "dup-1", "item": "mug", "quantity": 1}'
    first = cli("--app", "orders", "pub", "order.placed", data)
    assert first.code == 0, first.stderr
    assert first.json["job_id"] == "dup-1"
    second = cli("--app", "orders", "pub", "order.placed", data)
    assert second.code == exits.FAILED
    assert second.json["error"]["type"] == "DuplicateJobError"
    assert second.json["error"]["job_id"] == "dup-1"


def test_pub_payload_over_the_limit_is_refused(cli: CLI, sandbox: str, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_text('{"n": 1, "blob": "' + "x" * (6 * 1024 * 1024) + '"}')
    out = cli("--app", sandbox, "pub", "sandbox.run", f"@{big}")
    assert out.code == exits.USAGE
    assert out.json["error"]["type"] == "PayloadTooLargeError"


def test_status_of_unknown_job_fails(cli: CLI, sandbox: str) -> None:
    out = cli("--app", sandbox, "status", "no-such-job")
    assert out.code == exits.FAILED
    assert "no-such-job" in out.json["error"]["message"]


def test_state_of_unknown_job_fails(cli: CLI, sandbox: str) -> None:
    out = cli("--app", sandbox, "state", "sandbox.run", "no-such-job")
    assert out.code == exits.FAILED
    assert "no-such-job" in out.json["error"]["message"]


def test_pubsub_times_out_without_workers(cli: CLI, sandbox: str) -> None:
    out = cli("--app", sandbox, "pubsub", "sandbox.run", '{"n": 1}', "--timeout", "1")
    assert out.code == exits.FAILED
    error = out.json["error"]
    assert error["type"] == "PubSubTimeoutError"
    assert error["code"] == 504
    assert error["job_id"]


# -- worker (subprocess) and pubsub --------------------------------------------------------


def test_worker_process_serves_pubsub(
    cli: CLI, sandbox: str, worker_process: Callable[..., WorkerProcess]
) -> None:
    worker = worker_process("--app", sandbox, "worker", f"{SANDBOX_WORKERS}:WORKERS")
    assert worker.ready["ready"] is True
    assert worker.ready["topics"] == ["sandbox.w1", "sandbox.w2", "sandbox.w3"]
    assert worker.ready["engine"] is False

    out = cli("--app", sandbox, "pubsub", "sandbox.run", '{"n": 42}', "--timeout", "30")
    assert out.code == 0, out.stderr
    assert out.json["data"] == {"n": 42, "w1": 42, "w2": 42, "w3": 42}
    assert out.json["metadata"]["js"] == 0

    job_id = out.json["metadata"]["jid"]
    status = cli("--app", sandbox, "status", job_id)
    assert status.json == {"job_id": job_id, "status": 0, "state": "done"}

    assert worker.terminate() == 0
    assert "stopping worker" in worker.stderr_text()


def test_worker_with_engine_and_single_topic(
    cli: CLI, sandbox: str, worker_process: Callable[..., WorkerProcess]
) -> None:
    """`--engine` runs an engine beside the worker; `--topic` picks one callback."""
    workers = [
        worker_process("--app", sandbox, "worker", f"{SANDBOX_WORKERS}:BY_TOPIC",
                       "--topic", topic, *(["--engine"] if topic == "sandbox.w1" else []),
                       "--reclaim-delay", "5000")
        for topic in ("sandbox.w1", "sandbox.w2", "sandbox.w3")
    ]
    assert [w.ready["topics"] for w in workers] == [["sandbox.w1"], ["sandbox.w2"],
                                                     ["sandbox.w3"]]
    assert workers[0].ready["engine"] is True
    out = cli("--app", sandbox, "pubsub", "sandbox.run", '{"n": 3}', "--timeout", "30")
    assert out.code == 0, out.stderr
    assert out.json["data"]["w3"] == 3
    for worker in workers:
        assert worker.terminate() == 0


# -- demo --------------------------------------------------------------------------------


def test_demo_runs_the_orders_app(cli: CLI) -> None:
    out = cli("demo", "--timeout", "60")
    assert out.code == 0, out.stderr
    orders = {o["item"]: o for o in out.json["orders"]}
    assert orders["mug"]["status"] == "shipped"
    assert orders["mug"]["tracking"].startswith("TRK-")
    assert orders["teapot"]["status"] == "shipped"  # after one 503 and a retry
    assert orders["kettle"]["status"] == "backordered"
    assert all(o["js"] == 0 for o in out.json["orders"])
    # the story is told on stderr
    assert "card network busy (503)" in out.stderr
    assert "charged 136.00 on attempt 2" in out.stderr
    assert "hotmesh-pg" in out.stderr and "status order-" in out.stderr


def test_demo_more_orders_than_the_catalogue(cli: CLI) -> None:
    out = cli("demo", "--orders", "4", "--timeout", "60")
    assert out.code == 0, out.stderr
    assert [o["item"] for o in out.json["orders"]] == ["mug", "teapot", "kettle", "mug"]


# -- redis -------------------------------------------------------------------------------


@pytest.fixture
def redis_namespace(redis_url: str) -> object:
    redis = pytest.importorskip("redis")
    namespace = f"tcli{uuid.uuid4().hex[:8]}"
    yield namespace
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def test_commands_on_redis(cli: CLI, redis_url: str, redis_namespace: str) -> None:
    base = ["--connection", redis_url, "--namespace", redis_namespace]
    upgrade = cli(*base, "db", "upgrade", connect=False)
    assert upgrade.code == 0
    assert upgrade.json["migrated"] is False
    deployed = cli(*base, "deploy", str(SANDBOX_YAML), "--activate", connect=False)
    assert deployed.code == 0, deployed.stderr
    job = cli(*base, "--app", "sandbox", "pub", "sandbox.run", '{"n": 2}', connect=False)
    assert job.code == 0, job.stderr
    status = cli(*base, "--app", "sandbox", "status", job.json["job_id"], connect=False)
    assert status.code == 0, status.stderr
    assert status.json["state"] == "running"
