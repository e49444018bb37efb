"""Durable workloads: hotmesh_pg Durable vs DBOS Transact on the same Postgres.

    .venv/bin/python bench/durable.py [--dsn postgresql://...] [--workflows 500]
        [--latency 50] [--sleepers 10000] [--skip-dbos]

1. throughput: ``--workflows`` workflows of two proxied activities started at once;
   workflows/s from the first start to the last result;
2. latency: ``--latency`` workflows one at a time (start -> result), p50 / p95 in ms;
3. the same two workloads on DBOS Transact, run from its own venv (``bench/.venv-dbos``,
   created with ``python -m venv bench/.venv-dbos && bench/.venv-dbos/bin/pip install dbos``)
   against its own database on the same server, in the same invocation; ratios printed;
4. profile (``--profile N``): N workflows one at a time under cProfile; CPU ms and stream
   messages (engine steps and worker requests) per workflow, and the hottest functions;
5. sleepers: ``--sleepers`` workflows asleep at once; asyncio tasks, pool connections and
   process RSS before and after (sleeping workflows hold no task and no connection: a
   sleep is a delayed stream entry in Postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH_DIR, log, percentile, save_results
from hotmesh_pg.durable import Durable

DBOS_VENV = BENCH_DIR / ".venv-dbos"
SIGNAL_IN = True
"""``--no-signal-in`` starts the two-activity workflows with ``signal_in=False``."""


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fresh_database(dsn: str, name: str) -> str:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return dsn.rsplit("/", 1)[0] + "/" + name


async def step_one(x: int) -> int:
    return x + 1


async def step_two(x: int) -> int:
    return x * 2


acts = Durable.workflow.proxy_activities(activities={"step_one": step_one,
                                                     "step_two": step_two})


async def two_steps(x: int) -> int:
    return int(await acts.step_two(await acts.step_one(x)))


async def sleeper(seconds: float) -> str:
    await Durable.workflow.sleep_for(seconds)
    return "awake"


async def hotmesh_runs(dsn: str, workflows: int, latency: int, sleepers: int,
                       profile: int = 0, trace_memory: bool = False) -> dict[str, Any]:
    kwargs = {"connection": dsn, "schema": "hotmesh", "migrate": True}
    await Durable.Worker.create(task_queue="bench", workflow=[two_steps, sleeper],
                                         **kwargs)
    client = Durable.Client(**kwargs)
    warm = await client.workflow.start(args=[1], task_queue="bench", workflow_name="two_steps",
                                       expire=600, signal_in=SIGNAL_IN)
    await warm.result(timeout=60)

    started = time.perf_counter()
    handles = await asyncio.gather(*(
        client.workflow.start(args=[i], task_queue="bench", workflow_name="two_steps",
                              expire=600, signal_in=SIGNAL_IN) for i in range(workflows)))
    results = await asyncio.gather(*(h.result(timeout=3600) for h in handles))
    elapsed = time.perf_counter() - started
    assert results == [(i + 1) * 2 for i in range(workflows)]
    log(f"hotmesh_pg: {workflows} workflows in {elapsed:.2f}s")

    samples: list[float] = []
    for i in range(latency):
        t0 = time.perf_counter()
        handle = await client.workflow.start(args=[i], task_queue="bench",
                                             workflow_name="two_steps", expire=600,
                                             signal_in=SIGNAL_IN)
        await handle.result(timeout=60)
        samples.append((time.perf_counter() - t0) * 1000)

    profile_report = await _profile(client, dsn, profile) if profile else {}

    sleep_report = await _sleepers(client, dsn, sleepers, trace_memory) if sleepers else {}
    await Durable.shutdown()
    return {
        "workflows": workflows,
        "signal_in": SIGNAL_IN,
        "throughput_wps": round(workflows / elapsed, 1),
        "p50_ms": round(percentile(samples, 50) or 0, 2),
        "p95_ms": round(percentile(samples, 95) or 0, 2),
        "profile": profile_report,
        "sleep": sleep_report,
    }


def _stream_high_water(dsn: str) -> int:
    """The streams table's identity high-water mark: messages ever written (rows are
    deleted on ack, so a count would not do)."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT coalesce(max(id), 0) FROM hotmesh.streams").fetchone()
        seq = conn.execute("SELECT pg_get_serial_sequence('hotmesh.streams', 'id')").fetchone()
        if seq and seq[0]:
            last = conn.execute(sql.SQL(
                "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {}").format(
                sql.SQL(seq[0]))).fetchone()
            if last:
                return int(last[0])
    return int(row[0]) if row else 0


