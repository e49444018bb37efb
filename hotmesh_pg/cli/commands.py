"""One coroutine per `hotmesh-pg` subcommand; each returns the JSON document to print.

The commands talk to the engine only through the public ``HotMesh`` facade (api.md), the
same API a user's program has, so what the CLI does a script can do too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import loader
from .exits import UsageError
from .output import emit, say

if TYPE_CHECKING:
    from hotmesh_pg.hotmesh import HotMesh

INTERRUPTED_BELOW = -100_000_000  # runtime.md 0: a status this low means interrupted


@dataclass(frozen=True)
class Options:
    """The options every subcommand shares (``--connection``, ``--app``, ...)."""

    connection: str | None
    app: str | None
    namespace: str
    schema: str
    log_level: str
    migrate: bool

    def require_app(self) -> str:
        if not self.app:
            raise UsageError("this command needs --app APP_ID (or $HOTMESH_APP)")
        return self.app

    def connection_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``HotMesh.init`` that say where and how to connect."""
        # schema / migrate are ignored by the Redis provider, so they can always be passed.
        return {
            "connection": self.connection,
            "namespace": self.namespace,
            "schema": self.schema,
            "migrate": self.migrate,
            "log_level": self.log_level,
        }


@contextlib.asynccontextmanager
async def open_hotmesh(
    opts: Options,
    app_id: str,
    *,
    engine: bool | dict[str, Any] = True,
    workers: Sequence[dict[str, Any]] = (),
) -> AsyncIterator[HotMesh]:
    """A connected ``HotMesh`` instance for one command, stopped (connections closed) after."""
    from hotmesh_pg.hotmesh import HotMesh

    hm = await HotMesh.init(
        app_id=app_id, engine=engine, workers=list(workers), **opts.connection_kwargs()
    )
    try:
        yield hm
    finally:
        await hm.stop()


def status_label(js: int | float) -> str:
    """A word for the job status semaphore (runtime.md 1.3)."""
    if js <= INTERRUPTED_BELOW:
        return "interrupted"
    if js > 0:
        return "running"
    return "done"


# ---------------------------------------------------------------------------------------------
# db upgrade


async def db_upgrade(opts: Options) -> dict[str, Any]:
    """Run the Alembic migrations to head on the schema; a no-op for Redis."""
    from hotmesh_pg.connection import resolve

    kind, dsn = resolve(opts.connection)
    if kind == "redis":
        return {"connection": "redis", "migrated": False, "reason": "Redis needs no migration"}
    if dsn is None:
        from hotmesh_pg.providers.postgres.embedded import embedded_dsn

        dsn = await embedded_dsn()
    from hotmesh_pg.providers.postgres.migrate import migrate
    from hotmesh_pg.providers.postgres.schema import HEAD_REVISION

    await migrate(dsn, opts.schema)
    return {"connection": kind, "schema": opts.schema, "migrated": True,
            "revision": HEAD_REVISION}


# ---------------------------------------------------------------------------------------------
# deploy / activate


async def deploy(opts: Options, file: str, *, activate: bool, manifest: bool) -> dict[str, Any]:
    path = Path(file)
    app_id, version = loader.read_app_header(path)
    if opts.app and opts.app != app_id:
        raise UsageError(f"--app {opts.app} does not match app id {app_id!r} in {path}")
    async with open_hotmesh(opts, app_id) as hm:
        deployed = await hm.deploy(str(path))
        version = str(_dig(deployed, "app", "version") or version)
        if activate:
            await hm.activate(version)
    out: dict[str, Any] = {
        "app": app_id,
        "version": version,
        "graphs": [g.get("subscribes") for g in _dig(deployed, "app", "graphs") or []],
        "activated": activate,
    }
    if manifest:
        out["manifest"] = deployed
    return out


async def activate(opts: Options, version: str, delay: float | None) -> dict[str, Any]:
    app_id = opts.require_app()
    async with open_hotmesh(opts, app_id) as hm:
        await hm.activate(version, delay)
    return {"app": app_id, "version": version, "activated": True}


# ---------------------------------------------------------------------------------------------
# pub / pubsub / status / state / export


async def pub(opts: Options, topic: str, data: dict[str, Any]) -> dict[str, Any]:
    app_id = opts.require_app()
    async with open_hotmesh(opts, app_id) as hm:
        job_id = await hm.pub(topic, data)
    return {"app": app_id, "topic": topic, "job_id": job_id}


async def pubsub(opts: Options, topic: str, data: dict[str, Any], wait_s: float) -> Any:
    app_id = opts.require_app()
    async with open_hotmesh(opts, app_id) as hm:
        return await hm.pubsub(topic, data, None, wait_s)


async def status(opts: Options, job_id: str) -> dict[str, Any]:
    app_id = opts.require_app()
    async with open_hotmesh(opts, app_id) as hm:
        js = await hm.get_status(job_id)
    return {"job_id": job_id, "status": js, "state": status_label(js)}


async def state(opts: Options, topic: str, job_id: str) -> Any:
    app_id = opts.require_app()
    async with open_hotmesh(opts, app_id) as hm:
        return await hm.get_state(topic, job_id)


async def export(opts: Options, job_id: str) -> Any:
    app_id = opts.require_app()
    async with open_hotmesh(opts, app_id) as hm:
        return await hm.export(job_id)


# ---------------------------------------------------------------------------------------------
# worker


async def worker(
    opts: Options,
    spec: str,
    *,
    topic: str | None,
    with_engine: bool,
    reclaim_delay: int | None,
    reclaim_count: int | None,
) -> None:
    """Run the named worker callbacks (and optionally an engine) until SIGINT / SIGTERM.

    Prints one JSON line when ready (``{"ready": true, "guid", "topics", ...}``) so a
    supervisor or test can wait for it, and nothing else on stdout.
    """
    app_id = opts.require_app()
    entries = loader.worker_entries(loader.load_object(spec), topic, spec)
    for entry in entries:
        if reclaim_delay is not None:
            entry["reclaim_delay"] = reclaim_delay
        if reclaim_count is not None:
            entry["reclaim_count"] = reclaim_count
    engine: bool | dict[str, Any] = False
    if with_engine:
        settings = {"reclaim_delay": reclaim_delay, "reclaim_count": reclaim_count}
        engine = {k: v for k, v in settings.items() if v is not None} or True

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with open_hotmesh(opts, app_id, engine=engine, workers=entries) as hm:
            emit(
                {
                    "ready": True,
                    "app": app_id,
                    "guid": getattr(hm, "guid", None),
                    "pid": os.getpid(),
                    "topics": [entry["topic"] for entry in entries],
                    "engine": bool(with_engine),
                },
                compact=True,
            )
            say(f"worker {spec} running for app {app_id}; Ctrl-C to stop")
            await stop.wait()
            say("stopping worker")
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def _dig(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value
