"""The quorum: engines and workers of one app talking over pub/sub (runtime.md 4).

Every engine instance runs one :class:`QuorumService`. Over the app channel ``<ns>:<app>:q:``
and its own ``<ns>:<app>:q:<guid>`` channel it answers pings (counting the engines and
workers alive), switches version when an ``activate`` broadcast arrives, applies throttles,
runs roll calls and hands ``job`` results to the engine's pubsub waiters.

Version activation (:meth:`QuorumService.activate`) is HotMesh's protocol: take a short
lock, count the quorum until three consecutive counts agree, broadcast ``activate``, and only
then mark the version active in the app record. Each engine, on the broadcast, drops its
caches (:meth:`QuorumEngine.cache_invalidate`) and re-reads the app record until it shows
the new version, so every engine switches together.

Channels are shared: one process may hold an engine quorum and several workers on one
:class:`~hotmesh_pg.providers.protocols.Sub`. :class:`ChannelMux` subscribes each channel
once per ``Sub`` and fans messages out to every registered callback, so no subscriber can
replace another's.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import math
import os
import platform
import random
import socket
import weakref
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol

from .. import settings
from ..errors import QuorumError, VersionNotFoundError
from ..keys import Key, KeyType
from ..logger import HotMeshLogger, ILogger
from ..providers.protocols import JSONDict, Providers, Sub

__all__ = [
    "THROTTLE_ALL",
    "ChannelMux",
    "QuorumCallback",
    "QuorumEngine",
    "QuorumService",
    "format_iso_date",
    "get_system_health",
    "persisted_throttle",
    "roll_call_loop",
    "throttles_key",
]

QuorumCallback = Callable[[str, JSONDict], Awaitable[None] | None]


def format_iso_date(moment: datetime | None = None) -> str:
    """HotMesh's compact UTC timestamp: ``2024-01-02T12:34:56.789Z`` -> ``20240102123456.789``."""
    moment = moment or datetime.now(UTC)
    return moment.strftime("%Y%m%d%H%M%S.") + f"{moment.microsecond // 1000:03d}"


def get_system_health() -> JSONDict:
    """Host facts for roll-call profiles (HotMesh's ``system``)."""
    health: JSONDict = {
        "hostname": socket.gethostname(),
        "pid": os.getpid(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
    }
    with contextlib.suppress(OSError, AttributeError):
        health["load_avg"] = list(os.getloadavg())
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            fields = dict(line.split(":", 1) for line in meminfo if ":" in line)
        health["memory"] = {
            "total_kb": int(fields["MemTotal"].split()[0]),
            "available_kb": int(fields.get("MemAvailable", fields["MemFree"]).split()[0]),
        }
    return health


THROTTLE_ALL = ":"
"""Field of the throttles hash that holds the app-wide throttle (newer HotMesh's layout)."""


def throttles_key(namespace: str, app_id: str) -> Key:
    """The hash of persisted throttles: field = worker topic, or ``:`` for everyone."""
    return Key(KeyType.QUORUM, namespace, app_id, "throttles")


async def persisted_throttle(providers: Providers, namespace: str, app_id: str,
                             topic: str | None = None) -> int:
    """The throttle a router starting now should apply: its topic's, else the app's, else 0."""
    saved = await providers.store.hgetall(throttles_key(namespace, app_id))
    raw = saved.get(topic) if topic is not None and topic in saved else saved.get(THROTTLE_ALL)
    try:
        return max(0, int(raw)) if raw is not None else 0
    except ValueError:
        return 0


async def _call(callback: Callable[..., Any], *args: Any) -> None:
    result = callback(*args)
    if inspect.isawaitable(result):
        await result


class ChannelMux:
    """One subscription per channel on a ``Sub``, fanned out to many callbacks."""

    _by_sub: ClassVar[weakref.WeakKeyDictionary[Any, ChannelMux]] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, sub: Sub) -> None:
        self.sub = sub
        self._callbacks: dict[str, list[QuorumCallback]] = {}
        self._lock = asyncio.Lock()

    @classmethod
    def of(cls, sub: Sub) -> ChannelMux:
        """The mux shared by everyone subscribing through ``sub``."""
        try:
            mux = cls._by_sub.get(sub)
        except TypeError:  # an unhashable / non-weakrefable Sub: no sharing possible
            return cls(sub)
        if mux is None:
            mux = cls(sub)
            with contextlib.suppress(TypeError):
                cls._by_sub[sub] = mux
        return mux

    async def subscribe(self, channel: str, callback: QuorumCallback) -> None:
        async with self._lock:
            callbacks = self._callbacks.get(channel)
            if callbacks is not None:
                callbacks.append(callback)
                return
            self._callbacks[channel] = [callback]
            await self.sub.subscribe(channel, self._make_dispatch(channel))

    async def unsubscribe(self, channel: str, callback: QuorumCallback) -> None:
        async with self._lock:
            callbacks = self._callbacks.get(channel)
            if not callbacks:
                return
            with contextlib.suppress(ValueError):
                callbacks.remove(callback)
            if not callbacks:
                del self._callbacks[channel]
                await self.sub.unsubscribe(channel)

    def _make_dispatch(self, channel: str) -> Callable[[str, JSONDict], Awaitable[None]]:
        async def dispatch(concrete: str, message: JSONDict) -> None:
            for callback in list(self._callbacks.get(channel, ())):
                try:
                    await _call(callback, concrete, message)
                except Exception:  # one subscriber's failure must not starve the others
                    import logging

                    logging.getLogger("hotmesh_pg").exception(
                        "quorum-callback-error channel:%s", concrete
                    )

        return dispatch


