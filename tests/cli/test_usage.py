"""`hotmesh-pg` argument handling, loaders and exit codes: everything decided before any
database is contacted (so these tests need no server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hotmesh_pg import errors
from hotmesh_pg.cli import exits, loader
from hotmesh_pg.cli.__main__ import build_parser, main

SANDBOX_YAML = Path(__file__).resolve().parents[2] / "apps" / "sandbox" / "hotmesh.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for name in ("demo", "db", "deploy", "activate", "pub", "pubsub", "status", "state",
                 "export", "worker"):
        assert f"    {name}" in text
    assert "exit codes" in text


def test_missing_argument_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["status"])
    assert exc.value.code == exits.USAGE
    assert "JOB_ID" in capsys.readouterr().err


def test_common_options_before_or_after_the_subcommand() -> None:
    parser = build_parser()
    before = parser.parse_args(["--app", "a1", "--namespace", "ns1", "status", "j"])
    after = parser.parse_args(["status", "j", "--app", "a1", "--namespace", "ns1"])
    for args in (before, after):
        assert (args.app, args.namespace, args.schema, args.job_id) == ("a1", "ns1", "hotmesh", "j")
    # a value given before the subcommand is not reset by the subcommand's defaults
    assert parser.parse_args(["--schema", "s1", "pub", "t"]).schema == "s1"


def test_invalid_json_names_argument_and_position(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--app", "x", "pub", "topic", '{"a": }')
    assert code == exits.USAGE
    error = out["error"]
    assert isinstance(error, dict)
    assert error["type"] == "UsageError"
    assert "JSON is not valid JSON" in str(error["message"])
    assert "line 1 column 7" in str(error["message"])
    assert "UsageError" in err


def test_json_must_be_an_object(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--app", "x", "pubsub", "topic", "[1, 2]")
    assert code == exits.USAGE
    assert "must be a JSON object, got list" in json.dumps(out)


def test_json_from_file_and_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "data.json"
    path.write_text('{"n": 1}')
    assert loader.parse_json_object(f"@{path}", "JSON") == {"n": 1}
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO('{"n": 2}'))
    assert loader.parse_json_object("-", "JSON") == {"n": 2}
    with pytest.raises(exits.UsageError, match="cannot read"):
        loader.parse_json_object(f"@{tmp_path / 'missing.json'}", "JSON")


def test_commands_on_a_job_need_an_app(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HOTMESH_APP", raising=False)
    code, out, _ = run(capsys, "status", "some-job")
    assert code == exits.USAGE
    assert "--app" in json.dumps(out)


def test_deploy_missing_file_is_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "deploy", str(tmp_path / "nope.yaml"))
    assert code == exits.USAGE
    assert "nope.yaml" in json.dumps(out)


def test_deploy_app_mismatch_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--app", "other", "deploy", str(SANDBOX_YAML))
    assert code == exits.USAGE
    assert "does not match app id 'sandbox'" in json.dumps(out)


def test_deploy_file_without_app_header(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("graphs: []\n")
    code, out, _ = run(capsys, "deploy", str(path))
    assert code == exits.USAGE
    assert "top-level 'app:'" in json.dumps(out)


def test_worker_bad_target_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--app", "x", "worker", "no_such_module_xyz:WORKERS")
    assert code == exits.USAGE
    assert "cannot import module 'no_such_module_xyz'" in json.dumps(out)


# -- loader ------------------------------------------------------------------------------


async def _cb(stream_data: dict[str, object]) -> None:
    return None


def test_load_object_by_module_and_by_path() -> None:
    assert loader.load_object("hotmesh_pg.cli.exits:USAGE") == exits.USAGE
    workers = loader.load_object(
        str(Path(__file__).resolve().parent / "sandbox_workers.py") + ":WORKERS"
    )
    assert [w["topic"] for w in workers] == ["sandbox.w1", "sandbox.w2", "sandbox.w3"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("no_colon", "expected MODULE:ATTR"),
        ("hotmesh_pg.cli.exits:NOPE", "has no attribute 'NOPE'"),
        ("/no/such/file.py:X", "no such file"),
    ],
)
def test_load_object_errors(spec: str, message: str) -> None:
    with pytest.raises(exits.UsageError, match=message):
        loader.load_object(spec)


def test_load_object_reports_a_failing_import(tmp_path: Path) -> None:
    broken = tmp_path / "broken_workers.py"
    broken.write_text("WORKERS = []\nraise RuntimeError('no config')\n")
    with pytest.raises(exits.UsageError, match=r"importing .* failed: RuntimeError: no config"):
        loader.load_object(f"{broken}:WORKERS")


def test_worker_entries_shapes() -> None:
    assert loader.worker_entries(_cb, "t", "m:cb") == [{"topic": "t", "callback": _cb}]
    assert loader.worker_entries({"a": _cb, "b": _cb}, None, "m:d") == [
        {"topic": "a", "callback": _cb}, {"topic": "b", "callback": _cb}]
    listed = [{"topic": "a", "callback": _cb, "reclaim_delay": 5}, {"topic": "b", "callback": _cb}]
    assert loader.worker_entries(listed, "b", "m:l") == [{"topic": "b", "callback": _cb}]
    assert loader.worker_entries(listed, None, "m:l")[0]["reclaim_delay"] == 5


@pytest.mark.parametrize(
    ("target", "topic", "message"),
    [
        (_cb, None, "pass --topic"),
        ([{"topic": "a"}], None, r"m:x\[0\] needs a string 'topic' and a callable"),
        ([{"topic": "a", "callback": _cb}], "zz", "no worker for topic 'zz'"),
        (42, None, "is a int"),
        ([], None, "names no workers"),
    ],
)
def test_worker_entries_errors(target: object, topic: str | None, message: str) -> None:
    with pytest.raises(exits.UsageError, match=message):
        loader.worker_entries(target, topic, "m:x")


# -- exit codes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (errors.ConnectionFailedError("host:1 refused"), exits.CONNECTION),
        (errors.SchemaNotReadyError("run db upgrade"), exits.CONNECTION),
        (ConnectionRefusedError(), exits.CONNECTION),
        (errors.ValidationError("bad", file="a.yaml", line=3), exits.USAGE),
        (errors.PayloadTooLargeError("too big"), exits.USAGE),
        (errors.ConfigError("bad namespace"), exits.USAGE),
        (exits.UsageError("bad"), exits.USAGE),
        (errors.UnknownTopicError("no topic"), exits.FAILED),
        (errors.VersionNotFoundError("no version"), exits.FAILED),
        (errors.DuplicateJobError("j1"), exits.FAILED),
        (errors.GetStateError("j1"), exits.FAILED),
        (errors.PubSubTimeoutError("j1", 1.0), exits.FAILED),
        (RuntimeError("boom"), exits.FAILED),
    ],
)
def test_exit_code_for(exc: BaseException, code: int) -> None:
    assert exits.exit_code_for(exc) == code


def test_driver_errors_are_connection_problems() -> None:
    import psycopg

    assert exits.exit_code_for(psycopg.OperationalError("server closed")) == exits.CONNECTION
    redis_exceptions = pytest.importorskip("redis.exceptions")
    assert exits.exit_code_for(redis_exceptions.ConnectionError("down")) == exits.CONNECTION


def test_describe_carries_code_and_job_id() -> None:
    described = exits.describe(errors.PubSubTimeoutError("job-1", 2.0))
    assert described == {"type": "PubSubTimeoutError", "message": described["message"],
                         "code": 504, "job_id": "job-1"}
    assert "job-1" in described["message"]


def test_installed_script_exit_codes() -> None:
    """The `hotmesh-pg` console script of pyproject.toml, as a user's shell runs it."""
    import shutil
    import subprocess
    import sys

    script = Path(sys.executable).parent / "hotmesh-pg"
    command = [str(script)] if script.exists() else [shutil.which("hotmesh-pg") or "hotmesh-pg"]
    ok = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0
    assert "hotmesh-pg" in ok.stdout
    bad = subprocess.run([*command, "--app", "x", "pub", "t", "{bad"], capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == exits.USAGE
    assert json.loads(bad.stdout)["error"]["type"] == "UsageError"
    assert "not valid JSON" in bad.stderr
