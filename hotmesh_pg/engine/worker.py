"""Topic workers: run a user's callback on each message of a worker stream (runtime.md 3.9).

A worker entry ``{"topic", "callback", "retry", "reclaim_delay", "reclaim_count"}`` (api.md;
plus ``max_in_flight``: how many of its messages run at once) becomes one
:class:`WorkerService`: a :class:`~hotmesh_pg.engine.router.Router` consuming
``<ns>:<app>:x:<topic>`` in group ``WORKER``, plus subscriptions to the quorum channels
(app, topic and instance) so roll calls and throttles reach it.

The callback contract is checked here so a mistake surfaces in the job, not as silence:
an ``async def`` is awaited, a plain function runs in a thread; an exception becomes a 500
error response with the exception's message; a return value that is not a response becomes
a 500 error naming what was returned; ``None`` sends nothing (the activity waits, as in
HotMesh) and logs a warning.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

from .. import settings
from ..errors import ConfigError
from ..keys import Key
from ..logger import HotMeshLogger, ILogger
from ..providers.protocols import JSONDict, Providers
from .quorum import (
    ChannelMux,
    format_iso_date,
    get_system_health,
    persisted_throttle,
    roll_call_loop,
)
from .router import WORKER_GROUP, Router

__all__ = ["WorkerCallback", "WorkerService", "normalize_response"]

WorkerCallback = Callable[[JSONDict], Any]
_STATUSES = ("success", "pending", "error")
_RESPONSE_KEYS = frozenset({"data", "status", "code", "metadata"})
_CONFIG_KEYS = frozenset({"topic", "callback", "retry", "reclaim_delay", "reclaim_count",
                          "connection", "max_in_flight"})


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{type(value).__name__} {text}"


def _not_a_response(topic: str, stream_data: Mapping[str, Any], reason: str) -> JSONDict:
    message = (
        f"worker callback for topic '{topic}' {reason}; expected None or a dict such as "
        "{'data': {...}, 'status': 'success' | 'pending' | 'error', 'code': int}"
    )
    return {
        "status": "error",
        "code": settings.HMSH_CODE_UNKNOWN,
        "metadata": dict(stream_data.get("metadata") or {}),
        "data": {"message": message, "code": settings.HMSH_CODE_UNKNOWN},
    }


def _violation(output: Any) -> str | None:
    """Why ``output`` breaks the callback contract, or ``None`` if it keeps it."""
    if output is None:
        return None
    if not isinstance(output, dict):
        return f"returned {_describe(output)}"
    if not _RESPONSE_KEYS & output.keys():
        return (f"returned a dict with keys {sorted(map(str, output))} and none of "
                "'data', 'status', 'code', 'metadata'")
    status = output.get("status", "success")
    if status not in _STATUSES:
        return f"returned status {status!r}"
    data = output.get("data")
    if data is not None and not isinstance(data, dict):
        return f"returned data of {_describe(data)}"
    code = output.get("code")
    if code is not None and (isinstance(code, bool) or not isinstance(code, int | str)):
        return f"returned code {_describe(code)}"
    if isinstance(code, str) and not code.strip().lstrip("-").isdigit():
        return f"returned code {code!r}"
    return None


def normalize_response(
    topic: str, stream_data: Mapping[str, Any], output: Any
) -> JSONDict | None:
    """Check a callback's return value against the contract and fill its defaults.

    ``status`` defaults to ``success`` and ``code`` to 200 (202 for ``pending``); anything
    that cannot be a response becomes a 500 error response saying what was returned.
    """
    if output is None:
        return None
    reason = _violation(output)
    if reason is not None:
        return _not_a_response(topic, stream_data, reason)
    response = dict(output)
    status = response.setdefault("status", "success")
    code = response.get("code")
    if isinstance(code, str):
        response["code"] = int(code)
    elif code is None and status != "error":
        response["code"] = (settings.HMSH_CODE_PENDING if status == "pending"
                            else settings.HMSH_CODE_SUCCESS)
    if response.get("data") is None and status != "error":
        response["data"] = {}
    return response


def _check_config(index: int, worker: Mapping[str, Any]) -> None:
    where = f"workers[{index}]"
    if not isinstance(worker, Mapping):
        raise ConfigError(f"{where} must be a dict with 'topic' and 'callback', "
                          f"got {type(worker).__name__}")
    unknown = set(worker) - _CONFIG_KEYS
    if unknown:
        raise ConfigError(f"{where} has unknown keys {sorted(unknown)}; "
                          f"allowed: {sorted(_CONFIG_KEYS)}")
    topic = worker.get("topic")
    if not isinstance(topic, str) or not topic or ":" in topic:
        raise ConfigError(f"{where}.topic [{topic!r}] is invalid: a non-empty string without ':'")
    if not callable(worker.get("callback")):
        raise ConfigError(f"{where}.callback must be callable (topic '{topic}')")
    for name in ("reclaim_delay", "reclaim_count", "max_in_flight"):
        value = worker.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 0):
            raise ConfigError(f"{where}.{name} [{value!r}] must be a non-negative integer")
    retry = worker.get("retry")
    if retry is not None and not isinstance(retry, Mapping):
        raise ConfigError(f"{where}.retry must be a dict or None, got {type(retry).__name__}")


class WorkerService:
    """One topic worker of a HotMesh instance."""

    def __init__(
        self,
        namespace: str,
        app_id: str,
        guid: str,
        topic: str,
        callback: WorkerCallback,
        providers: Providers,
        logger: ILogger,
        router: Router,
    ) -> None:
        self.namespace = namespace
        self.app_id = app_id
        self.guid = guid
        self.topic = topic
        self.callback = callback
        self.providers = providers
        self.logger = logger
        self.router = router
        self.inited: str | None = None
        self._mux = ChannelMux.of(providers.sub)
        self._channels: list[str] = []
        self._roll_call: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._is_async = _is_async_callable(callback)

    @classmethod
    async def init(
        cls,
        namespace: str,
        app_id: str,
        guid: str,
        workers: Sequence[Mapping[str, Any]],
        providers: Providers,
        logger: ILogger | None = None,
        *,
        max_in_flight: int | None = None,
    ) -> list[WorkerService]:
        """Validate every entry first, then start one consuming worker per entry."""
        logger = logger or HotMeshLogger(app_id, guid)
        if not isinstance(workers, Sequence) or isinstance(workers, str | bytes):
            raise ConfigError(f"workers must be a list of dicts, got {type(workers).__name__}")
        for index, worker in enumerate(workers):
            _check_config(index, worker)
        services = []
        for worker in workers:
            services.append(await cls.start(namespace, app_id, guid, worker, providers, logger,
                                            max_in_flight=max_in_flight))
        return services

    @classmethod
    async def start(
        cls,
        namespace: str,
        app_id: str,
        guid: str,
        worker: Mapping[str, Any],
        providers: Providers,
        logger: ILogger,
        *,
        max_in_flight: int | None = None,
    ) -> WorkerService:
        _check_config(0, worker)
        topic = str(worker["topic"])
        router = Router(
            app_id, namespace, guid, "worker", providers,
            reclaim_delay_ms=worker.get("reclaim_delay"),
            reclaim_count=worker.get("reclaim_count"),
            throttle_ms=0, logger=logger, topic=topic, retry=worker.get("retry"),
            max_in_flight=worker.get("max_in_flight") or max_in_flight,
        )
        service = cls(namespace, app_id, guid, topic, worker["callback"], providers, logger,
                      router)
        for suffix in ("", topic, guid):
            channel = Key.quorum(namespace, app_id, suffix).render()
            await service._mux.subscribe(channel, service._on_quorum_message)
            service._channels.append(channel)
        router.set_throttle(await persisted_throttle(providers, namespace, app_id, topic))
        await router.consume_messages(
            service.stream_key, WORKER_GROUP, guid, service.run_callback
        )
        service.inited = format_iso_date()
        return service

    @property
    def stream_key(self) -> Key:
        return Key.stream(self.namespace, self.app_id, self.topic)

    # -- the callback contract ----------------------------------------------------------------
    async def run_callback(self, stream_data: JSONDict) -> JSONDict | None:
        """Call the user's callback and return a well-formed response (or ``None``).

        Exceptions propagate; the router turns them into 500 error responses.
        """
        if self._is_async:
            output = await self.callback(stream_data)
        else:
            output = await asyncio.to_thread(self.callback, stream_data)
            if inspect.isawaitable(output):
                output = await output
        response = normalize_response(self.topic, stream_data, output)
        if output is None:
            self.logger.warn(
                "worker-callback-returned-nothing",
                {"topic": self.topic, **{k: v for k, v in (stream_data.get("metadata") or {})
                                         .items() if k in ("jid", "aid", "dad")}},
            )
        elif (reason := _violation(output)) is not None:
            self.logger.error("worker-callback-invalid-response",
                              {"topic": self.topic, "reason": reason})
        return response

    # -- quorum messages -----------------------------------------------------------------------
    async def _on_quorum_message(self, channel: str, message: JSONDict) -> None:
        kind = message.get("type")
        self.logger.debug("worker-event-received", {"topic": channel, "type": kind})
        # ``topic: null`` addresses engines only; an absent topic passes through.
        engines_only = "topic" in message and message["topic"] is None
        if kind == "throttle":
            if not engines_only:
                try:
                    self.router.set_throttle(message.get("throttle"))  # type: ignore[arg-type]
                except ValueError as err:
                    self.logger.error("worker-throttle-error",
                                      {"throttle": message.get("throttle"), "err": err})
        elif kind == "ping":
            self._spawn(self.say_pong(message.get("originator"), bool(message.get("details"))))
        elif kind == "rollcall" and not engines_only:
            self.cancel_roll_call()
            signature = bool(message.get("signature"))
            self._roll_call = self._spawn(
                roll_call_loop(message, lambda: self.say_pong(None, True, signature))
            )

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def profile(self, signature: bool = False) -> JSONDict:
        """This worker's roll-call profile."""
        profile: JSONDict = {
            "engine_id": self.guid,
            "namespace": self.namespace,
            "app_id": self.app_id,
            "worker_topic": self.topic,
            "stream": self.stream_key.render(),
            "counts": dict(self.router.counts),
            "timestamp": format_iso_date(),
            "inited": self.inited,
            "throttle": self.router.throttle,
            "reclaimDelay": self.router.reclaim_delay_ms,
            "reclaimCount": self.router.reclaim_count,
            "system": get_system_health(),
        }
        if signature:
            try:
                profile["signature"] = inspect.getsource(self.callback)
            except (OSError, TypeError):
                profile["signature"] = repr(self.callback)
        return profile

    async def say_pong(
        self, originator: str | None, details: bool = False, signature: bool = False
    ) -> None:
        message: JSONDict = {"type": "pong", "guid": self.guid, "originator": originator}
        if details:
            message["profile"] = self.profile(signature)
        await self.providers.sub.publish(Key.quorum(self.namespace, self.app_id).render(),
                                         message)

    def cancel_roll_call(self) -> None:
        if self._roll_call is not None:
            self._roll_call.cancel()
            self._roll_call = None

    async def stop(self, grace_ms: int | None = None) -> None:
        """Stop consuming (in-flight callbacks get ``grace_ms``) and leave the channels."""
        self.cancel_roll_call()
        await self.router.stop_consuming(grace_ms)
        for channel in self._channels:
            try:
                await self._mux.unsubscribe(channel, self._on_quorum_message)
            except Exception as err:
                self.logger.debug("worker-unsubscribe-error", {"channel": channel, "err": err})
        self._channels.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


def _is_async_callable(callback: Any) -> bool:
    if inspect.iscoroutinefunction(callback):
        return True
    call = getattr(callback, "__call__", None)  # noqa: B004 - an object with async __call__
    return call is not None and inspect.iscoroutinefunction(call)