class QuorumEngine(Protocol):
    """What the quorum needs from the engine it serves (ENGINE's ``Engine``).

    Methods the engine lacks are skipped, so the quorum works with a partial engine.
    ``until_version`` is set by ``set_cache_mode``; ``router`` is the engine's stream router
    (its counts, throttle and reclaim settings go into roll-call profiles).
    """

    inited: str

    def set_cache_mode(self, cache_mode: str, until_version: str) -> Any: ...
    def cache_invalidate(self) -> Any: ...
    def route_to_subscribers(self, topic: str, job: JSONDict) -> Any: ...
    def process_web_hooks(self) -> Any: ...
    def process_time_hooks(self) -> Any: ...
    def activate_version(self, version: str) -> Any:
        """Mark ``version`` active in the app record and use it from now on."""
        ...


async def roll_call_loop(
    message: JSONDict, pong: Callable[[], Awaitable[None]]
) -> None:
    """HotMesh's roll call: ``max`` detailed pongs, one every ~``interval`` seconds."""
    raw_max = message.get("max")
    count = int(raw_max) if isinstance(raw_max, int | float) and not isinstance(raw_max, bool) \
        else settings.HMSH_QUORUM_ROLLCALL_CYCLES
    interval = message.get("interval") or 0
    base = float(interval) / 2
    amount_s = base + math.ceil(random.random() * base)
    for iteration in range(max(count, 1)):
        await asyncio.sleep(math.ceil(random.random() * 1000) / 1000)
        await pong()
        if not interval or iteration >= count - 1:
            return
        await asyncio.sleep(amount_s)


