"""The floor under issue 4's bar: a bare Postgres queue doing the sandbox job's 9 hops.

No engine at all: a job is a row that hops 9 times through one queue table. Each hop is
what any durable engine on Postgres must do at least once per stream message: take the
oldest visible message with ``FOR UPDATE SKIP LOCKED``, then (after "processing", which
costs nothing here) delete it and insert its successor in the same transaction. The job
is done when its 9th hop is taken; the 50 in-flight loops then start the next job.

Two shapes are measured in the same run, on the same private cluster as bench/run.py:

* ``per-message``: one transaction (two round trips: take, then ack + publish) per message,
  the shape of a HotMesh step;
* ``batched``: each consumer takes up to ``--batch`` messages per round trip and acks and
  publishes all of them in one statement (one commit per batch).

It prints jobs/s and the Python CPU per job of this process, then the latency of a job
run alone (p50 / p95 over ``--latency`` jobs one at a time). Whatever hotmesh_pg does on
top (collation, state, mapping, the graph) can only be slower than this, so the figures
bound what the engine could reach on this machine with psycopg and asyncio.

    .venv/bin/python bench/floor.py [--jobs 2000] [--inflight 50] [--consumers 8]
        [--batch 50] [--latency 200]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_postgres, log, machine, percentile, print_table, save_results

HOPS = 9

SETUP = """
DROP TABLE IF EXISTS floor_queue;
CREATE TABLE floor_queue (id bigserial PRIMARY KEY, job bigint NOT NULL, hop int NOT NULL,
                          body text NOT NULL);
"""
TAKE_ONE = ("SELECT id, job, hop FROM floor_queue ORDER BY id LIMIT 1 "
            "FOR UPDATE SKIP LOCKED")
TAKE_ID = "SELECT id, job, hop FROM floor_queue WHERE id = %s FOR UPDATE SKIP LOCKED"
ACK_PUBLISH = ("WITH gone AS (DELETE FROM floor_queue WHERE id = %s) "
               "INSERT INTO floor_queue (job, hop, body) SELECT %s, %s, %s WHERE %s "
               "RETURNING id")
TAKE_MANY = ("SELECT id, job, hop FROM floor_queue ORDER BY id LIMIT %s "
             "FOR UPDATE SKIP LOCKED")
ACK_PUBLISH_MANY = (
    "WITH gone AS (DELETE FROM floor_queue WHERE id = ANY(%s)) "
    "INSERT INTO floor_queue (job, hop, body) "
    "SELECT j, h, %s FROM unnest(%s::bigint[], %s::int[]) AS t(j, h)")
BODY = '{"metadata":{"jid":"j","aid":"a","dad":",0","gid":"g"},"data":{"n":1}}'


class Run:
    def __init__(self, jobs: int) -> None:
        self.remaining = jobs
        self.waiters: dict[int, asyncio.Future[None]] = {}
        self.next_job = 0
        self.stop = False


async def _start_job(pool: AsyncConnectionPool[Any], run: Run) -> asyncio.Future[None]:
    run.next_job += 1
    job = run.next_job
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    run.waiters[job] = done
    async with pool.connection() as conn:
        await conn.execute("INSERT INTO floor_queue (job, hop, body) VALUES (%s, 1, %s)",
                           (job, BODY))
    return done


async def _clients(pool: AsyncConnectionPool[Any], run: Run, inflight: int) -> list[float]:
    """Run the jobs over ``inflight`` loops; each job's start-to-done time in ms."""
    durations: list[float] = []

    async def client() -> None:
        while run.remaining > 0:
            run.remaining -= 1
            started = time.perf_counter()
            await await_job(await _start_job(pool, run))
            durations.append((time.perf_counter() - started) * 1000)

    async def await_job(done: asyncio.Future[None]) -> None:
        await done

    await asyncio.gather(*(client() for _ in range(inflight)))
    return durations


def _finish(run: Run, job: int) -> None:
    done = run.waiters.pop(job, None)
    if done is not None and not done.done():
        done.set_result(None)