async def _profile(client: Any, dsn: str, count: int) -> dict[str, Any]:
    """``count`` workflows one at a time under cProfile: CPU and messages per workflow."""
    import cProfile
    import io
    import pstats

    messages_before = _stream_high_water(dsn)
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(count):
        handle = await client.workflow.start(args=[i], task_queue="bench",
                                             workflow_name="two_steps", expire=600,
                                             signal_in=SIGNAL_IN)
        await handle.result(timeout=60)
    profiler.disable()
    cpu = time.process_time() - cpu_before
    wall = time.perf_counter() - wall_before
    messages = _stream_high_water(dsn) - messages_before
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)
    log(out.getvalue())
    report = {
        "workflows": count,
        "cpu_ms_per_workflow": round(cpu / count * 1000, 2),
        "wall_ms_per_workflow_profiled": round(wall / count * 1000, 2),
        "stream_messages_per_workflow": round(messages / count, 2),
    }
    log(f"hotmesh_pg profile: {report}")
    return report


async def _sleepers(client: Any, dsn: str, sleepers: int,
                    trace: bool = False) -> dict[str, Any]:
    """``sleepers`` workflows asleep at once (1 h each): what the process holds for them.

    The handles are dropped as soon as they are returned (a caller does not have to keep
    them), so the RSS figure is what the library and the engine keep. With ``trace``
    (``--trace-memory``; it slows the phase down) ``tracemalloc`` runs over the phase and
    the largest growths by line are logged, to tell a per-sleeper leak from allocator high
    water.
    """
    import gc
    import tracemalloc

    gc.collect()
    tasks_before, rss_before = len(asyncio.all_tasks()), rss_mb()
    connections_before, sockets_before = _connections(dsn), _process_sockets(dsn)
    if trace:
        tracemalloc.start(5)
        snapshot_before = tracemalloc.take_snapshot()
    t0 = time.perf_counter()
    batch = 500
    for offset in range(0, sleepers, batch):
        await asyncio.gather(*(
            client.workflow.start(args=[3600], task_queue="bench", workflow_name="sleeper",
                                  expire=600)
            for _ in range(offset, min(sleepers, offset + batch))))
    started_s = time.perf_counter() - t0
    log(f"hotmesh_pg sleepers: {sleepers} started in {started_s:.1f}s")
    # asleep = its timer waits in the streams table as a delayed entry
    for _ in range(7200):
        if _timers(dsn) >= sleepers:
            break
        await asyncio.sleep(1)
    asleep_s = time.perf_counter() - t0
    await asyncio.sleep(2)
    gc.collect()
    traced_kb = None
    if trace:
        snapshot_after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        growth = snapshot_after.compare_to(snapshot_before, "traceback")
        traced_kb = round(sum(stat.size_diff for stat in growth) / 1024, 1)
        top = "\n".join(f"{stat.size_diff / 1024:9.1f} KiB {stat.count_diff:+7d} blocks  "
                        + " <- ".join(f"{Path(f.filename).name}:{f.lineno}"
                                      for f in reversed(list(stat.traceback)[-3:]))
                        for stat in growth[:12])
        log(f"hotmesh_pg sleepers: python heap growth by allocation site:\n{top}")
    report = {
        "sleepers": sleepers,
        "start_calls_s": round(started_s, 1),
        "all_asleep_s": round(asleep_s, 1),
        "asyncio_tasks_before": tasks_before,
        "asyncio_tasks_after": len(asyncio.all_tasks()),
        "rss_mb_before": round(rss_before, 1),
        "rss_mb_after": round(rss_mb(), 1),
        "python_heap_growth_kb": traced_kb,
        "process_connections_before": sockets_before,
        "process_connections_after": _process_sockets(dsn),
        "db_connections_before": connections_before,
        "db_connections_after": _connections(dsn),
    }
    log(f"hotmesh_pg sleepers: {report}")
    return report


def _timers(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM hotmesh.streams WHERE reserved_by IS NULL "
                           "AND message LIKE '%\"type\":\"timehook\"%'").fetchone()
    return int(row[0]) if row else 0