class QuorumService:
    """The engine instance's member of the app quorum."""

    def __init__(
        self,
        namespace: str,
        app_id: str,
        guid: str,
        engine: Any,
        providers: Providers,
        logger: ILogger | None = None,
    ) -> None:
        self.namespace = namespace
        self.app_id = app_id
        self.guid = guid
        self.engine = engine
        self.providers = providers
        self.logger: ILogger = logger or HotMeshLogger(app_id, guid)
        self.profiles: list[JSONDict] = []
        self.quorum: int | None = None
        self.until_version: str | None = None
        self.callbacks: list[QuorumCallback] = []
        self._mux = ChannelMux.of(providers.sub)
        self._handler: QuorumCallback = self._on_message
        self._roll_call: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._channels: list[str] = []

    @classmethod
    async def init(
        cls,
        namespace: str,
        app_id: str,
        guid: str,
        engine: Any,
        providers: Providers,
        logger: ILogger | None = None,
        *,
        start_hooks: bool = True,
    ) -> QuorumService:
        """Subscribe to the app and instance channels; start the engine's hook loops.

        ``start_hooks`` calls ``engine.process_web_hooks()`` and
        ``engine.process_time_hooks()`` (HotMesh started them here); each may return an
        awaitable, which is run as a background task.
        """
        quorum = cls(namespace, app_id, guid, engine, providers, logger)
        for suffix in ("", guid):
            channel = quorum.channel(suffix)
            await quorum._mux.subscribe(channel, quorum._handler)
            quorum._channels.append(channel)
        router = quorum._engine_router()
        if router is not None:
            quorum._apply_throttle(await persisted_throttle(providers, namespace, app_id))
        if start_hooks:
            quorum._engine_call("process_web_hooks")
            quorum._engine_call("process_time_hooks")
        return quorum

    def channel(self, suffix: str = "") -> str:
        """``<ns>:<app>:q:<suffix>``."""
        return Key.quorum(self.namespace, self.app_id, suffix).render()

    # -- engine calls ------------------------------------------------------------------------
    def _engine_call(self, name: str, *args: Any) -> None:
        method = getattr(self.engine, name, None)
        if method is None:
            return
        try:
            result = method(*args)
        except Exception as err:
            self.logger.error("quorum-engine-call-error", {"method": name, "err": err})
            return
        if inspect.isawaitable(result):
            self._spawn(self._await_logged(name, result))

    async def _await_logged(self, name: str, awaitable: Awaitable[Any]) -> None:
        try:
            await awaitable
        except asyncio.CancelledError:
            raise
        except Exception as err:
            self.logger.error("quorum-engine-call-error", {"method": name, "err": err})

    def _spawn(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _engine_router(self) -> Any:
        return getattr(self.engine, "router", None)

    # -- inbound -------------------------------------------------------------------------------
    async def _on_message(self, channel: str, message: JSONDict) -> None:
        kind = message.get("type")
        self.logger.debug("quorum-event-received", {"topic": channel, "type": kind})
        if kind == "activate":
            version = str(message.get("until_version"))
            self.until_version = version
            self._engine_call("cache_invalidate")
            self._engine_call("set_cache_mode", str(message.get("cache_mode", "nocache")),
                              version)
        elif kind == "ping":
            self._spawn(self.say_pong(message.get("originator"), bool(message.get("details"))))
        elif kind == "pong":
            if message.get("originator") == self.guid:
                self.quorum = (self.quorum or 0) + 1
                if isinstance(message.get("profile"), dict):
                    self.profiles.append(message["profile"])
        elif kind == "throttle":
            self._apply_throttle(message.get("throttle"))
        elif kind == "work":
            self._engine_call("process_web_hooks")
        elif kind == "cron":
            self._engine_call("process_time_hooks")
        elif kind == "job":
            self._engine_call("route_to_subscribers", message.get("topic"), message.get("job"))
        elif kind == "rollcall":
            self.do_roll_call(message)
        for callback in list(self.callbacks):
            try:
                await _call(callback, channel, message)
            except Exception as err:
                self.logger.error("quorum-callback-error", {"topic": channel, "err": err})

    def _apply_throttle(self, value: Any) -> None:
        method = getattr(self.engine, "throttle", None)
        try:
            if method is not None:
                self._engine_call("throttle", value)
            elif (router := self._engine_router()) is not None:
                router.set_throttle(value)
        except ValueError as err:
            self.logger.error("quorum-throttle-error", {"throttle": value, "err": err})

    # -- pongs and roll calls ----------------------------------------------------------------
    def profile(self) -> JSONDict:
        """This engine's roll-call profile."""
        router = self._engine_router()
        return {
            "engine_id": self.guid,
            "namespace": self.namespace,
            "app_id": self.app_id,
            "stream": Key.stream(self.namespace, self.app_id).render(),
            "counts": dict(getattr(router, "counts", {}) or {}),
            "timestamp": format_iso_date(),
            "inited": getattr(self.engine, "inited", None),
            "throttle": getattr(router, "throttle", 0),
            "reclaimDelay": getattr(router, "reclaim_delay_ms", settings.HMSH_XCLAIM_DELAY_MS),
            "reclaimCount": getattr(router, "reclaim_count", settings.HMSH_XCLAIM_COUNT),
            "system": get_system_health(),
        }

    async def say_pong(self, originator: str | None, details: bool = False) -> None:
        message: JSONDict = {"type": "pong", "guid": self.guid, "originator": originator}
        if details:
            message["profile"] = self.profile()
        await self.providers.sub.publish(self.channel(), message)

    def do_roll_call(self, message: JSONDict) -> None:
        """Start a roll call (replacing one under way)."""
        self.cancel_roll_call()
        self._roll_call = self._spawn(roll_call_loop(message, lambda: self.say_pong(None, True)))

    def cancel_roll_call(self) -> None:
        if self._roll_call is not None:
            self._roll_call.cancel()
            self._roll_call = None

    async def request_quorum(
        self, delay_ms: int = settings.HMSH_QUORUM_DELAY_MS, details: bool = False
    ) -> int:
        """Ping everyone and wait ``delay_ms``; return the count of the PREVIOUS window.

        ``self.quorum`` / ``self.profiles`` hold this window's count and profiles afterwards
        (HotMesh's two behaviours, both relied on).
        """
        previous = self.quorum or 0
        self.quorum = 0
        self.profiles.clear()
        await self.providers.sub.publish(
            self.channel(), {"type": "ping", "originator": self.guid, "details": details}
        )
        await asyncio.sleep(delay_ms / 1000)
        return previous

    async def roll_call(self, delay_ms: int = settings.HMSH_QUORUM_DELAY_MS) -> list[JSONDict]:
        """Profiles of every engine and worker of the app, each with its ``stream_depth``."""
        await self.request_quorum(delay_ms, details=True)
        profiles = list(self.profiles)
        streams: dict[str, Key] = {}
        for profile in profiles:
            rendered = profile.get("stream")
            if isinstance(rendered, str) and rendered not in streams:
                streams[rendered] = Key.stream(
                    self.namespace, self.app_id, str(profile.get("worker_topic") or "")
                )
        if streams:
            tx = self.providers.store.transaction()
            for key in streams.values():
                tx.xlen(key)
            depths = dict(zip(streams, await tx.exec(), strict=True))
            for profile in profiles:
                if profile.get("stream") in depths:
                    profile["stream_depth"] = depths[profile["stream"]]
        return profiles

    # -- user pub/sub ----------------------------------------------------------------------------
    async def pub(self, message: JSONDict) -> int:
        """Publish on ``q:<topic or guid or ''>`` (topic wins, as in HotMesh)."""
        suffix = message.get("topic") or message.get("guid") or ""
        return await self.providers.sub.publish(self.channel(str(suffix)), message)

    async def sub(self, callback: QuorumCallback) -> None:
        """Also hand every quorum message this engine receives to ``callback``."""
        self.callbacks.append(callback)

    async def unsub(self, callback: QuorumCallback) -> None:
        self.callbacks = [cb for cb in self.callbacks if cb is not callback]

    async def throttle(
        self, throttle_ms: int, *, guid: str | None = None, topic: str | None = None
    ) -> bool:
        """Throttle everyone, one instance (``guid``) or one worker topic (``topic``).

        App-wide and topic throttles are also saved, so a process that starts later applies
        them too (an instance throttle dies with the instance).
        """
        if isinstance(throttle_ms, bool) or not isinstance(throttle_ms, int) or throttle_ms < 0:
            raise ValueError("Throttle must be a non-negative integer")
        message: JSONDict = {"type": "throttle", "throttle": throttle_ms}
        if guid:
            message["guid"] = guid
        else:
            if topic:
                message["topic"] = topic
            await self.providers.store.hset(throttles_key(self.namespace, self.app_id),
                                            {topic or THROTTLE_ALL: str(throttle_ms)})
        await self.pub(message)
        return True

    # -- activation (4.5) -------------------------------------------------------------------
    def _app_key(self) -> Key:
        return Key(KeyType.APP, self.namespace, self.app_id)

    async def activate(
        self, version: str, delay_ms: int = settings.HMSH_QUORUM_DELAY_MS, count: int = 0
    ) -> bool:
        """Switch every engine of the app to ``version``; ``True`` once it is active.

        Raises ``VersionNotFoundError`` (nothing changes) for a version never deployed, and
        ``QuorumError`` when the quorum never settles or the broadcast did not come back.
        """
        version = str(version)
        store = self.providers.store
        app = await store.hgetall(self._app_key())
        if f"versions/{version}" not in app:
            raise VersionNotFoundError(f"Version {version} does not exist for app {self.app_id}")
        lock = Key(KeyType.LOCK, self.namespace, self.app_id, "activate")
        lock_s = max(1, math.ceil(delay_ms * 6 / 1000))
        if not await store.set_nx(lock, f"activate:{format_iso_date()}", lock_s):
            # Another engine is activating; wait for it and report what the record says.
            self.logger.debug("quorum-activation-awaiting", {"version": version})
            return await self._await_other_activation(version, lock, delay_ms)
        try:
            await self.request_quorum(delay_ms)
            q1 = await self.request_quorum(delay_ms)
            q2 = await self.request_quorum(delay_ms)
            q3 = await self.request_quorum(delay_ms)
            if q1 and q1 == q2 == q3:
                self.logger.info("quorum-rollcall-succeeded", {"q1": q1, "q2": q2, "q3": q3})
                await self.providers.sub.publish(
                    self.channel(),
                    {"type": "activate", "cache_mode": "nocache", "until_version": version},
                )
                await asyncio.sleep(delay_ms / 1000)
                if self.until_version != version:
                    self.logger.error("quorum-activation-error", {"version": version})
                    raise QuorumError(
                        f"UntilVersion Not Received. Version {version} not activated"
                    )
                self.logger.info("quorum-activation-succeeded", {"version": version})
                # Stamp the record before releasing the lock, so an engine waiting on the
                # lock reads the outcome as soon as the lock is gone.
                activate_version = getattr(self.engine, "activate_version", None)
                if activate_version is not None:
                    # the engine stamps the record itself and pins its version in one step
                    result = activate_version(version)
                    if inspect.isawaitable(result):
                        await result
                else:
                    await self.activate_app_version(version)
                    self._engine_call("cache_invalidate")
                return True
        finally:
            await store.delete(lock)
        self.logger.warn("quorum-rollcall-error", {"q1": q1, "q2": q2, "q3": q3, "count": count})
        if count < settings.HMSH_ACTIVATION_MAX_RETRY:
            return await self.activate(version, delay_ms * 2, count + 1)
        raise QuorumError(f"Quorum not reached. Version {version} not activated.")

    async def _await_other_activation(self, version: str, lock: Key, delay_ms: int) -> bool:
        """Wait while another engine holds the activation lock; did ``version`` activate?

        HotMesh waited a fixed ``6 x delay``; a busy activator can take longer (and retries
        with doubled delays), so this keeps waiting while the lock is held, up to the
        longest an activation with every retry could take.
        """
        store = self.providers.store
        loop = asyncio.get_running_loop()
        retries = settings.HMSH_ACTIVATION_MAX_RETRY
        deadline = loop.time() + delay_ms * 6 * 2 ** (retries + 1) / 1000
        await asyncio.sleep(delay_ms * 6 / 1000)
        while True:
            held = await store.get(lock) is not None
            app = await store.hgetall(self._app_key())
            if app.get("active") == "true" and str(
                app.get(f"versions/{version}", "")
            ).startswith("activated:"):
                return True
            if not held or loop.time() >= deadline:
                return False
            await asyncio.sleep(delay_ms / 1000)

    async def activate_app_version(self, version: str) -> bool:
        """Mark ``version`` active in the app record (HotMesh's ``activateAppVersion``)."""
        app = await self.providers.store.hgetall(self._app_key())
        if f"versions/{version}" not in app:
            raise VersionNotFoundError(f"Version {version} does not exist for app {self.app_id}")
        await self.providers.store.hset(
            self._app_key(),
            {"id": self.app_id, "version": version,
             f"versions/{version}": f"activated:{format_iso_date()}", "active": "true"},
        )
        return True

    # -- lifecycle -----------------------------------------------------------------------------
    async def stop(self) -> None:
        """Leave the channels and cancel roll calls and engine hook tasks started here."""
        self.cancel_roll_call()
        for channel in self._channels:
            with contextlib.suppress(Exception):
                await self._mux.unsubscribe(channel, self._handler)
        self._channels.clear()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