async def _consume_per_message(pool: AsyncConnectionPool[Any], run: Run) -> None:
    """Take, ack and publish; the consumer that published a successor takes it next (the
    in-process hand-off an engine does), else the oldest visible message."""
    follow: int | None = None
    while not run.stop:
        async with pool.connection() as conn, conn.transaction():
            row = None
            if follow is not None:
                row = await (await conn.execute(TAKE_ID, (follow,))).fetchone()
            if row is None:
                row = await (await conn.execute(TAKE_ONE)).fetchone()
            follow = None
            if row is not None:
                entry, job, hop = row
                published = await (await conn.execute(
                    ACK_PUBLISH, (entry, job, hop + 1, BODY, hop < HOPS))).fetchone()
                follow = published[0] if published else None
        if row is None:
            await asyncio.sleep(0.0005)
        elif hop >= HOPS:
            _finish(run, job)


async def _consume_batched(pool: AsyncConnectionPool[Any], run: Run, batch: int) -> None:
    while not run.stop:
        async with pool.connection() as conn, conn.transaction():
            rows = await (await conn.execute(TAKE_MANY, (batch,))).fetchall()
            if rows:
                going = [(job, hop + 1) for _, job, hop in rows if hop < HOPS]
                await conn.execute(ACK_PUBLISH_MANY, (
                    [r[0] for r in rows], BODY, [j for j, _ in going], [h for _, h in going]))
        if not rows:
            await asyncio.sleep(0.0005)
            continue
        for _, job, hop in rows:
            if hop >= HOPS:
                _finish(run, job)


async def measure(dsn: str, shape: str, args: argparse.Namespace) -> dict[str, Any]:
    """Throughput with ``--inflight`` jobs in flight, then ``--latency`` jobs one at a time."""
    out = await _phase(dsn, shape, args, args.jobs, args.inflight, args.consumers)
    # a job alone needs one consumer; idle pollers would only steal the CPU it runs on
    sequential = await _phase(dsn, shape, args, args.latency, 1, 1)
    durations = sequential.pop("durations")
    out.pop("durations")
    return {**out, "p50_ms": round(percentile(durations, 50) or 0, 2),
            "p95_ms": round(percentile(durations, 95) or 0, 2)}


async def _phase(dsn: str, shape: str, args: argparse.Namespace, jobs: int,
                 inflight: int, consumers: int) -> dict[str, Any]:
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        await conn.execute(SETUP)
    async with AsyncConnectionPool(dsn, min_size=consumers + 4,
                                   max_size=consumers + 4, open=False,
                                   kwargs={"autocommit": True}) as pool:
        run = Run(jobs)
        if shape == "batched":
            consumers = [asyncio.create_task(_consume_batched(pool, run, args.batch))
                         for _ in range(consumers)]
        else:
            consumers = [asyncio.create_task(_consume_per_message(pool, run))
                         for _ in range(consumers)]
        wall, cpu = time.perf_counter(), time.process_time()
        durations = await _clients(pool, run, inflight)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        run.stop = True
        await asyncio.gather(*consumers)
    return {"shape": shape, "jobs": jobs, "jobs_per_s": round(jobs / wall, 1),
            "messages_per_s": round(jobs * HOPS / wall, 1),
            "python_cpu_ms_per_job": round(cpu / jobs * 1000, 3), "durations": durations}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    with bench_postgres(args.dsn) as pg:
        dsn = pg.database_dsn("hotmesh_floor")
        rows = []
        for shape in ("per-message", "batched"):
            log(f"floor: {shape}, {args.jobs} jobs, {args.inflight} in flight, "
                f"{args.consumers} consumers")
            rows.append(await measure(dsn, shape, args))
    return {"machine": machine(), "args": vars(args), "results": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--inflight", type=int, default=50)
    parser.add_argument("--consumers", type=int, default=8)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--latency", type=int, default=200, help="jobs one at a time")
    parser.add_argument("--dsn", default=None)
    args = parser.parse_args(argv)
    payload = asyncio.run(main_async(args))
    m = payload["machine"]
    print(f"\nbare queue, {HOPS} hops per job, {args.inflight} jobs in flight; "
          f"{m['cpus']} CPUs, load {m['loadavg_1m']}")
    print_table(payload["results"], [("shape", "shape"), ("jobs_per_s", "jobs/s"),
                                     ("messages_per_s", "messages/s"),
                                     ("python_cpu_ms_per_job", "Python CPU ms/job"),
                                     ("p50_ms", "p50 ms (1 at a time)"), ("p95_ms", "p95 ms")])
    print(f"\nresults saved to {save_results('floor', payload)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
