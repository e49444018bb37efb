"""`hotmesh-pg demo`: the first thing a new user runs.

Deploys the order-fulfilment sample (apps/orders), starts its three workers in this process,
places a few orders at once and tells, in plain sentences on stderr, what the engine did with
each: which workers ran, the retried payment, the durable timer, the out-of-stock branch.
The summary also goes to stdout as JSON, like every other command.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from typing import Any

from . import loader
from .commands import Options, open_hotmesh, status_label
from .exits import UsageError
from .output import say

APP_ID = "orders"
TOPIC = "order.placed"

# (item, quantity, what the reader should expect)
CATALOGUE: list[tuple[str, int, str]] = [
    ("mug", 2, "in stock: reserve, charge, a 1 s packing timer, ship"),
    ("teapot", 4, "over 100.00: the first payment attempt fails with 503 and is retried"),
    ("kettle", 1, "out of stock: the graph takes the backorder branch"),
]


def _where(opts: Options) -> str:
    if opts.connection:
        return opts.connection.split("@")[-1] if "@" in opts.connection else opts.connection
    if os.environ.get("HOTMESH_DSN"):
        return "$HOTMESH_DSN"
    from hotmesh_pg.providers.postgres.embedded import data_dir

    return f"embedded Postgres in {data_dir()} (the first start takes a few seconds)"


def _same_target(opts: Options) -> str:
    """The options that point a follow-up command at the same database and namespace."""
    parts = []
    if opts.connection:
        parts.append(f"--connection {opts.connection}")
    if opts.schema != "hotmesh":
        parts.append(f"--schema {opts.schema}")
    if opts.namespace != "hmsh":
        parts.append(f"--namespace {opts.namespace}")
    return "".join(f" {part}" for part in parts)


async def run(opts: Options, *, orders: int, wait_s: float) -> dict[str, Any]:
    """Run the demo; returns the JSON summary (one entry per order)."""
    if orders < 1:
        raise UsageError("--orders must be at least 1")
    apps = loader.apps_dir()
    app_file = apps / "orders" / "hotmesh.yaml"
    workers_file = apps / "orders" / "workers.py"
    workers = loader.worker_entries(
        loader.load_object(f"{workers_file}:WORKERS"), None, "orders workers"
    )
    mark_start = loader.load_object(f"{workers_file}:mark_start")
    _, version = loader.read_app_header(app_file)
    started = time.monotonic()

    say("hotmesh-pg demo: order fulfilment")
    say(f"  database:  {_where(opts)}")
    say(f"  app:       {app_file} (app '{APP_ID}', version {version})")
    say("  workers:   " + ", ".join(w["topic"] for w in workers) + " (running in this process)")
    say("")

    async with open_hotmesh(opts, APP_ID, workers=workers) as hm:
        await hm.deploy(str(app_file))
        await hm.activate(version)
        say(f"1. Deployed and activated version {version}.")

        run_id = secrets.token_hex(3)
        placed: list[tuple[str, str, int]] = []
        say(f"2. Placing {orders} order(s) at once with pubsub('{TOPIC}', ...):")
        for index in range(orders):
            item, quantity, expectation = CATALOGUE[index % len(CATALOGUE)]
            job_id = f"order-{run_id}-{index + 1}"
            placed.append((job_id, item, quantity))
            say(f"   {job_id}: {quantity} x {item} ({expectation})")
        say("   ... workers at work (seconds since the orders were placed):")
        mark_start()

        async def place(job_id: str, item: str, quantity: int) -> Any:
            data = {"order_id": job_id, "item": item, "quantity": quantity}
            return await hm.pubsub(TOPIC, data, None, wait_s)

        outcomes = await asyncio.gather(
            *(place(*order) for order in placed), return_exceptions=True
        )

        say("3. Results (the job data each graph produced):")
        summary: list[dict[str, Any]] = []
        for (job_id, item, quantity), outcome in zip(placed, outcomes, strict=True):
            entry: dict[str, Any] = {"job_id": job_id, "item": item, "quantity": quantity}
            if isinstance(outcome, BaseException):
                entry["error"] = f"{type(outcome).__name__}: {outcome}"
                say(f"   {job_id}: FAILED - {entry['error']}")
            else:
                data = (outcome or {}).get("data", {}) if isinstance(outcome, dict) else {}
                entry.update({k: data.get(k) for k in ("status", "total", "receipt", "tracking")})
                js = await hm.get_status(job_id)
                entry["js"] = js
                details = ", ".join(
                    f"{k} {entry[k]}" for k in ("total", "receipt", "tracking") if entry.get(k)
                )
                say(f"   {job_id}: {entry['status']} ({status_label(js)}, status {js})"
                    + (f" - {details}" if details else ""))
            summary.append(entry)

    elapsed = time.monotonic() - started
    say("")
    say(f"Done in {elapsed:.1f} s. The jobs are kept for an hour; look at one with:")
    first = placed[0][0]
    prefix = f"hotmesh-pg{_same_target(opts)} --app {APP_ID}"
    say(f"  {prefix} status {first}")
    say(f"  {prefix} state {TOPIC} {first}")
    say(f"  {prefix} export {first}")
    failed = [entry for entry in summary if "error" in entry]
    result = {"app": APP_ID, "version": version, "orders": summary, "seconds": round(elapsed, 3)}
    if failed:
        raise DemoFailedError(f"{len(failed)} of {len(summary)} order(s) failed", result)
    return result


class DemoFailedError(Exception):
    """Some orders failed; carries the summary so the caller can still print it."""

    def __init__(self, message: str, summary: dict[str, Any]) -> None:
        self.summary = summary
        super().__init__(message)
