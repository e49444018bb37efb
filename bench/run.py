"""Engine benchmark: the sandbox app (trigger, then three workers that return at once).

Measures, for hotmesh_pg on Postgres and for the peers in the same invocation:

* throughput: jobs/s for ``--jobs`` jobs (default 2,000) with ``--inflight`` (50) in flight,
  each started with ``pubsub`` and counted when its output is back;
* latency: ``pubsub`` p50 / p95 one job at a time (``--latency`` samples, default 200);
* cost: database commits and statements per job during the throughput phase
  (``pg_stat_database`` / ``pg_stat_statements`` deltas on the engine's own database).

Peers: HotMesh 0.0.55 on Redis and HotMesh 0.26.2 on Postgres, same YAML, same workload,
run by bench/peers/driver.js from package directories under bench/peers/build/ (not part of
this repository). Ratios are printed against each peer.
Run: ``.venv/bin/python bench/run.py`` (see bench/README.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from common import (
    REPO_DIR,
    BenchPostgres,
    PgCounters,
    Stopwatch,
    bench_postgres,
    latency_summary,
    log,
    machine,
    peer_built,
    pg_counters,
    print_table,
    reset_statements,
    run_node_peer,
    save_results,
    top_statements,
)

SANDBOX_YAML = REPO_DIR / "apps" / "sandbox" / "hotmesh.yaml"
TOPIC = "sandbox.run"
# Per sandbox job: 3 transitions and 3 worker responses on the engine stream, plus 3 worker
# requests on the worker streams.
STREAM_MESSAGES_PER_JOB = 9
BAR = {"jobs_per_s": 500.0, "pubsub_p50_ms": 5.0, "commits_per_message": 1.0}
PEERS = ("hotmesh-0.0.55", "hotmesh-0.26.2")


async def quick(stream_data: dict[str, Any]) -> dict[str, Any]:
    """A worker that returns at once: the benchmark measures the engine, not the work."""
    return {"metadata": stream_data["metadata"], "data": {"n": stream_data["data"].get("n")}}


WORKERS = [{"topic": f"sandbox.w{i}", "callback": quick} for i in (1, 2, 3)]


async def throughput(hm: Any, jobs: int, inflight: int, wait_s: float) -> tuple[float, int]:
    """Run ``jobs`` pubsub calls over ``inflight`` loops; ``(seconds, failures)``."""
    remaining = jobs
    failures = 0

    async def loop() -> None:
        nonlocal remaining, failures
        while remaining > 0:
            remaining -= 1
            try:
                await hm.pubsub(TOPIC, {"n": remaining}, None, wait_s)
            except Exception as exc:
                failures += 1
                if failures <= 3:
                    log(f"job failed: {type(exc).__name__}: {exc}")

    with Stopwatch() as sw:
        await asyncio.gather(*(loop() for _ in range(inflight)))
    return sw.seconds, failures


async def latency(hm: Any, samples: int, wait_s: float) -> list[float]:
    out: list[float] = []
    for n in range(samples):
        with Stopwatch() as sw:
            await hm.pubsub(TOPIC, {"n": n}, None, wait_s)
        out.append(sw.seconds * 1000.0)
    return out


async def bench_hotmesh_pg(
    label: str, connection: str, args: argparse.Namespace, counters_dsn: str | None,
    statements: bool,
) -> dict[str, Any]:
    """hotmesh_pg in this process: engine and the three workers on one event loop."""
    from hotmesh_pg.hotmesh import HotMesh

    init: dict[str, Any] = {"app_id": "sandbox", "connection": connection, "namespace": "bench",
                            "workers": WORKERS, "log_level": "error"}
    if not connection.startswith("redis"):
        init.update(schema="hotmesh", migrate=True)

    hm = await HotMesh.init(**init)
    await hm.deploy(str(SANDBOX_YAML))
    await hm.activate("1")
    for n in range(args.warmup):
        await hm.pubsub(TOPIC, {"n": n}, None, args.wait)
    # Closing every connection makes Postgres publish the backends' pending statistics, so
    # the counters below cover the throughput phase and nothing else (plus one init).
    await HotMesh.stop_all()
    if counters_dsn and statements and args.top_statements:
        await reset_statements(counters_dsn)
    before = await pg_counters(counters_dsn, statements=statements) if counters_dsn else None

    hm = await HotMesh.init(**init)
    log(f"{label}: {args.jobs} jobs, {args.inflight} in flight")
    seconds, failures = await throughput(hm, args.jobs, args.inflight, args.wait)
    await HotMesh.stop_all()
    cost: PgCounters | None = None
    if counters_dsn and before is not None:
        cost = await pg_counters(counters_dsn, statements=statements) - before

    hm = await HotMesh.init(**init)
    log(f"{label}: {args.latency} pubsub calls one at a time")
    samples = await latency(hm, args.latency, args.wait)
    await HotMesh.stop_all()

    result: dict[str, Any] = {
        "engine": label, "jobs": args.jobs, "inflight": args.inflight, "failed": failures,
        "seconds": round(seconds, 3),
        "jobs_per_s": round((args.jobs - failures) / seconds, 1) if seconds else None,
        **latency_summary(samples),
    }
    if counters_dsn and statements and args.top_statements:
        top = await top_statements(counters_dsn, args.top_statements)
        result["top_statements"] = [
            {**row, "calls_per_job": round(row["calls"] / args.jobs, 2)} for row in top]
    if cost is not None:
        result.update(cost.per(args.jobs))
        result["commits_per_message"] = round(
            cost.commits / (args.jobs * STREAM_MESSAGES_PER_JOB), 3)
    return result


async def bench_peer(
    name: str, args: argparse.Namespace, pg: BenchPostgres, yaml_copy: Path,
) -> dict[str, Any]:
    common = ["--yaml", str(yaml_copy), "--jobs", str(args.jobs), "--inflight",
              str(args.inflight), "--latency", str(args.latency), "--warmup", str(args.warmup)]
    if name == "hotmesh-0.0.55":
        result = await run_node_peer(name, [*common, "--redis", args.redis],
                                     timeout_s=args.peer_timeout)
        return result
    dbname = "hotmesh_bench_peer"
    dsn = pg.database_dsn(dbname)
    before = await pg_counters(dsn, statements=pg.statements_available)
    result = await run_node_peer(name, [*common, "--pg", json.dumps(pg.conninfo(dbname))],
                                 timeout_s=args.peer_timeout)
    cost = await pg_counters(dsn, statements=pg.statements_available) - before
    # The peer's counters cover its whole run (deploy, warm-up, throughput, latency).
    total_jobs = args.jobs + args.latency + args.warmup
    result.update(cost.per(total_jobs))
    result["commits_per_message"] = round(cost.commits / (total_jobs * STREAM_MESSAGES_PER_JOB), 3)
    return result


def ratios(ours: dict[str, Any], peer: dict[str, Any]) -> dict[str, Any]:
    def div(a: Any, b: Any) -> float | None:
        numbers = isinstance(a, int | float) and isinstance(b, int | float)
        return round(a / b, 2) if numbers and b else None

    return {
        "peer": peer["engine"],
        "throughput_x": div(ours.get("jobs_per_s"), peer.get("jobs_per_s")),
        "p50_x": div(peer.get("pubsub_p50_ms"), ours.get("pubsub_p50_ms")),
        "p95_x": div(peer.get("pubsub_p95_ms"), ours.get("pubsub_p95_ms")),
    }


async def main_async(args: argparse.Namespace, pg: BenchPostgres) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    ours_dsn = pg.database_dsn("hotmesh_bench")
    try:
        rows.append(await bench_hotmesh_pg("hotmesh_pg (postgres)", ours_dsn, args, ours_dsn,
                                           pg.statements_available))
    except Exception as exc:
        errors["hotmesh_pg (postgres)"] = f"{type(exc).__name__}: {exc}"
        log(f"hotmesh_pg failed: {errors['hotmesh_pg (postgres)']}")
    if args.redis_too:
        try:
            rows.append(await bench_hotmesh_pg("hotmesh_pg (redis)", args.redis, args, None,
                                               False))
        except Exception as exc:
            errors["hotmesh_pg (redis)"] = f"{type(exc).__name__}: {exc}"
            log(f"hotmesh_pg on redis failed: {errors['hotmesh_pg (redis)']}")

    # 0.0.55 writes `.hotmesh.<app>.<version>.json` beside the YAML it deploys: give the
    # peers a copy so the repository stays clean.
    tmp = Path(tempfile.mkdtemp(prefix="hotmesh-bench-yaml-"))
    yaml_copy = tmp / "hotmesh.yaml"
    shutil.copyfile(SANDBOX_YAML, yaml_copy)
    try:
        for name in args.peers:
            if not peer_built(name):
                errors[name] = "not present: no HotMesh package directory under bench/peers/build/"
                log(f"skipping {name}: {errors[name]}")
                continue
            log(f"{name}: same workload")
            try:
                rows.append(await bench_peer(name, args, pg, yaml_copy))
            except Exception as exc:
                errors[name] = f"{type(exc).__name__}: {exc}"
                log(f"{name} failed: {errors[name]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    return {"machine": machine(), "args": {k: v for k, v in vars(args).items()},
            "postgres": {"private_cluster": pg.private, "pg_stat_statements":
                         pg.statements_available, "note": pg.note},
            "results": rows, "errors": errors}


def report(payload: dict[str, Any]) -> None:
    rows = payload["results"]
    print()
    print(f"sandbox app: {payload['args']['jobs']} jobs, {payload['args']['inflight']} in "
          f"flight; pubsub latency over {payload['args']['latency']} sequential jobs; "
          f"{payload['machine']['cpus']} CPUs, load {payload['machine']['loadavg_1m']}")
    print_table(rows, [("engine", "engine"), ("jobs_per_s", "jobs/s"),
                       ("pubsub_p50_ms", "p50 ms"), ("pubsub_p95_ms", "p95 ms"),
                       ("commits_per_job", "commits/job"),
                       ("statements_per_job", "stmts/job"),
                       ("work_statements_per_job", "stmts/job excl. BEGIN/COMMIT"),
                       ("commits_per_message", "commits/msg"), ("failed", "failed")])
    for row in rows:
        if row.get("top_statements"):
            print(f"\nmost frequent statements of {row['engine']} (throughput phase):")
            for st in row["top_statements"]:
                print(f"  {st['calls_per_job']:7.2f}/job {st['total_ms']:9.1f} ms  "
                      f"{st['query'][:140]}")
    if payload["postgres"]["note"]:
        print(f"note: {payload['postgres']['note']}")
    ours = next((r for r in rows if r["engine"] == "hotmesh_pg (postgres)"), None)
    if ours:
        ratio_rows = [ratios(ours, r) for r in rows if r is not ours]
        payload["ratios"] = ratio_rows
        if ratio_rows:
            print()
            print("hotmesh_pg (postgres) against each peer (higher is better for hotmesh_pg):")
            print_table(ratio_rows, [("peer", "peer"), ("throughput_x", "jobs/s ratio"),
                                     ("p50_x", "p50 ratio"), ("p95_x", "p95 ratio")])
        checks = {
            "jobs_per_s >= 500": (ours.get("jobs_per_s") or 0) >= BAR["jobs_per_s"],
            "pubsub p50 < 5 ms": (ours.get("pubsub_p50_ms") or 1e9) < BAR["pubsub_p50_ms"],
            "commits per stream message <= 1": ours.get("commits_per_message") is not None
            and ours["commits_per_message"] <= BAR["commits_per_message"],
        }
        payload["bar"] = checks
        print()
        print("bar (issue 4): " + "; ".join(f"{k}: {'yes' if v else 'NO'}"
                                            for k, v in checks.items()))
    for name, err in payload["errors"].items():
        print(f"error: {name}: {err}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--jobs", type=int, default=2000)
    p.add_argument("--inflight", type=int, default=50)
    p.add_argument("--latency", type=int, default=200, help="sequential pubsub samples")
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--wait", type=float, default=60.0, help="pubsub timeout per job, seconds")
    p.add_argument("--dsn", help="benchmark on this server instead of a private cluster "
                   "(needs CREATE DATABASE; statements counted only if it preloads "
                   "pg_stat_statements)")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/0",
                   help="Redis for HotMesh 0.0.55 (keys under a fresh namespace, removed after)")
    p.add_argument("--peers", default=",".join(PEERS),
                   help=f"comma-separated peers to run, or 'none' (default: {','.join(PEERS)})")
    p.add_argument("--top-statements", type=int, default=0, metavar="N",
                   help="also list hotmesh_pg's N most frequent statements (private cluster)")
    p.add_argument("--redis-too", action="store_true", help="also run hotmesh_pg on Redis")
    p.add_argument("--peer-timeout", type=float, default=900.0, help="seconds per peer")
    args = p.parse_args(argv)
    args.peers = [] if args.peers == "none" else [x for x in args.peers.split(",") if x]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with bench_postgres(args.dsn) as pg:
        payload = asyncio.run(main_async(args, pg))
    report(payload)
    path = save_results("engine", payload)
    print(f"\nresults saved to {path.relative_to(REPO_DIR)}")
    return 0 if not payload["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
