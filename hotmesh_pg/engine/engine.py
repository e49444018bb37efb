"""HotMesh's EngineService: routes engine-stream messages to activities, completes jobs.

One Engine serves one app in one namespace. It owns the StoreService (and its caches), the
Timers, the Reporter and the Exporter; the HotMesh facade gives it a Router (consuming the
engine stream) and a QuorumService (cache invalidation on activation, one-time pubsub
replies). The active version is read from the database at start and switched only by the
quorum's ``activate`` (runtime 2.2).
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
import secrets
import string
import time
from typing import TYPE_CHECKING, Any

from ..clock import Clock, SystemClock
from ..errors import (
    GetStateError,
    HotMeshError,
    JobFailedError,
    PayloadTooLargeError,
    PubSubTimeoutError,
    UnknownSignalError,
    UnknownTopicError,
)
from ..keys import Key, KeyType
from ..providers.protocols import Providers, Transaction
from . import collator
from .activities import ACTIVITIES, Activity
from .activities.base import DROPPED_ERRORS
from .activities.hook import Hook
from .activities.trigger import Trigger
from .store import (
    JOB_KEYS,
    StoreService,
    format_iso_date,
    js_stringify,
    restore_hierarchy,
    to_wire,
)
from .timers import Timers

if TYPE_CHECKING:
    from .router import Router

__all__ = ["DEFAULT_MAX_PAYLOAD_BYTES", "Engine", "guid"]

log = logging.getLogger("hotmesh_pg.engine")

_ALPHABET = string.ascii_letters + string.digits
_ENGINE_STEP: contextvars.ContextVar[bool] = contextvars.ContextVar("hotmesh_engine_step",
                                                                    default=False)
DEFAULT_MAX_PAYLOAD_BYTES = int(os.environ.get("HMSH_MAX_PAYLOAD_BYTES", str(5 * 1024 * 1024)))
"""Largest ``pub`` / ``hook`` payload (its JSON text, in bytes); ``HotMesh.init`` can override."""
_BUFFER_SECONDS = 120.0


def guid(size: int = 21) -> str:
    """HotMesh's 21-character ids, from ``[A-Za-z0-9]``."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(size))


