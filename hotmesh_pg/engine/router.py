"""The stream consumer shared by engines and workers (runtime.md 3.1-3.8).

One :class:`Router` consumes one stream for one consumer group: it claims batches of
entries, runs the callback on each, turns the callback's answer into a response on the
engine stream (or a delayed retry), and acknowledges the entry. What differs from HotMesh
0.0.55, and why:

* Entries are processed concurrently, up to ``max_in_flight`` at once, instead of one by
  one: a worker callback or an engine step mostly waits on the database.
* The response publish and the ack of the entry it answers commit in one transaction, and
  the transactions of messages finishing together are group-committed: a crash can no
  longer leave a response published but its request pending (or the reverse).
* An engine step runs as one unit of work (``Store.atomically``): on Postgres its reads,
  writes, follow-up messages, completion tasks and the ack of its entry are one database
  transaction, so an engine step costs one commit and a crash leaves all of it or none.
* Retries are published with delayed visibility rather than slept through in the loop, so a
  retry never stalls other messages. The delays are HotMesh's 10 / 100 / 1000 / 10000 ms.
* Fixed reference bugs (3.10): a policy ``max > 3`` stops at ``max``; engine-bound retries go
  to the engine stream and keep ``type``; a dead-lettered entry without metadata is acked;
  the loop always backs off and resumes after errors; an exception raised by the engine's
  own handler is never published back to the engine stream (that looped forever in the
  reference): a ``HotMeshError`` is logged and acked, any other error leaves the entry
  pending for reclaim (bounded by ``reclaim_count``, then dead-lettered).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from .. import settings
from ..errors import HotMeshError, ProviderError
from ..keys import Key
from ..logger import HotMeshLogger, ILogger
from ..providers.protocols import PendingEntry, Providers, StreamMessage, Transaction
from ..telemetry import TelemetryService
from .responses import (
    code_of,
    guid,
    should_retry,
    structure_error,
    structure_unacknowledged_error,
    structure_unhandled_error,
    try_count,
)

__all__ = [
    "ENGINE_GROUP",
    "WORKER_GROUP",
    "Router",
    "RouterCallback",
    "StreamRole",
    "guid",
    "should_retry",
    "structure_error",
]

StreamRole = Literal["engine", "worker", "system"]
RouterCallback = Callable[[dict[str, Any]], Awaitable[dict[str, Any] | None]]
JSONDict = dict[str, Any]

ENGINE_GROUP = "ENGINE"
WORKER_GROUP = "WORKER"


# -- delivery context (fold_ack) ------------------------------------------------------------
@dataclass
class _Delivery:
    stream: Key
    group: str
    id: str
    folded: bool = False
    deliveries: int = 1


_DELIVERY: contextvars.ContextVar[_Delivery | None] = contextvars.ContextVar(
    "hotmesh_router_delivery", default=None
)


@dataclass
class _Publish:
    topic: str | None
    message: JSONDict
    delay_ms: int = 0


@dataclass
class _Commit:
    publish: _Publish | None
    stream: Key
    group: str
    id: str | None
    future: asyncio.Future[str | None] = field(repr=False)


class Router:
    """Consumes one stream (engine or worker topic) for one consumer of a group.

    ``reclaim_delay_ms`` / ``reclaim_count`` of ``None`` or 0 take the defaults (HotMesh used
    ``||``). ``retry`` is a worker's structured retry policy (3.4.3), used when a message
    carries no YAML policy for the failing code.
    """

    instances: ClassVar[set[Router]] = set()

    def __init__(
        self,
        app_id: str,
        namespace: str,
        guid: str,
        role: StreamRole,
        providers: Providers,
        *,
        reclaim_delay_ms: int | None = None,
        reclaim_count: int | None = None,
        throttle_ms: int = 0,
        logger: ILogger | None = None,
        topic: str | None = None,
        retry: Mapping[str, Any] | None = None,
        max_in_flight: int | None = None,
        block_time_ms: int | None = None,
    ) -> None:
        if role not in ("engine", "worker", "system"):
            raise ValueError(f"router role [{role!r}] is invalid: expected engine or worker")
        self.app_id = app_id
        self.namespace = namespace
        self.guid = guid
        self.role: StreamRole = role
        self.topic = topic
        self.providers = providers
        self.reclaim_delay_ms = int(reclaim_delay_ms or settings.HMSH_XCLAIM_DELAY_MS)
        self.reclaim_count = int(reclaim_count or settings.HMSH_XCLAIM_COUNT)
        self.retry = dict(retry) if retry else None
        self.max_in_flight = max(1, int(max_in_flight or settings.HMSH_ROUTER_MAX_IN_FLIGHT))
        self.block_time_ms = int(block_time_ms or settings.HMSH_BLOCK_TIME_MS)
        self.logger: ILogger = logger or HotMeshLogger(app_id, guid)
        self.throttle = 0
        self.error_count = 0
        self.counts: dict[str, int] = {}
        self.should_consume = False
        self._throttle_changed = asyncio.Event()
        self._stopped = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._held: set[str] = set()
        """Entry ids this router is still working on (callback or retry under way): its own
        reclaim must not take them back, or a callback running longer than the reclaim
        delay would be started again in this very process, every delay, until
        dead-lettered."""
        self._retries: set[asyncio.Task[None]] = set()
        self._slot_free = asyncio.Event()
        self._pending_commits: list[_Commit] = []
        self._committer: asyncio.Task[None] | None = None
        self._last_reclaim_ms = 0.0
        self.set_throttle(throttle_ms)

    # -- publishing ----------------------------------------------------------------------------
    def stream_key(self, topic: str | None) -> Key:
        return Key.stream(self.namespace, self.app_id, topic or "")

    async def publish_message(
        self,
        topic: str | None,
        message: JSONDict,
        tx: Transaction | None = None,
        *,
        delay_ms: int = 0,
    ) -> str | Transaction:
        """Append ``message`` to the stream of ``topic`` (``None``: the engine stream).

        With ``tx`` the entry is only queued on it and ``tx`` is returned; otherwise the new
        entry id. ``delay_ms`` keeps the entry invisible that long (used for retries).
        """
        code = str(message.get("code") or settings.HMSH_CODE_SUCCESS)
        self.counts[code] = self.counts.get(code, 0) + 1
        key = self.stream_key(topic)
        if tx is not None:
            return tx.xadd(key, message, delay_ms)
        ids = await self.providers.stream.publish(key, [message], delay_ms)
        return ids[0]

    # -- throttle (3.7) ------------------------------------------------------------------------
    def set_throttle(self, delay_ms: int) -> None:
        """Wait at least ``delay_ms`` between batches; a change applies to a sleep under way."""
        if isinstance(delay_ms, bool) or not isinstance(delay_ms, int) or delay_ms < 0:
            raise ValueError("Throttle must be a non-negative integer")
        self.throttle = delay_ms
        self._throttle_changed.set()

    async def _throttle_sleep(self) -> None:
        if self.throttle == 0:
            return
        start = time.monotonic()
        while self.should_consume:
            remaining = self.throttle / 1000 - (time.monotonic() - start)
            if remaining <= 0:
                return
            self._throttle_changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._throttle_changed.wait(), remaining)

    # -- consuming (3.2) ----------------------------------------------------------------------
    async def consume_messages(
        self, stream: Key, group: str, consumer: str, callback: RouterCallback
    ) -> None:
        """Create the group, then consume ``stream`` in a background task until stopped.

        Returns once the group exists, so a message published afterwards is never missed.
        """
        self.logger.info(
            "stream-consumer-starting", {"group": group, "consumer": consumer,
                                         "stream": stream.render()}
        )
        Router.instances.add(self)
        self.should_consume = True
        self._stopped.clear()
        await self.providers.stream.create_group(stream, group)
        self._last_reclaim_ms = time.monotonic() * 1000
        self._loop_task = asyncio.create_task(
            self._consume_loop(stream, group, consumer, callback),
            name=f"hotmesh-router-{self.role}-{stream.render()}",
        )

    def _block_ms(self) -> int:
        """HotMesh's 1x-2x randomised block time, cut short for a reclaim check that falls
        due and capped at ``HMSH_MAX_BLOCK_MS`` per read (the loop simply reads again)."""
        block = self.block_time_ms + round(self.block_time_ms * random.random())
        until_reclaim = self._last_reclaim_ms + self.reclaim_delay_ms - time.monotonic() * 1000
        return max(1, min(block, math.ceil(until_reclaim) + 1, settings.HMSH_MAX_BLOCK_MS))

    async def _wait_for_slot(self) -> None:
        while len(self._in_flight) >= self.max_in_flight and self.should_consume:
            self._slot_free.clear()
            await self._race_stop(self._slot_free.wait())

    async def _race_stop(self, awaitable: Awaitable[Any]) -> Any:
        """Await ``awaitable`` unless the router is stopped first (then cancel it)."""
        task = asyncio.ensure_future(awaitable)
        stopper = asyncio.ensure_future(self._stopped.wait())
        try:
            await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if task.done():
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        return None

    async def _consume_loop(
        self, stream: Key, group: str, consumer: str, callback: RouterCallback
    ) -> None:
        while True:
            await self._throttle_sleep()
            if not self.should_consume:
                self.logger.info(
                    "stream-consumer-stopping",
                    {"group": group, "consumer": consumer, "stream": stream.render()},
                )
                return
            try:
                await self._wait_for_slot()
                if not self.should_consume:
                    continue
                free = self.max_in_flight - len(self._in_flight)
                batch: list[StreamMessage] | None = await self._race_stop(
                    self.providers.stream.consume(stream, group, consumer, free, self._block_ms())
                )
                for message in batch or []:
                    self._spawn(self.consume_one(stream, group, message, callback))
                now_ms = time.monotonic() * 1000
                if self.should_consume and now_ms - self._last_reclaim_ms >= self.reclaim_delay_ms:
                    self._last_reclaim_ms = now_ms
                    for message in await self.claim_unacknowledged(stream, group, consumer):
                        self._spawn(self.consume_one(stream, group, message, callback))
                self.error_count = 0
            except Exception as err:
                if not self.should_consume:
                    continue
                self.error_count += 1
                backoff_ms = min(
                    settings.HMSH_GRADUATED_INTERVAL_MS * 2**self.error_count,
                    settings.HMSH_MAX_TIMEOUT_MS,
                )
                self.logger.error(
                    "stream-consume-message-error",
                    {"err": err, "stream": stream.render(), "group": group,
                     "consumer": consumer, "retry_in_ms": backoff_ms},
                )
                await self._race_stop(asyncio.sleep(backoff_ms / 1000))

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._in_flight.add(task)

        def done(t: asyncio.Task[None]) -> None:
            self._in_flight.discard(t)
            self._slot_free.set()

        task.add_done_callback(done)

    # -- one message (3.3) --------------------------------------------------------------------
    async def consume_one(
        self, stream: Key, group: str, message: StreamMessage, callback: RouterCallback
    ) -> None:
        """Run ``callback`` on one entry, publish its response and ack the entry.

        If publishing or acking fails the entry stays pending and is reclaimed later.
        """
        self.logger.debug("stream-consume-one", {"group": group, "stream": stream.render(),
                                                 "id": message.id})
        input_ = message.data
        if not isinstance(input_, dict) or not isinstance(input_.get("metadata"), dict):
            self.logger.error(
                "stream-consume-one-error",
                {"group": group, "stream": stream.render(), "id": message.id,
                 "err": f"entry is not a stream message (got {type(input_).__name__} "
                        "without a metadata object); dropped"},
            )
            try:
                await self._commit(None, stream, group, message.id)
            except Exception as err:  # still pending: the next reclaim drops it again
                self.logger.error("stream-consume-one-error",
                                  {"stream": stream.render(), "id": message.id, "err": err})
            return
        telemetry = TelemetryService(self.app_id).start_stream_span(input_, self.role)
        delivery = _Delivery(stream, group, message.id, deliveries=message.deliveries)
        token = _DELIVERY.set(delivery)
        self._held.add(message.id)
        retrying = False
        try:
            if self.role == "engine":
                output = await self._exec_engine_unit(input_, stream, delivery, callback)
            else:
                output = await self._exec_stream_leg(input_, stream, message.id, callback)
            if isinstance(output, dict) and output.get("status") == "error":
                telemetry.set_stream_error(
                    f"Function Status Code {output.get('code') or settings.HMSH_CODE_UNKNOWN}"
                )
            publish = self._plan_response(input_, output)
            if publish is not None and publish.delay_ms > 0:
                # A retry: wait out its backoff off the slot, then re-publish and ack.
                self._spawn_retry(publish, stream, group, message.id)
                retrying = True
                return
            ack_id = None if delivery.folded else message.id
            try:
                message_id = await self._commit(publish, stream, group, ack_id)
            except ProviderError as err:
                if publish is None:
                    raise
                # The answer itself was refused (e.g. a value JSON cannot hold): the job
                # gets a 500 saying so instead of the entry failing until dead-lettered.
                self.logger.error("stream-publish-response-error",
                                  {"stream": stream.render(), "id": message.id, "err": err})
                refused = structure_error(input_, {"code": settings.HMSH_CODE_UNKNOWN,
                                                   "data": {"message": str(err)}})
                refused["type"] = "response"
                message_id = await self._commit(_Publish(None, refused), stream, group, ack_id)
            if message_id:
                telemetry.set_stream_attributes({"app.worker.mid": message_id})
        except asyncio.CancelledError:
            raise
        except Exception as err:
            self.logger.error(
                "stream-consume-one-error",
                {"group": group, "stream": stream.render(), "id": message.id, "err": err},
            )
            telemetry.set_stream_error(str(err))
        finally:
            if not retrying:
                self._held.discard(message.id)
            _DELIVERY.reset(token)
            telemetry.end_stream_span()
        self.logger.debug("stream-consume-one-end", {"group": group, "stream": stream.render(),
                                                     "id": message.id})

    async def _exec_engine_unit(
        self, input_: JSONDict, stream: Key, delivery: _Delivery, callback: RouterCallback
    ) -> JSONDict | None:
        """An engine step as one unit of work (one commit on Postgres).

        The step's reads, writes and follow-up messages and the ack of its entry commit
        together: if the step folded the ack into its last transaction that is already so;
        a step that answered nothing and did not fold it (a dropped duplicate, a message
        for a finished job) acks inside the unit. A step rerun after a deadlock starts with
        nothing folded.
        """
        async def unit() -> JSONDict | None:
            delivery.folded = False
            output = await self._exec_stream_leg(input_, stream, delivery.id, callback)
            if not delivery.folded and not isinstance(output, dict):
                tx = self.providers.store.transaction()
                tx.xack(delivery.stream, delivery.group, [delivery.id])
                await tx.submit()
                delivery.folded = True
            return output

        return await self.providers.store.atomically(unit)

    async def _exec_stream_leg(
        self, input_: JSONDict, stream: Key, entry_id: str, callback: RouterCallback
    ) -> JSONDict | None:
        try:
            return await callback(input_)
        except asyncio.CancelledError:
            raise
        except Exception as err:
            if self.role == "engine":
                # Never answer the engine's own failure on the engine stream: the answer
                # would fail the same way, forever (3.10). A HotMesh error is a verdict on
                # the message (acked and dropped); anything else (the database went away,
                # a driver error, a bug) leaves the entry pending, so it is reclaimed and
                # retried after the reclaim delay and dead-lettered after reclaim_count.
                if not isinstance(err, HotMeshError) or isinstance(err, ProviderError):
                    raise
                self.logger.error(
                    "stream-consume-one-error",
                    {"stream": stream.render(), "id": entry_id, "err": err,
                     "type": input_.get("type"), **_meta_tags(input_)},
                )
                return None
            self.logger.error(
                "stream-call-function-error",
                {"stream": stream.render(), "id": entry_id, "err": err,
                 "name": type(err).__name__, **_meta_tags(input_)},
            )
            return structure_unhandled_error(input_, err)

    def _spawn_retry(self, publish: _Publish, stream: Key, group: str, entry_id: str) -> None:
        """Re-publish after ``publish.delay_ms``, then ack the failed entry (one commit).

        The wait happens in its own task so the failed message does not hold a slot; the
        retry is published without delay, so it wakes blocked consumers on any provider.
        If the router stops first, the retry is published at once with the remaining delay
        as delayed visibility; if the process dies, the entry is still pending and is
        reclaimed (and retried) later.
        """
        async def retry() -> None:
            loop = asyncio.get_running_loop()
            due = loop.time() + publish.delay_ms / 1000
            await self._race_stop(asyncio.sleep(publish.delay_ms / 1000))
            publish.delay_ms = max(0, math.ceil((due - loop.time()) * 1000))
            try:
                await self._commit(publish, stream, group, entry_id)
            except Exception as err:
                self.logger.error(
                    "stream-retry-publish-error",
                    {"stream": stream.render(), "id": entry_id, "err": err,
                     **_meta_tags(publish.message)},
                )
            finally:
                self._held.discard(entry_id)

        task = asyncio.ensure_future(retry())
        self._retries.add(task)
        task.add_done_callback(self._retries.discard)

    def _plan_response(self, input_: JSONDict, output: Any) -> _Publish | None:
        """What to publish for ``output`` (3.3 step 5): nothing, a retry or a response."""
        if not isinstance(output, dict):
            return None
        if output.get("status") == "error":
            retry, delay_ms = should_retry(input_, output, self.retry)
            if retry:
                metadata = {**input_["metadata"], "try": try_count(input_) + 1}
                copy: JSONDict = {"data": input_.get("data"), "metadata": metadata}
                if "policies" in input_:
                    copy["policies"] = input_["policies"]
                if self.role == "engine":
                    if "type" in input_:
                        copy["type"] = input_["type"]
                    return _Publish(None, copy, delay_ms)
                return _Publish(input_["metadata"].get("topic"), copy, delay_ms)
            output = structure_error(input_, output)
        elif not isinstance(output.get("metadata"), dict):
            output["metadata"] = {**input_["metadata"], "guid": guid()}
        else:
            output["metadata"]["guid"] = guid()
        output["type"] = "response"
        return _Publish(None, output)

    # -- committing responses and acks ----------------------------------------------------------
    async def _commit(
        self, publish: _Publish | None, stream: Key, group: str, entry_id: str | None
    ) -> str | None:
        """Publish and/or ack atomically; returns the published entry's id.

        Commits of messages that finish while another commit is running are applied
        together in one transaction (group commit).
        """
        if publish is None and entry_id is None:
            return None
        loop = asyncio.get_running_loop()
        item = _Commit(publish, stream, group, entry_id, loop.create_future())
        self._pending_commits.append(item)
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._run_commits())
        return await item.future

    async def _run_commits(self) -> None:
        while self._pending_commits:
            batch, self._pending_commits = self._pending_commits, []
            try:
                results = await self._exec_commits(batch)
            except Exception:
                # One bad item (say an unserialisable response) must not fail its
                # neighbours: retry each on its own.
                for item in batch:
                    try:
                        (result,) = await self._exec_commits([item])
                        _resolve(item.future, result)
                    except Exception as err:
                        if not item.future.done():
                            item.future.set_exception(err)
                continue
            for item, result in zip(batch, results, strict=True):
                _resolve(item.future, result)

    async def _exec_commits(self, batch: list[_Commit]) -> list[str | None]:
        tx = self.providers.store.transaction()
        slots: list[tuple[int | None, int | None]] = []
        position = 0
        for item in batch:
            pub_at = ack_at = None
            if item.publish is not None:
                await self.publish_message(
                    item.publish.topic, item.publish.message, tx, delay_ms=item.publish.delay_ms
                )
                pub_at, position = position, position + 1
            if item.id is not None:
                tx.xack(item.stream, item.group, [item.id])
                ack_at, position = position, position + 1
            slots.append((pub_at, ack_at))
        results = await tx.exec()
        return [None if pub_at is None else str(results[pub_at]) for pub_at, _ in slots]

    @staticmethod
    def fold_ack(tx: Transaction) -> bool:
        """Queue the ack of the message being handled in this task onto ``tx``.

        For engine callbacks: the engine's own state transaction then also acknowledges the
        stream entry (one commit per step) and the router skips its separate ack. Returns
        ``False`` (and queues nothing) outside a router callback or if already folded.
        """
        delivery = _DELIVERY.get()
        if delivery is None or delivery.folded:
            return False
        tx.xack(delivery.stream, delivery.group, [delivery.id])
        delivery.folded = True
        return True

    @staticmethod
    def redelivered() -> bool:
        """Whether the message being handled in this task was delivered before.

        An earlier delivery that never acknowledged it died (or gave up) before its final
        commit, since the ack rides in that commit: the engine uses this to tell its own
        half-done attempt from a genuinely duplicated message (see ``Activity.verify_entry``).
        """
        delivery = _DELIVERY.get()
        return delivery is not None and delivery.deliveries > 1

    # -- reclaim and dead-letter (3.6) ----------------------------------------------------------
    async def claim_unacknowledged(
        self, stream: Key, group: str, consumer: str, idle_ms: int | None = None,
        limit: int | None = None,
    ) -> list[StreamMessage]:
        """Claim stale pending entries; dead-letter those delivered too often.

        Returns the entries to process again (each at most ``reclaim_count`` reclaims).
        """
        idle = self.reclaim_delay_ms if idle_ms is None else idle_ms
        entries: list[PendingEntry] = await self.providers.stream.pending(
            stream, group, limit or settings.HMSH_XPENDING_COUNT
        )
        reclaimed: list[StreamMessage] = []
        for entry in entries:
            if entry.idle_ms < idle or entry.id in self._held:
                continue  # not stale yet, or still being worked on right here
            claimed = await self.providers.stream.claim(stream, group, consumer, idle, [entry.id])
            if not claimed:
                continue  # another consumer won it
            if entry.deliveries <= self.reclaim_count:
                reclaimed.extend(claimed)
            else:
                await self.expire_unacknowledged(claimed[0], stream, group, consumer,
                                                 entry.deliveries)
        return reclaimed

    async def expire_unacknowledged(
        self, message: StreamMessage, stream: Key, group: str, consumer: str, count: int
    ) -> None:
        """Dead-letter: answer the entry with a 999 error response and ack it."""
        self.logger.error(
            "stream-message-max-delivery-count-exceeded",
            {"id": message.id, "stream": stream.render(), "group": group, "consumer": consumer,
             "code": settings.HMSH_CODE_UNACKED, "count": count},
        )
        input_ = message.data
        if not isinstance(input_, dict) or not isinstance(input_.get("metadata"), dict):
            self.logger.error("expire-unacknowledged-parse-fatal-error", {"id": message.id})
            try:
                await self._commit(None, stream, group, message.id)
            except Exception as err:
                self.logger.error("expire-unacknowledged-ack-fatal-error",
                                  {"id": message.id, "err": err})
            return
        telemetry = TelemetryService(self.app_id).start_stream_span(input_, "system")
        telemetry.set_stream_error("Stream Message Max Delivery Count Exceeded")
        try:
            if input_.get("type") == "response" and code_of(input_.get("code")) == (
                settings.HMSH_CODE_UNACKED
            ):
                publish = None  # a dead letter that itself died: do not answer it again
            else:
                publish = self._plan_response(input_, structure_unacknowledged_error(input_))
            message_id = await self._commit(publish, stream, group, message.id)
            if message_id:
                telemetry.set_stream_attributes({"app.worker.mid": message_id})
        except Exception as err:
            # publish and ack are one transaction here, so both failed together; HotMesh's
            # name for that case is kept for operators' alerts.
            name = "expire-unacknowledged-ack-fatal-error"
            self.logger.error(name, {"id": message.id, "err": err, **_meta_tags(input_)})
            telemetry.set_stream_attributes({"app.system.fatal": name})
        finally:
            telemetry.end_stream_span()

    # -- stop (3.8) -----------------------------------------------------------------------------
    async def stop_consuming(self, grace_ms: int | None = None) -> None:
        """Stop the loop, let in-flight messages finish for ``grace_ms``, then cancel them.

        A cancelled message is not acked and is reclaimed by another consumer later.
        Safe to call from inside a callback (the calling message is not waited for).
        """
        if not self.should_consume and self._loop_task is None:
            return
        self.should_consume = False
        self._stopped.set()
        self._throttle_changed.set()
        self.logger.info("stream-consumer-stopping",
                         {"topic": self.topic} if self.topic else {"role": self.role})
        Router.instances.discard(self)
        current = asyncio.current_task()
        loop_task, self._loop_task = self._loop_task, None
        if loop_task is not None and loop_task is not current:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await loop_task
        others = [t for t in self._in_flight if t is not current]
        if others:
            grace = (settings.HMSH_STOP_GRACE_MS if grace_ms is None else grace_ms) / 1000
            _, still = await asyncio.wait(others, timeout=grace)
            for task in still:
                task.cancel()
            if still:
                await asyncio.wait(still)
        if self._retries:
            # each publishes its retry with the remaining delay now that _stopped is set
            await asyncio.wait(list(self._retries))
        committer = self._committer
        if committer is not None and committer is not current and not committer.done():
            with contextlib.suppress(Exception):
                await committer

    @classmethod
    async def stop_all(cls, grace_ms: int | None = None) -> None:
        """Stop every router of this process (HotMesh's static ``stopConsuming``)."""
        await asyncio.gather(*(r.stop_consuming(grace_ms) for r in list(cls.instances)))

    @property
    def in_flight(self) -> int:
        """Messages being processed right now."""
        return len(self._in_flight)


def _resolve(future: asyncio.Future[str | None], value: str | None) -> None:
    if not future.done():
        future.set_result(value)


def _meta_tags(input_: Mapping[str, Any]) -> dict[str, Any]:
    meta = input_.get("metadata") or {}
    return {k: meta[k] for k in ("jid", "aid", "dad", "topic", "guid") if k in meta}