def _process_sockets(dsn: str) -> int:
    """TCP connections this process holds to the server's port (from /proc)."""
    import os
    from urllib.parse import urlsplit

    port = urlsplit(dsn).port or 5432
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        with open(table) as rows:
            next(rows)
            for row in rows:
                cols = row.split()
                if int(cols[2].rsplit(":", 1)[1], 16) == port and cols[9] in inodes:
                    count += 1
    return count


def _connections(dsn: str) -> int:
    """Server connections to the benchmark database (this process's pool and listener)."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) - 1 FROM pg_stat_activity "
                           "WHERE datname = current_database()").fetchone()
    return int(row[0]) if row else 0


DBOS_SCRIPT = r'''
import json, sys, time, threading
from concurrent.futures import ThreadPoolExecutor
from dbos import DBOS, DBOSConfig
dsn, workflows, latency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
DBOS(config={"name": "bench", "system_database_url": dsn, "log_level": "WARNING"})

@DBOS.step()
def step_one(x): return x + 1

@DBOS.step()
def step_two(x): return x * 2

@DBOS.workflow()
def two_steps(x): return step_two(step_one(x))

DBOS.launch()
two_steps(1)
t0 = time.perf_counter()
handles = [DBOS.start_workflow(two_steps, i) for i in range(workflows)]
results = [h.get_result() for h in handles]
elapsed = time.perf_counter() - t0
assert results == [(i + 1) * 2 for i in range(workflows)]
samples = []
for i in range(latency):
    s = time.perf_counter(); DBOS.start_workflow(two_steps, i).get_result()
    samples.append((time.perf_counter() - s) * 1000)
samples.sort()
def pct(p):
    import math
    return samples[min(len(samples) - 1, max(0, math.ceil(p / 100 * len(samples)) - 1))]
print(json.dumps({"workflows": workflows, "throughput_wps": round(workflows / elapsed, 1),
                  "p50_ms": round(pct(50), 2), "p95_ms": round(pct(95), 2)}))
DBOS.destroy()
'''


def dbos_runs(dsn: str, workflows: int, latency: int) -> dict[str, Any] | None:
    python = DBOS_VENV / "bin" / "python"
    if not python.exists():
        log(f"DBOS skipped: {python} missing (python -m venv {DBOS_VENV} && "
            f"{DBOS_VENV}/bin/pip install dbos)")
        return None
    out = subprocess.run([str(python), "-c", DBOS_SCRIPT, dsn, str(workflows), str(latency)],
                         capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        log(f"DBOS failed: {out.stderr[-2000:]}")
        return None
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workflows", type=int, default=500)
    parser.add_argument("--latency", type=int, default=50)
    parser.add_argument("--sleepers", type=int, default=10_000)
    parser.add_argument("--profile", type=int, default=0,
                        help="workflows to run one at a time under cProfile (0: none)")
    parser.add_argument("--trace-memory", action="store_true",
                        help="tracemalloc over the sleepers phase (slower; logs growth sites)")
    parser.add_argument("--no-signal-in", action="store_true",
                        help="start the two-activity workflows with signal_in=False")
    parser.add_argument("--skip-dbos", action="store_true")
    parser.add_argument("--database", default="durable_bench_hm",
                        help="database created afresh for hotmesh_pg ('_dbos' appended "
                             "for DBOS)")
    args = parser.parse_args()
    global SIGNAL_IN
    SIGNAL_IN = not args.no_signal_in
    ours = asyncio.run(hotmesh_runs(fresh_database(args.dsn, args.database),
                                    args.workflows, args.latency, args.sleepers,
                                    args.profile, args.trace_memory))
    dbos = None if args.skip_dbos else dbos_runs(
        fresh_database(args.dsn, args.database + "_dbos"), args.workflows, args.latency)
    report: dict[str, Any] = {"hotmesh_pg": ours, "dbos": dbos}
    if dbos:
        report["ratios"] = {
            "throughput_hotmesh_over_dbos": round(ours["throughput_wps"]
                                                  / dbos["throughput_wps"], 2),
            "p50_hotmesh_over_dbos": round(ours["p50_ms"] / dbos["p50_ms"], 2),
        }
    print(json.dumps(report, indent=2))
    save_results("durable", report)


if __name__ == "__main__":
    main()