class Engine:
    """Engine service for ``app_id`` in ``namespace``."""

    def __init__(
        self,
        app_id: str,
        namespace: str,
        engine_guid: str,
        providers: Providers,
        *,
        max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
        clock: Clock | None = None,
    ) -> None:
        self.app_id = app_id
        self.namespace = namespace
        self.guid = engine_guid
        self.clock: Clock = clock or SystemClock()
        self.providers = providers
        self.store = StoreService(providers, namespace, app_id)
        self.timers = Timers(self)
        self.router: Router | None = None
        self.stream_key = Key.stream(namespace, app_id)
        self.max_payload_bytes = max_payload_bytes
        self.version: str | None = None
        self.cache_mode = "cache"
        self.until_version: str | None = None
        self.inited = format_iso_date()
        self._callbacks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._early: dict[str, tuple[float, dict[str, Any]]] = {}
        self._subscriptions: dict[str, Any] = {}
        self._psubscriptions: dict[str, Any] = {}

    # -- lifecycle --------------------------------------------------------------------------
    async def init(self, router: Router | None) -> None:
        """Lock in the active version from the database, then consume the engine stream."""
        await self.store.set_settings("0.0.55")
        record = await self.store.get_app(self.app_id, refresh=True)
        self.version = self.store.active_version(record) if record else None
        self.router = router
        if router is not None:
            await router.consume_messages(self.stream_key, "ENGINE", self.guid,
                                          self.process_stream_message)
        else:
            await self.providers.stream.create_group(self.stream_key, "ENGINE")

    def now_ms(self) -> int:
        return self.clock.now_ms()

    def worker_stream_key(self, topic: str) -> Key:
        return Key.stream(self.namespace, self.app_id, topic)

    def quorum_channel(self, suffix: str = "") -> str:
        return Key.quorum(self.namespace, self.app_id, suffix).render()

    def cache_invalidate(self) -> None:
        """Drop every cached artifact; called by the quorum when a version activates."""
        self.store.invalidate()

    def set_cache_mode(self, mode: str, until_version: str | None) -> None:
        self.cache_mode = mode
        self.until_version = until_version
        self.store.invalidate()

    async def get_vid(self) -> tuple[str, str]:
        """``(app_id, active version)`` (runtime 2.2)."""
        if self.cache_mode == "nocache" or self.version is None:
            record = await self.store.get_app(self.app_id, refresh=True)
            version = self.store.active_version(record) if record else None
            if version is None:
                raise HotMeshError(f"no app found for id {self.app_id}")
            if self.cache_mode == "nocache":
                if version == self.until_version:
                    self.cache_mode = "cache"
                    self.version = version
                    self.store.invalidate()
                return self.app_id, version
            self.version = version
        return self.app_id, self.version

    # -- activity resolution ----------------------------------------------------------------
    async def init_activity(
        self, topic: str, data: Any = None, context: dict[str, Any] | None = None,
    ) -> Activity:
        app_id, version = await self.get_vid()
        if topic.startswith("."):
            aid: str | None = topic[1:]
        else:
            aid = await self.store.get_subscription(topic, version)
            if aid is None:
                raise UnknownTopicError(
                    f"no subscription found for topic {topic} in app {app_id} "
                    f"for app version {version}")
        schema = await self.store.get_schema(str(aid), version)
        if schema is None:
            raise HotMeshError(f"activity {aid} not found in app {app_id} version {version}")
        cls = ACTIVITIES.get(str(schema.get("type")))
        if cls is None:
            raise HotMeshError(f"activity type {schema.get('type')} not found")
        now = format_iso_date()
        metadata = {"aid": aid, "atp": schema.get("type"), "stp": schema.get("subtype"),
                    "ac": now, "au": now}
        metadata = {k: v for k, v in metadata.items() if v is not None}
        return cls(self, schema, data, metadata, None, context)

    # -- stream messages --------------------------------------------------------------------
    async def process_stream_message(self, message: dict[str, Any]) -> dict[str, Any] | None:
        """Run one engine-stream message (runtime 2.4); returns nothing to publish."""
        md = message.get("metadata") or {}
        kind = message.get("type")
        context: dict[str, Any] = {
            "metadata": {k: md.get(k) for k in ("guid", "jid", "gid", "dad", "aid")},
            "data": message.get("data"),
        }
        token = _ENGINE_STEP.set(True)
        try:
            if kind == "timehook":
                activity = await self.init_activity(f".{md['aid']}", message.get("data"),
                                                    context)
                assert isinstance(activity, Hook)
                await activity.process_time_hook_event()
            elif kind == "webhook":
                activity = await self.init_activity(f".{md['aid']}", message.get("data"),
                                                    context)
                assert isinstance(activity, Hook)
                await activity.process_web_hook_event(message.get("status") or "success",
                                                      _code(message.get("code")))
            elif kind == "transition":
                activity = await self.init_activity(f".{md['aid']}", message.get("data"),
                                                    context)
                await activity.process()
            elif kind == "await":
                await self._start_child(message, context)
            elif kind == "cleanup":
                await self.timers.process_cleanup(str(md.get("jid")),
                                                  (message.get("data") or {}).get("mode"))
            else:
                activity = await self.init_activity(f".{md['aid']}", message.get("data"),
                                                    context)
                await activity.process_event(message.get("status") or "success",
                                             _code(message.get("code")), "output")
        except DROPPED_ERRORS as err:
            log.info("engine-message-dropped %s: %s", type(err).__name__, err)
        except Exception:
            log.exception("engine-process-stream-message-error type=%s aid=%s jid=%s",
                          kind, md.get("aid"), md.get("jid"))
            raise
        finally:
            _ENGINE_STEP.reset(token)
        return None

    def fold_ack(self, tx: Transaction) -> None:
        """Acknowledge the engine-stream message being handled inside ``tx`` (one commit).

        Called on the last transaction of a step only: an earlier ack could lose the
        message if the process died before the step's state was written. Outside an engine
        step (``pub`` from user code or a worker callback) it does nothing.
        """
        if _ENGINE_STEP.get() and self.router is not None:
            self.router.fold_ack(tx)

    def redelivered(self) -> bool:
        """The engine-stream message of this step was delivered before and never acked.

        Its ack rides in the step's last commit, so an earlier delivery died (or failed)
        before that commit: collation guards it already passed must not drop it now.
        """
        return bool(_ENGINE_STEP.get()) and self.router is not None and (
            self.router.redelivered())

    async def _start_child(self, message: dict[str, Any], context: dict[str, Any]) -> None:
        md = message.get("metadata") or {}
        context["metadata"] = {
            **context["metadata"],
            "pj": md.get("jid"), "pg": md.get("gid"), "pd": md.get("dad"),
            "pa": md.get("aid"), "px": md.get("await") is False,
            "trc": md.get("trc"), "spn": md.get("spn"),
        }
        try:
            activity = await self.init_activity(str(md.get("topic")), message.get("data"),
                                                context)
            assert isinstance(activity, Trigger)
            await activity.process()
        except DROPPED_ERRORS:
            raise
        except Exception as err:
            log.warning("await-child-start-failed %s", err)
            await self._publish(None, {
                "status": "error", "code": 500,
                "metadata": {"guid": guid(), "jid": md.get("jid"), "gid": md.get("gid"),
                             "dad": md.get("dad"), "aid": md.get("aid"),
                             "trc": md.get("trc"), "spn": md.get("spn")},
                "data": {"message": str(err), "code": 500},
                "type": "response",
            })

    async def _publish(self, topic: str | None, message: dict[str, Any],
                       delay_ms: int = 0) -> str:
        message = to_wire(message)
        if self.router is not None:
            result = await self.router.publish_message(topic, message, delay_ms=delay_ms)
            return str(result)
        key = self.worker_stream_key(topic) if topic else self.stream_key
        ids = await self.providers.stream.publish(key, [message], delay_ms)
        return ids[0]

    async def add(self, stream_data: dict[str, Any]) -> str:
        """Raw publish to the engine stream (HotMesh's ``add``)."""
        return await self._publish(None, stream_data)

    # -- job completion (runtime 2.5) -------------------------------------------------------
    async def run_job_completion_tasks(
        self, context: dict[str, Any], *, emit: bool = False, interrupt: bool = False,
        expire: float | None = None,
    ) -> str | None:
        """Answer the parent, notify subscribers and schedule the cleanup (one commit)."""
        md = context.get("metadata") or {}
        is_await = bool(md.get("pj") and md.get("pa") and not md.get("px"))
        is_one_time = bool(md.get("ngn"))
        publishes = await self._publishes_topic(context)
        # the parent's result, the job messages and the cleanup timer: one commit
        tx = self.store.transaction()
        queued = 0
        parent_at: int | None = None
        if is_await or is_one_time or publishes:
            output = await self.get_state(str(md.get("tpc")), str(md.get("jid")))
            if is_await:
                self.exec_adjacent_parent_in(tx, context, output, emit)
                parent_at = queued
                queued += 1
            if is_one_time:
                if md["ngn"] == self.guid:
                    # our own pubsub caller: answered in memory once this commits (the
                    # reply channel is private to it; no row, no NOTIFY for every listener)
                    reply, jid = to_wire(output), str(md.get("jid"))
                    tx.on_commit(lambda: self.route_to_subscribers(jid, reply))
                else:
                    tx.publish(self.quorum_channel(str(md["ngn"])),
                               to_wire({"type": "job", "topic": md.get("jid"), "job": output}))
                queued += 1
            if publishes:
                tx.publish(self.quorum_channel(f"{publishes}.{md.get('jid')}"),
                           to_wire({"type": "job", "topic": publishes, "job": output}))
                queued += 1
        if not emit:
            seconds = expire if expire is not None else md.get("expire")
            if seconds is None:
                seconds = 1
            queued += self.timers.queue_job_cleanup(tx, str(md.get("jid")), float(seconds),
                                                    interrupt)
        if not queued:
            return None
        if parent_at is None:
            await tx.submit()
            return None
        results = await tx.exec()
        return str(results[parent_at])

    async def _publishes_topic(self, context: dict[str, Any]) -> str | None:
        md = context.get("metadata") or {}
        aid = md.get("aid") or (((context.get("$self") or {}).get("output") or {})
                                .get("metadata") or {}).get("aid")
        if not aid:
            return None
        _, version = await self.get_vid()
        schema = await self.store.get_schema(str(aid), version)
        return (schema or {}).get("publishes")

    def _parent_message(
        self, context: dict[str, Any], job_output: dict[str, Any], emit: bool,
    ) -> dict[str, Any] | None:
        md = context.get("metadata") or {}
        if not (md.get("pj") and md.get("pa")):
            return None
        message: dict[str, Any] = {
            "metadata": {"guid": guid(), "jid": md["pj"], "gid": md.get("pg"),
                         "dad": md.get("pd"), "aid": md["pa"], "trc": md.get("trc"),
                         "spn": md.get("spn")},
            "type": "result",
            "data": job_output.get("data") if "data" in job_output else None,
        }
        err = _parse_err((job_output.get("metadata") or {}).get("err"))
        if isinstance(err, dict) and err.get("code"):
            message.update(status="error", code=err["code"], data=err)
            if err.get("stack"):
                message["stack"] = err["stack"]
        elif emit:
            message.update(status="pending", code=202)
        else:
            message.update(status="success", code=200)
        if message["data"] is None:
            message["data"] = {}
        return message

    def exec_adjacent_parent_in(
        self, tx: Transaction, context: dict[str, Any], job_output: dict[str, Any],
        emit: bool = False,
    ) -> None:
        """Queue the awaiting parent's ``result`` message on ``tx``."""
        message = self._parent_message(context, job_output, emit)
        if message is not None:
            tx.xadd(self.stream_key, to_wire(message))

    async def exec_adjacent_parent(
        self, context: dict[str, Any], job_output: dict[str, Any], emit: bool = False,
    ) -> str | None:
        """Send the awaiting parent its ``result`` (or a severed child's confirmation)."""
        message = self._parent_message(context, job_output, emit)
        if message is None:
            return None
        return await self._publish(None, message)

    # -- pub / pubsub (runtime 2.6) ---------------------------------------------------------
    def _check_payload(self, data: Any) -> None:
        size = len(js_stringify(data).encode())
        if size > self.max_payload_bytes:
            raise PayloadTooLargeError(
                f"payload is {size} bytes; the configured limit is {self.max_payload_bytes}")

    async def pub(
        self, topic: str, data: Any = None, context: dict[str, Any] | None = None,
        extended: dict[str, Any] | None = None,
    ) -> str:
        data = {} if data is None else data
        self._check_payload(data)

        async def create() -> str:
            activity = await self.init_activity(topic, data, context)
            if not isinstance(activity, Trigger):
                raise UnknownTopicError(f"topic {topic} does not address a trigger")
            return await activity.process(extended)

        # the job's creation, its first messages and (for a job that completes at once)
        # its completion tasks: one unit of work, one commit on Postgres
        return await self.providers.store.atomically(create)

    async def pubsub(
        self, topic: str, data: Any = None, context: dict[str, Any] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - api.md names it
    ) -> dict[str, Any]:
        given = context or {}
        raw = given.get("metadata")
        nested: dict[str, Any] = raw if isinstance(raw, dict) else {}
        ctx = {"metadata": {"ngn": self.guid, "trc": nested.get("trc") or given.get("trc"),
                            "spn": nested.get("spn") or given.get("spn")}}
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        jid = await self.pub(topic, data, ctx)
        early = self._early.pop(jid, None)
        if early is not None:
            future.set_result(early[1])
        else:
            self._callbacks[jid] = future
        try:
            output = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise PubSubTimeoutError(jid, timeout) from None
        finally:
            self._callbacks.pop(jid, None)
        err = _parse_err((output.get("metadata") or {}).get("err"))
        if err is not None:
            details = err if isinstance(err, dict) else {"message": str(err)}
            raise JobFailedError(
                str(details.get("message", "")), code=int(details.get("code") or 500),
                job_id=jid, stack=details.get("stack"), details=details)
        return output

    def route_to_subscribers(self, topic: str, job: dict[str, Any]) -> None:
        """A ``job`` message on this engine's one-time channel: resolve its ``pubsub``."""
        jid = str(((job or {}).get("metadata") or {}).get("jid") or topic)
        future = self._callbacks.pop(jid, None)
        if future is not None and not future.done():
            future.set_result(job)
            return
        # the job may finish before pub() returns its id: keep it for the waiter
        now = time.monotonic()
        self._early[jid] = (now, job)
        if len(self._early) > 1000:
            for key, (seen, _) in list(self._early.items()):
                if now - seen > _BUFFER_SECONDS:
                    self._early.pop(key, None)

    async def on_quorum_message(self, channel: str, message: dict[str, Any]) -> None:
        if message.get("type") == "job":
            self.route_to_subscribers(str(message.get("topic")), message.get("job") or {})

    # -- sub / psub -------------------------------------------------------------------------
    async def sub(self, topic: str, callback: Any) -> None:
        async def handler(channel: str, message: dict[str, Any]) -> None:
            result = callback(message.get("topic"), message.get("job"))
            if asyncio.iscoroutine(result):
                await result

        from .quorum import ChannelMux

        previous = self._subscriptions.pop(topic, None)
        mux = ChannelMux.of(self.providers.sub)
        if previous is not None:
            await mux.unsubscribe(self.quorum_channel(topic), previous)
        self._subscriptions[topic] = handler
        # through the mux: instances sharing one Sub must not replace each other's callback
        await mux.subscribe(self.quorum_channel(topic), handler)

    async def unsub(self, topic: str) -> None:
        from .quorum import ChannelMux

        handler = self._subscriptions.pop(topic, None)
        if handler is not None:
            await ChannelMux.of(self.providers.sub).unsubscribe(self.quorum_channel(topic),
                                                                handler)

    async def psub(self, pattern: str, callback: Any) -> None:
        async def handler(channel: str, message: dict[str, Any]) -> None:
            result = callback(message.get("topic"), message.get("job"))
            if asyncio.iscoroutine(result):
                await result

        self._psubscriptions[pattern] = handler
        await self.providers.sub.psubscribe(self.quorum_channel(pattern), handler)

    async def punsub(self, pattern: str) -> None:
        self._psubscriptions.pop(pattern, None)
        await self.providers.sub.punsubscribe(self.quorum_channel(pattern))

    # -- hooks (runtime 2.9) ----------------------------------------------------------------
    async def hook(
        self, topic: str, data: Any, status: str | None = None, code: int | None = None,
    ) -> str:
        rule = await self.store.get_hook_rule(topic)
        if rule is None:
            raise UnknownSignalError(f"unable to find hook rule for topic {topic}")
        self._check_payload(data)
        message = {
            "type": "webhook", "status": status or "success",
            "code": 200 if code is None else code,
            "metadata": {"guid": guid(), "aid": rule["to"], "topic": topic},
            "data": data,
        }
        return await self._publish(None, message)

    async def hook_all(
        self, hook_topic: str, data: Any, query: dict[str, Any],
        query_facets: list[str] | tuple[str, ...] = (),
    ) -> list[str]:
        from .reporter import Reporter

        rule = await self.store.get_hook_rule(hook_topic)
        if rule is None:
            raise UnknownSignalError(f"unable to find hook rule for topic {hook_topic}")
        topic = await self._graph_topic_of(str(rule["to"]))
        resolved = await self.resolve_query(topic, query)
        reporter = Reporter(self)
        keys = await reporter.get_work_items(resolved, list(query_facets))
        for key in keys:
            processed = Key(key.kind, key.ns, key.app, key.id, key.extra + ":processed")
            while True:
                jid = await self.store.store.lmove(key, processed)
                if jid is None:
                    break
                await self.hook(hook_topic, {**(data or {}), "id": jid})
            if query.get("scrub"):
                await self.store.store.delete(processed, self.store.stats_key(*key.id.rsplit(
                    ":", 1)))
            else:
                await self.store.store.rename(processed, key)
        return [k.render() for k in keys]

    async def _graph_topic_of(self, aid: str) -> str:
        _, version = await self.get_vid()
        schema = await self.store.get_schema(aid, version)
        if schema is None:
            raise HotMeshError(f"activity {aid} not found")
        return str(schema.get("subscribes"))

    # -- interrupt (runtime 2.10) -----------------------------------------------------------
    async def interrupt(
        self, topic: str, jid: str, options: dict[str, Any] | None = None,
    ) -> str | None:
        opts = dict(options or {})
        suppress = bool(opts.get("suppress"))
        try:
            await self._interrupt_state(topic, jid, opts)
        except HotMeshError:
            if not suppress:
                raise
            log.debug("suppressed-interrupt %s", jid)
        try:
            output = await self.get_state(topic, jid)
        except GetStateError:
            if suppress:
                return None
            raise
        context = {"metadata": {**output.get("metadata", {}), "tpc": topic},
                   "data": output.get("data")}
        return await self.run_job_completion_tasks(
            context, interrupt=bool(opts.get("descend")), expire=opts.get("expire"))

    async def _interrupt_state(self, topic: str, jid: str, opts: dict[str, Any]) -> None:
        status = await self.store.get_status(jid)
        if status <= 0:
            raise HotMeshError(f"Job {jid} already completed")
        tx = self.store.transaction()
        self.store.set_status(tx, jid, collator.INTERRUPT_AMOUNT)
        if opts.get("throw") is not False:
            err = {"code": opts.get("code") or 410,
                   "message": opts.get("reason") or f"job [{jid}] interrupted",
                   "stack": opts.get("stack") or "", "job_id": jid}
            await self.store.set_state(tx, {"metadata/err": js_stringify(err)}, None, jid,
                                       [f"${topic}"], {})
        results = await tx.exec()
        if float(results[0]) <= collator.INTERRUPT_AMOUNT:
            raise HotMeshError(f"Job {jid} already completed")

    async def compress(self, terms: list[str]) -> bool:
        """Give ``terms`` two-letter value symbols (runtime 2.12); True if any was new."""
        from .serializer import filter_sym_vals

        key = self.store.key(KeyType.SYMVALS)
        existing = await self.providers.store.hgetall(key)
        new = filter_sym_vals(len(existing), 2703, existing, list(dict.fromkeys(terms)))
        if not new:
            return False
        added = await self.providers.store.hset(key, new)
        self.store.invalidate()
        return added > 0

    async def scrub(self, jid: str) -> None:
        await self.store.scrub(jid)

    # -- reading state (runtime 2.7) --------------------------------------------------------
    async def get_status(self, jid: str) -> int:
        return int(await self.store.get_status(jid))

    async def get_state(self, topic: str, jid: str) -> dict[str, Any]:
        job_set = f"${topic}"
        symbols = await self.store.get_symbol_keys([job_set])
        paths = list(symbols.get(job_set, {})) or [f"metadata/{k}" for k in JOB_KEYS]
        state, _ = await self.store.get_state(jid, {job_set: paths}, {})
        tree = restore_hierarchy(state)
        output: dict[str, Any] = {"metadata": tree.get("metadata", {})}
        if tree.get("data"):
            output["data"] = tree["data"]
        return output

    async def get_query_state(self, jid: str, fields: list[str]) -> dict[str, Any]:
        return await self.store.get_query_state(jid, fields)

    async def get_raw(self, jid: str) -> dict[str, str]:
        return await self.store.get_raw(jid)

    async def export(self, jid: str) -> dict[str, Any]:
        from .exporter import Exporter

        return await Exporter(self.store).export(jid)

    # -- stats (runtime 6) ------------------------------------------------------------------
    async def resolve_query(self, topic: str, query: dict[str, Any]) -> dict[str, Any]:
        from .reporter import resolve_query

        return await resolve_query(self, topic, query)

    async def get_stats(self, topic: str, query: dict[str, Any]) -> dict[str, Any]:
        from .reporter import Reporter

        return await Reporter(self).get_stats(await self.resolve_query(topic, query))

    async def get_ids(
        self, topic: str, query: dict[str, Any], query_facets: list[str] | tuple[str, ...] = (),
    ) -> dict[str, Any]:
        from .reporter import Reporter

        return await Reporter(self).get_ids(await self.resolve_query(topic, query),
                                            list(query_facets))

    # -- deploy -----------------------------------------------------------------------------
    async def plan(self, path_or_yaml: str) -> dict[str, Any]:
        from .compiler import load_app

        return load_app(path_or_yaml)

    async def deploy(self, path_or_yaml: str) -> dict[str, Any]:
        from .compiler import deploy, load_app

        manifest = load_app(path_or_yaml)
        result = await deploy(self.store.store, self.namespace, self.app_id, manifest,
                              stream=self.providers.stream, clock=self.clock)
        self.store.invalidate()
        return result if isinstance(result, dict) else manifest

    async def activate_version(self, version: str) -> bool:
        """Stamp ``version`` active in the app record (the quorum's final step)."""
        await self.store.activate_app_version(self.app_id, version)
        self.version = version
        self.store.invalidate()
        return True

    async def stop(self) -> None:
        if self.router is not None:
            await self.router.stop_consuming()
        for future in self._callbacks.values():
            if not future.done():
                future.cancel()
        self._callbacks.clear()


def _code(value: Any) -> int:
    if value is None or value == "":
        return 200
    try:
        return int(value)
    except (TypeError, ValueError):
        return 500


def _parse_err(err: Any) -> Any:
    if err is None or err == "":
        return None
    if isinstance(err, dict):
        return err
    try:
        return json.loads(str(err))
    except ValueError:
        return {"message": str(err), "code": 500}
