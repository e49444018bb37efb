"""The public ``HotMesh`` facade (api.md): one instance = engine and/or topic workers of an app.

``HotMesh.init`` connects (``connection=`` per api.md), then starts, in HotMesh's order, the
engine (consuming the app's engine stream) with its quorum member, and one worker per entry
of ``workers``. Every method delegates to the engine or the quorum.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar, overload

from . import settings
from .clock import Clock
from .engine.engine import Engine, guid
from .errors import ConfigError, HotMeshError
from .keys import check_app_id, check_namespace
from .logger import HotMeshLogger, ILogger
from .providers.protocols import Providers

__all__ = ["HotMesh"]

JobCallback = Callable[[str, dict[str, Any]], Awaitable[None] | None]


class _GuidAttribute:
    """``HotMesh.guid()`` mints a new id; ``instance.guid`` is that instance's own id."""

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Callable[[], str]: ...
    @overload
    def __get__(self, instance: HotMesh, owner: type[Any]) -> str: ...

    def __get__(self, instance: HotMesh | None, owner: type[Any]) -> Callable[[], str] | str:
        if instance is None:
            return _new_guid
        return instance.instance_guid


class HotMesh:
    """An engine and/or workers for one app (api.md "Engine API")."""

    instances: ClassVar[set[HotMesh]] = set()
    guid = _GuidAttribute()

    def __init__(self, app_id: str, namespace: str, instance_guid: str, providers: Providers,
                 logger: ILogger) -> None:
        self.app_id = app_id
        self.namespace = namespace
        self.instance_guid = instance_guid
        self.providers = providers
        self._owns_providers = False
        self.logger = logger
        self.engine: Engine | None = None
        self.quorum: Any = None
        self.workers: list[Any] = []
        self._stopped = False

    # -- construction -----------------------------------------------------------------------
    @classmethod
    async def init(
        cls,
        app_id: str,
        connection: str | None = None,
        namespace: str = "hmsh",
        engine: bool | Mapping[str, Any] = True,
        workers: Sequence[Mapping[str, Any]] | None = None,
        log_level: str = "info",
        *,
        schema: str = "hotmesh",
        migrate: bool = False,
        guid: str | None = None,
        logger: ILogger | None = None,
        name: str | None = None,
        providers: Providers | None = None,
        clock: Clock | None = None,
        max_payload_bytes: int | None = None,
    ) -> HotMesh:
        """Connect and start the engine (unless ``engine=False``) and the workers.

        ``providers`` (advanced) reuses already-open providers instead of ``connection``;
        the instance then does not close them on :meth:`stop`.
        """
        namespace = check_namespace(namespace)
        app_id = check_app_id(app_id)
        if ":" in app_id:
            raise ConfigError(f"config.appId [{app_id}] is invalid: ':' is not allowed")
        instance_guid = guid or _new_guid()
        if not instance_guid.isalnum():
            raise ConfigError(f"config.guid [{instance_guid!r}] is invalid: expected [A-Za-z0-9]+")
        log = logger or HotMeshLogger(name or app_id, instance_guid, log_level=log_level)
        owns = providers is None
        if providers is None:
            from .connection import connect

            providers = await connect(connection, schema=schema, namespace=namespace,
                                      migrate=migrate, clock=clock)
        instance = cls(app_id, namespace, instance_guid, providers, log)
        instance._owns_providers = owns
        try:
            if engine:
                await instance._start_engine(engine if isinstance(engine, Mapping) else {},
                                             clock, max_payload_bytes)
            if workers:
                from .engine.worker import WorkerService

                instance.workers = await WorkerService.init(
                    namespace, app_id, instance_guid, list(workers), providers, log)
        except BaseException:
            await instance.stop()
            raise
        cls.instances.add(instance)
        return instance

    async def _start_engine(self, options: Mapping[str, Any], clock: Clock | None,
                            max_payload_bytes: int | None) -> None:
        from .engine.quorum import QuorumService
        from .engine.router import Router

        unknown = set(options) - {"reclaim_delay", "reclaim_count", "max_in_flight"}
        if unknown:
            raise ConfigError(f"engine option(s) {sorted(unknown)} are not recognised; "
                              "expected reclaim_delay, reclaim_count")
        kwargs: dict[str, Any] = {}
        if max_payload_bytes is not None:
            kwargs["max_payload_bytes"] = max_payload_bytes
        self.engine = Engine(self.app_id, self.namespace, self.guid, self.providers,
                             clock=clock, **kwargs)
        router = Router(self.app_id, self.namespace, self.guid, "engine", self.providers,
                        reclaim_delay_ms=options.get("reclaim_delay"),
                        reclaim_count=options.get("reclaim_count"),
                        logger=self.logger, max_in_flight=options.get("max_in_flight"))
        await self.engine.init(router)
        self.quorum = await QuorumService.init(self.namespace, self.app_id, self.guid,
                                               self.engine, self.providers, self.logger)

    def _engine(self) -> Engine:
        if self.engine is None:
            raise HotMeshError("no engine configured: this instance was started with engine=False")
        return self.engine

    # -- versions ---------------------------------------------------------------------------
    async def plan(self, path_or_yaml: str) -> dict[str, Any]:
        return await self._engine().plan(path_or_yaml)

    async def deploy(self, path_or_yaml: str) -> dict[str, Any]:
        return await self._engine().deploy(path_or_yaml)

    async def activate(self, version: str, delay: float | None = None) -> bool:
        self._engine()
        delay_ms = settings.HMSH_QUORUM_DELAY_MS if delay is None else int(delay * 1000)
        return bool(await self.quorum.activate(str(version), delay_ms))

    # -- jobs -------------------------------------------------------------------------------
    async def pub(self, topic: str, data: dict[str, Any] | None = None,
                  context: dict[str, Any] | None = None,
                  extended: dict[str, Any] | None = None) -> str:
        return await self._engine().pub(topic, data, context, extended)

    async def pubsub(
        self, topic: str, data: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - api.md names the parameter
    ) -> dict[str, Any]:
        return await self._engine().pubsub(topic, data, context, timeout)

    async def add(self, stream_data: dict[str, Any]) -> str:
        return await self._engine().add(stream_data)

    async def sub(self, topic: str, callback: JobCallback) -> None:
        await self._engine().sub(topic, callback)

    async def unsub(self, topic: str) -> None:
        await self._engine().unsub(topic)

    async def psub(self, pattern: str, callback: JobCallback) -> None:
        await self._engine().psub(pattern, callback)

    async def punsub(self, pattern: str) -> None:
        await self._engine().punsub(pattern)

    async def get_status(self, job_id: str) -> int:
        return await self._engine().get_status(job_id)

    async def get_state(self, topic: str, job_id: str) -> dict[str, Any]:
        return await self._engine().get_state(topic, job_id)

    async def get_query_state(self, job_id: str, fields: list[str]) -> dict[str, Any]:
        return await self._engine().get_query_state(job_id, list(fields))

    async def get_raw(self, job_id: str) -> dict[str, str]:
        return await self._engine().get_raw(job_id)

    async def hook(self, topic: str, data: dict[str, Any], status: str | None = None,
                   code: int | None = None) -> str:
        return await self._engine().hook(topic, data, status, code)

    async def hook_all(self, hook_topic: str, data: dict[str, Any], query: dict[str, Any],
                       query_facets: Sequence[str] = ()) -> list[str]:
        return await self._engine().hook_all(hook_topic, data, query, list(query_facets))

    async def interrupt(self, topic: str, job_id: str,
                        options: dict[str, Any] | None = None) -> str | None:
        return await self._engine().interrupt(topic, job_id, options)

    async def compress(self, terms: Sequence[str]) -> bool:
        """Register value symbols for ``terms`` (shorter job hashes); True if any was new."""
        return await self._engine().compress(list(terms))

    async def scrub(self, job_id: str) -> None:
        await self._engine().scrub(job_id)

    async def export(self, job_id: str) -> dict[str, Any]:
        return await self._engine().export(job_id)

    async def get_stats(self, topic: str, query: dict[str, Any]) -> dict[str, Any]:
        return await self._engine().get_stats(topic, query)

    async def get_ids(self, topic: str, query: dict[str, Any],
                      query_facets: Sequence[str] = ()) -> dict[str, Any]:
        return await self._engine().get_ids(topic, query, list(query_facets))

    async def resolve_query(self, topic: str, query: dict[str, Any]) -> dict[str, Any]:
        return await self._engine().resolve_query(topic, query)

    # -- quorum -----------------------------------------------------------------------------
    async def roll_call(self, delay: float | None = None) -> list[dict[str, Any]]:
        self._engine()
        delay_ms = settings.HMSH_QUORUM_DELAY_MS if delay is None else int(delay * 1000)
        return list(await self.quorum.roll_call(delay_ms))

    async def throttle(self, options: Mapping[str, Any]) -> bool:
        self._engine()
        if "throttle" not in options:
            raise ConfigError("throttle options must include 'throttle' (milliseconds)")
        return bool(await self.quorum.throttle(
            options["throttle"], guid=options.get("guid"), topic=options.get("topic")))

    # -- shutdown ---------------------------------------------------------------------------
    async def stop(self) -> None:
        """Stop this instance's workers, quorum member and engine, then its connections."""
        if self._stopped:
            return
        self._stopped = True
        HotMesh.instances.discard(self)
        for worker in self.workers:
            with contextlib.suppress(Exception):
                await worker.stop()
        if self.quorum is not None:
            with contextlib.suppress(Exception):
                await self.quorum.stop()
        if self.engine is not None:
            with contextlib.suppress(Exception):
                await self.engine.stop()
        if getattr(self, "_owns_providers", False):
            with contextlib.suppress(Exception):
                await self.providers.close()

    @classmethod
    async def stop_all(cls) -> None:
        """Stop every instance in the process (they can be started again afterwards)."""
        instances = list(cls.instances)
        await asyncio.gather(*(i.stop() for i in instances), return_exceptions=True)
        cls.instances.clear()


def _new_guid() -> str:
    return guid()
