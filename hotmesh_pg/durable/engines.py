"""HotMesh instances for durable namespaces, and making sure the durable app is active.

Clients share one engine per (connection, namespace); each worker gets its own instance
because HotMesh takes its topic workers at ``init``. The first use of a namespace deploys
and activates ``app.yaml`` when the stored app is missing or older; concurrent starters
(in this process or others) serialise on a lock and poll for the activation.

Reaching into the instance for its providers (``_providers_of``) is the one place the
durable layer uses HotMesh internals: search fields, side-effect guards and replay
history live in the job hash, which the public API does not expose field by field.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..keys import Key, KeyType
from ..providers.protocols import Providers, Store
from .app import APP_VERSION, app_yaml

if TYPE_CHECKING:
    from ..hotmesh import HotMesh

__all__ = [
    "DEFAULT_NAMESPACE",
    "EngineCache",
    "ensure_app",
    "hotmesh_namespace",
    "job_key",
    "store_of",
]

log = logging.getLogger("hotmesh_pg.durable")

DEFAULT_NAMESPACE = "durable"
ACTIVATION_POLLS = 40
ACTIVATION_POLL_S = 0.25
DEPLOY_LOCK_TTL_S = 30.0


def _providers_of(hm: HotMesh) -> Providers:
    for path in ("providers", "_providers", "engine.providers", "engine.store.providers"):
        obj: Any = hm
        for part in path.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                break
        if isinstance(obj, Providers):
            return obj
    raise RuntimeError("HotMesh instance exposes no providers; durable needs its Store")


def store_of(hm: HotMesh) -> Store:
    return _providers_of(hm).store


def hotmesh_namespace(hm: HotMesh) -> str:
    value = getattr(hm, "namespace", None)
    return value if isinstance(value, str) else "hmsh"


def job_key(hm: HotMesh, app_id: str, job_id: str) -> Key:
    return Key.job(hotmesh_namespace(hm), app_id, job_id)


async def _app_record(hm: HotMesh, app_id: str) -> dict[str, str]:
    return await store_of(hm).hgetall(Key(KeyType.APP, hotmesh_namespace(hm), app_id))


def _is_active(record: Mapping[str, str]) -> bool:
    return (
        record.get("version") == APP_VERSION
        and record.get("active") == "true"
        and str(record.get(f"versions/{APP_VERSION}", "")).startswith("activated")
    )


async def ensure_app(hm: HotMesh, app_id: str) -> None:
    """Deploy and activate the durable app for ``app_id`` unless it already runs it."""
    record = await _app_record(hm, app_id)
    if _is_active(record):
        return
    store = store_of(hm)
    lock = Key(KeyType.LOCK, hotmesh_namespace(hm), app_id, "durable-deploy")
    if await store.set_nx(lock, "1", DEPLOY_LOCK_TTL_S):
        try:
            record = await _app_record(hm, app_id)
            if not record.get(f"versions/{APP_VERSION}"):
                await hm.deploy(app_yaml(app_id))
            if not _is_active(await _app_record(hm, app_id)):
                await hm.activate(APP_VERSION)
        except Exception:
            log.exception("durable app %s failed to deploy/activate", app_id)
            await store.delete(lock)
            raise
        return
    for _ in range(ACTIVATION_POLLS):
        await asyncio.sleep(ACTIVATION_POLL_S)
        if _is_active(await _app_record(hm, app_id)):
            return
    raise RuntimeError(f"Workflow failed to activate: durable app {app_id!r} version "
                       f"{APP_VERSION} did not become active")


class EngineCache:
    """Process-wide HotMesh instances keyed by connection target and durable namespace."""

    def __init__(self) -> None:
        self._engines: dict[tuple[Any, ...], HotMesh] = {}
        self._locks: dict[tuple[Any, ...], asyncio.Lock] = {}

    async def get(
        self,
        app_id: str,
        connection: str | None,
        engine_kwargs: Mapping[str, Any],
        workers: Sequence[Mapping[str, Any]] = (),
        tag: str = "client",
    ) -> HotMesh:
        key = (tag, app_id, connection,
               tuple(sorted((k, repr(v)) for k, v in engine_kwargs.items())))
        found = self._engines.get(key)
        if found is not None:
            return found
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            found = self._engines.get(key)
            if found is not None:
                return found
            from ..hotmesh import HotMesh

            kwargs = dict(engine_kwargs)
            if "hotmesh_namespace" in kwargs:
                kwargs["namespace"] = kwargs.pop("hotmesh_namespace")
            hm = await HotMesh.init(
                app_id=app_id, connection=connection, workers=list(workers), **kwargs
            )
            await ensure_app(hm, app_id)
            self._engines[key] = hm
            return hm

    async def stop_all(self) -> None:
        engines = list(self._engines.values())
        self._engines.clear()
        self._locks.clear()
        for hm in engines:
            try:
                await hm.stop()
            except Exception:  # pragma: no cover - best effort at shutdown
                log.exception("stopping a durable engine failed")


ENGINES = EngineCache()
