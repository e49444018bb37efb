"""Shared pieces of the benchmark scripts (bench/run.py, and the durable workloads' script).

Timing and percentiles, the Postgres the benchmark runs on (a private throwaway cluster with
pg_stat_statements preloaded, or a DSN you give), per-database commit and statement counters,
and the node peer drivers. Scripts only; nothing here is imported by hotmesh_pg.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import glob
import json
import math
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
PEERS_DIR = BENCH_DIR / "peers"
RESULTS_DIR = BENCH_DIR / "results"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# timing


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (the same rule the node driver uses), ``None`` when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))
    return ordered[rank]


def latency_summary(samples_ms: Sequence[float]) -> dict[str, Any]:
    p50, p95 = percentile(samples_ms, 50), percentile(samples_ms, 95)
    return {
        "latency_samples": len(samples_ms),
        "pubsub_p50_ms": None if p50 is None else round(p50, 2),
        "pubsub_p95_ms": None if p95 is None else round(p95, 2),
    }


class Stopwatch:
    """``with Stopwatch() as sw: ...`` then ``sw.seconds``; monotonic, sub-microsecond."""

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000.0


# ---------------------------------------------------------------------------------------------
# the Postgres under test


@dataclass
class BenchPostgres:
    """Where the benchmark's databases live.

    ``admin_dsn`` reaches the ``postgres`` database as a superuser; ``database_dsn(name)``
    creates a database (and the pg_stat_statements extension when the server preloads it)
    and returns its DSN, so each engine measured gets its own ``pg_stat_database`` row.
    """

    admin_dsn: str
    private: bool
    statements_available: bool = False
    note: str = ""
    _created: list[str] = field(default_factory=list)

    def database_dsn(self, name: str, *, fresh: bool = True) -> str:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if exists and fresh:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (name,),
                )
                conn.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))
                exists = None
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                self._created.append(name)
        dsn = psycopg.conninfo.make_conninfo(self.admin_dsn, dbname=name)
        if self.statements_available:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        return dsn

    def conninfo(self, name: str) -> dict[str, Any]:
        """libpq parameters of a database, for drivers that take an options object (node pg)."""
        info = psycopg.conninfo.conninfo_to_dict(
            psycopg.conninfo.make_conninfo(self.admin_dsn, dbname=name)
        )
        out: dict[str, Any] = {"host": info.get("host", "127.0.0.1"),
                               "port": int(info.get("port", 5432)),
                               "user": info.get("user", "postgres"), "database": name}
        if info.get("password"):
            out["password"] = info["password"]
        return out


def _preloads_statements(dsn: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SHOW shared_preload_libraries").fetchone()
    return bool(row) and "pg_stat_statements" in str(row[0])


def _pg_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def bench_postgres(dsn: str | None) -> Iterator[BenchPostgres]:
    """The Postgres to benchmark on.

    With ``dsn``: that server (pg_stat_statements counts only if it preloads the module).
    Without: a private cluster started from this machine's Postgres binaries on a free
    loopback port with ``shared_preload_libraries=pg_stat_statements``, so statement counts
    are available and no other client's traffic pollutes the counters; removed afterwards.
    Falls back to the local server at 127.0.0.1:5432 when no binaries are found.
    """
    if dsn:
        has = _preloads_statements(dsn)
        note = "" if has else "pg_stat_statements not preloaded on that server: commits only"
        yield BenchPostgres(dsn, private=False, statements_available=has, note=note)
        return
    bindir = _pg_bindir()
    if bindir is None:
        fallback = "postgresql://postgres@127.0.0.1:5432/postgres"
        has = _preloads_statements(fallback)
        yield BenchPostgres(fallback, private=False, statements_available=has,
                            note="no initdb found: using the local server, commits only"
                            if not has else "")
        return
    workdir = Path(tempfile.mkdtemp(prefix="hotmesh-bench-pg-"))
    datadir, port = workdir / "data", _free_port()
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        user = "postgres"
        pw = pwd.getpwnam(user)
        os.chown(workdir, pw.pw_uid, pw.pw_gid)
        run_as = ["runuser", "-u", user, "--"]
    try:
        subprocess.run(
            [*run_as, str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres",
             "--auth=trust", "--no-sync", "-E", "UTF8"],
            check=True, capture_output=True,
        )
        options = (f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={workdir}"
                   " -c shared_preload_libraries=pg_stat_statements -c max_connections=200"
                   " -c pg_stat_statements.track=top")
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(datadir), "-o", options,
             "-l", str(workdir / "server.log"), "-w", "start"],
            check=True, capture_output=True,
        )
        log(f"private Postgres ({bindir.parent.name}) on 127.0.0.1:{port}, data in {datadir}")
        yield BenchPostgres(f"postgresql://postgres@127.0.0.1:{port}/postgres", private=True,
                            statements_available=True)
    finally:
        if (datadir / "postmaster.pid").exists():
            subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "fast",
                            "-w", "stop"], check=False, capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# counters


@dataclass(frozen=True)
class PgCounters:
    """Cumulative counters of one database; subtract two snapshots for a phase's cost."""

    commits: int
    rollbacks: int
    statements: int | None  # every statement pg_stat_statements saw, BEGIN/COMMIT included
    statements_work: int | None  # the same without transaction control (BEGIN/COMMIT/...)

    def __sub__(self, other: PgCounters) -> PgCounters:
        def diff(a: int | None, b: int | None) -> int | None:
            return None if a is None or b is None else a - b

        return PgCounters(self.commits - other.commits, self.rollbacks - other.rollbacks,
                          diff(self.statements, other.statements),
                          diff(self.statements_work, other.statements_work))

    def per(self, jobs: int) -> dict[str, float | None]:
        def ratio(value: int | None) -> float | None:
            return None if value is None or jobs <= 0 else round(value / jobs, 2)

        return {"commits_per_job": ratio(self.commits),
                "statements_per_job": ratio(self.statements),
                "work_statements_per_job": ratio(self.statements_work)}


_TXN_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "START TRANSACTION", "END", "SAVEPOINT",
                "RELEASE", "ROLLBACK TO")


async def pg_counters(dsn: str, *, statements: bool) -> PgCounters:
    """Snapshot the database's counters from a fresh connection.

    Postgres backends publish their statistics when they go idle (at most once a second) and
    when they exit, so take snapshots after the engine under test has closed its connections.
    The snapshot's own two queries are counted in the next phase; at thousands of jobs that
    is noise.
    """
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        cur = await conn.execute(
            "SELECT xact_commit, xact_rollback FROM pg_stat_database"
            " WHERE datname = current_database()"
        )
        row = await cur.fetchone()
        commits, rollbacks = (int(row[0]), int(row[1])) if row else (0, 0)
        total: int | None = None
        work: int | None = None
        if statements:
            cur = await conn.execute(
                "SELECT coalesce(sum(calls), 0),"
                " coalesce(sum(calls) FILTER (WHERE NOT (upper(ltrim(query)) LIKE ANY (%s))), 0)"
                " FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid"
                " WHERE d.datname = current_database()",
                ([f"{word}%" for word in _TXN_CONTROL],),
            )
            row = await cur.fetchone()
            if row:
                total, work = int(row[0]), int(row[1])
    return PgCounters(commits, rollbacks, total, work)


async def reset_statements(dsn: str) -> None:
    """Zero pg_stat_statements (whole server: meant for the private cluster) so a later
    ``top_statements`` covers one phase."""
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        await conn.execute("SELECT pg_stat_statements_reset()")


async def top_statements(dsn: str, limit: int) -> list[dict[str, Any]]:
    """The ``limit`` most frequent statements of this database since the last reset."""
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        cur = await conn.execute(
            "SELECT calls, round(total_exec_time::numeric, 1), query FROM pg_stat_statements s"
            " JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = current_database()"
            " ORDER BY calls DESC LIMIT %s",
            (limit,),
        )
        rows = await cur.fetchall()
    return [{"calls": int(c), "total_ms": float(t), "query": " ".join(str(q).split())}
            for c, t, q in rows]


# ---------------------------------------------------------------------------------------------
# peers and reporting


def peer_built(name: str) -> bool:
    return (PEERS_DIR / "build" / name / "build" / "index.js").is_file()


async def run_node_peer(name: str, args: Sequence[str], *, timeout_s: float) -> dict[str, Any]:
    """Run ``bench/peers/driver.js`` for one peer and return the JSON object it prints.

    Raises ``RuntimeError`` with the tail of its stderr when it fails.
    """
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not installed")
    proc = await asyncio.create_subprocess_exec(
        node, str(PEERS_DIR / "driver.js"), "--peer", name, *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=str(PEERS_DIR),
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout_s)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise RuntimeError(f"{name} did not finish within {timeout_s:.0f} s") from None
    if proc.returncode != 0:
        tail = "\n".join(err.decode(errors="replace").strip().splitlines()[-8:])
        raise RuntimeError(f"{name} exited with {proc.returncode}:\n{tail}")
    lines = [line for line in out.decode().splitlines() if line.strip().startswith("{")]
    if not lines:
        raise RuntimeError(f"{name} printed no result")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> None:
    """A plain aligned table on stdout: ``columns`` is ``[(key, header), ...]``."""
    cells = [[header for _, header in columns]]
    def cell(row: dict[str, Any], key: str) -> str:
        value = row.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and key != "failed":
            value = float(value)  # node prints 16.0 as 16
        return fmt(value, 2 if "ms" in key or "per" in key else 1)

    cells += [[cell(row, key) for key, _ in columns] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    for index, row in enumerate(cells):
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w)
                        in enumerate(zip(row, widths, strict=True))))
        if index == 0:
            print("  ".join("-" * w for w in widths))


def save_results(name: str, payload: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


def machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {"cpus": os.cpu_count(), "loadavg_1m": round(load[0], 2),
            "python": sys.version.split()[0]}
