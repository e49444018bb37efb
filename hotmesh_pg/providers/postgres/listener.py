"""The process's one LISTEN connection per target: stream wake-ups and pub/sub delivery.

Stream wake-ups go only where someone can hear them. A NOTIFY is not free: every backend
LISTENing on the channel runs a transaction to read it, so one wake-up per appending
transaction doubled the commits of a busy engine. Consumers therefore announce on a
presence channel, at most every :data:`ANNOUNCE_S` per stream, that their process consumes
the stream; a listener that starts asks everyone to announce again (``hello``). An append
sends its NOTIFY only if another process announced a consumer of that stream within
:data:`PRESENCE_TTL_S`, or if this listener cannot know (not listening yet, reconnecting,
poll-only, or in its first :data:`HELLO_GRACE_S` after connecting). Consumers of this
process are woken in memory (``wake``) or handed their entries directly (:mod:`.handoff`).

Notifications are hints. Stream consumers always poll on a bounded timeout as well; pub/sub
bodies live in ``sub_messages`` rows, so after the connection drops the listener reconnects,
re-LISTENs (saying so in the log) and catches up on rows published while it was away. In
poll-only mode (for poolers that cannot LISTEN) the same rows are read on an interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import secrets
import time
from collections import deque
from typing import Any, Protocol

import psycopg
from psycopg_pool import AsyncConnectionPool

from .handoff import Handoffs
from .queries import Queries, listen

__all__ = ["Listener", "channel_name"]

log = logging.getLogger("hotmesh_pg.postgres.listener")

POLL_INTERVAL_S = 0.25
RECONNECT_MAX_S = 5.0
ANNOUNCE_S = 5.0
"""A consumer's process re-announces each stream it consumes at most this often."""
PRESENCE_TTL_S = 4 * ANNOUNCE_S
"""An announced remote consumer is assumed present this long after its last announcement."""
HELLO_GRACE_S = 0.5
"""After (re)connecting, every append notifies until the other processes have re-announced
(they answer a hello at once; one that answers late costs its consumers at most a poll)."""



class SubSink(Protocol):
    def deliver(self, channel: str, message: Any) -> None: ...
    def count(self, channel: str) -> int: ...


def channel_name(schema: str, purpose: str) -> str:
    """Physical NOTIFY channel for ``purpose`` (``x`` streams, ``s`` pub/sub), <= 63 bytes."""
    name = f"hm_{purpose}_{schema}"
    if len(name.encode()) <= 63:
        return name
    return f"hm_{purpose}_" + hashlib.sha256(schema.encode()).hexdigest()[:40]


class Listener:
    def __init__(
        self, dsn: str, schema: str, queries: Queries, pool: AsyncConnectionPool,
        *, listen: bool = True,
    ) -> None:
        self.dsn = dsn
        self.queries = queries
        self.pool = pool
        self.listen = listen
        self.stream_channel = channel_name(schema, "x")
        self.sub_channel = channel_name(schema, "s")
        self.presence_channel = channel_name(schema, "p")
        self.token = secrets.token_hex(8)
        """Tells this listener's own presence notifications from other processes'."""
        self._remote: dict[str, float] = {}
        self._wakes: dict[str, int] = {}
        self._epoch = 0
        self._drained: dict[str, tuple[float, int]] = {}
        self._announced: dict[str, float] = {}
        self._quiet_from: float | None = None
        self._answers: set[asyncio.Future[None]] = set()
        self.generation = 0
        self.backend_pid: int | None = None
        self.connected = asyncio.Event()
        self._events: dict[str, asyncio.Event] = {}
        self.handoffs = Handoffs()
        self._sinks: list[SubSink] = []
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._last_id = 0
        self._recent: deque[int] = deque(maxlen=4096)
        self._recent_set: set[int] = set()

    # -- stream wake-ups -----------------------------------------------------------------
    def stream_event(self, stream: str) -> asyncio.Event:
        """The event the next notification for ``stream`` sets (take it before claiming)."""
        ev = self._events.get(stream)
        if ev is None or ev.is_set():
            ev = self._events[stream] = asyncio.Event()
        return ev

    # -- presence (who needs a NOTIFY) ----------------------------------------------------
    def needs_notify(self, stream: str) -> bool:
        """Whether an append to ``stream`` must NOTIFY: another process may be waiting on it.

        ``True`` unless this listener is connected, past its hello grace period, and has no
        fresh announcement of a consumer of ``stream`` from another process.
        """
        quiet_from = self._quiet_from
        if quiet_from is None or not self.connected.is_set():
            return True
        now = time.monotonic()
        if now < quiet_from:
            return True
        until = self._remote.get(stream)
        return until is not None and until > now

    def announcement_due(self, stream: str) -> str | None:
        """The presence payload to send for a consumer of ``stream`` of this process, if due.

        Only a listening process announces: poll-only processes do not hear NOTIFY anyway.
        """
        if not self.listen:
            return None
        now = time.monotonic()
        last = self._announced.get(stream)
        if last is not None and now - last < ANNOUNCE_S:
            return None
        self._announced[stream] = now
        return json.dumps({"t": self.token, "w": stream}, separators=(",", ":"))

    def _on_presence(self, payload: str) -> None:
        try:
            note = json.loads(payload)
            if note.get("t") == self.token:
                return
            if note.get("hello"):
                # a process (re)started listening: tell it at once which streams we consume
                self._answer_hello()
                return
            streams = note["w"]
            until = time.monotonic() + PRESENCE_TTL_S
            for stream in [streams] if isinstance(streams, str) else streams:
                if isinstance(stream, str):
                    self._remote[stream] = until
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("ignoring malformed presence notification %r: %s", payload[:200], exc)

    # -- claims that cannot find anything ------------------------------------------------
    def claim_pointless(self, stream: str, now_ms: int) -> bool:
        """Whether a claim on ``stream`` would certainly come back empty right now.

        True when a claim that started less than ``POLL_FLOOR_S`` ago found the stream
        drained and nothing woke the stream since: every append committed since then either
        woke it (this process, after commit; another process, by NOTIFY, which it sends
        because our consumers announced themselves) or was handed to a waiting consumer.
        Delayed entries becoming visible wake nobody; they are found by the claim that runs
        at least every ``POLL_FLOOR_S``, as before. Never true unless listening. ``now_ms`` is
        the provider clock's time: a clock moved on (a test's manual clock) may have made
        delayed entries visible, so that also ends the pause.
        """
        from .stream import POLL_FLOOR_S

        drained = self._drained.get(stream)
        if drained is None or not self.listen or not self.connected.is_set():
            return False
        at, at_ms = drained
        return time.monotonic() - at < POLL_FLOOR_S and now_ms - at_ms < POLL_FLOOR_S * 1000

    def claim_started(self, stream: str) -> tuple[int, int]:
        """A mark to pass to :meth:`claim_finished` (taken before the claim is sent)."""
        return self._epoch, self._wakes.get(stream, 0)

    def claim_finished(
        self, stream: str, mark: tuple[int, int], drained: bool, now_ms: int,
    ) -> None:
        """Record that a claim found ``stream`` drained, unless it was woken meanwhile."""
        if drained and mark == (self._epoch, self._wakes.get(stream, 0)):
            self._drained[stream] = (time.monotonic(), now_ms)
        else:
            self._drained.pop(stream, None)

    def _answer_hello(self) -> None:
        now = time.monotonic()
        streams = [s for s, at in self._announced.items() if now - at < PRESENCE_TTL_S]
        if not streams:
            return
        payloads: list[str] = []
        chunk: list[str] = []
        for stream in streams:
            chunk.append(stream)
            if len(json.dumps(chunk)) > 6000:
                payloads.append(json.dumps({"t": self.token, "w": chunk[:-1]}))
                chunk = [stream]
        payloads.append(json.dumps({"t": self.token, "w": chunk}))

        async def send() -> None:
            try:
                async with self.pool.connection() as conn:
                    for payload in payloads:
                        await conn.execute(self.queries.notify, {
                            "channel": self.presence_channel, "payload": payload})
            except psycopg.Error as exc:  # they will hear our next regular announcement
                log.warning("could not answer a presence hello: %s", exc)

        task = asyncio.ensure_future(send())
        self._answers.add(task)
        task.add_done_callback(self._answers.discard)

    def wake(self, stream: str) -> None:
        self._wakes[stream] = self._wakes.get(stream, 0) + 1
        self._drained.pop(stream, None)
        ev = self._events.pop(stream, None)
        if ev is not None:
            ev.set()
        self.handoffs.wake(stream)

    def wake_all(self) -> None:
        self._epoch += 1
        self._drained.clear()
        events, self._events = self._events, {}
        for ev in events.values():
            ev.set()
        self.handoffs.wake_all()

    # -- pub/sub sinks -------------------------------------------------------------------
    def add_sink(self, sink: SubSink) -> None:
        if sink not in self._sinks:
            self._sinks.append(sink)

    def remove_sink(self, sink: SubSink) -> None:
        with contextlib.suppress(ValueError):
            self._sinks.remove(sink)

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self, wait_s: float = 10.0) -> None:
        """Start the loop if needed and wait until it listens (or polls)."""
        if self._task is None or self._task.done():
            self._closing = False
            self._task = asyncio.create_task(self._run(), name="hotmesh-pg-listener")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.connected.wait(), wait_s)

    async def close(self) -> None:
        self._closing = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.connected.clear()
        self.wake_all()

    async def _run(self) -> None:
        if not self.listen:
            await self._poll_loop()
            return
        backoff = 0.1
        while not self._closing:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self.dsn, autocommit=True, connect_timeout=5
                )
            except psycopg.Error as exc:
                log.warning("listener cannot connect (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, RECONNECT_MAX_S)
                continue
            try:
                async with conn:
                    for channel in (self.stream_channel, self.sub_channel,
                                    self.presence_channel):
                        await conn.execute(listen(channel))
                    # ask every other process to announce its consumers again; until they
                    # have, every append notifies
                    self._quiet_from = time.monotonic() + HELLO_GRACE_S
                    await conn.execute(self.queries.notify, {
                        "channel": self.presence_channel,
                        "payload": json.dumps({"t": self.token, "hello": True})})
                    self.backend_pid = conn.info.backend_pid
                    if self.generation == 0:
                        self._last_id = await self._max_id()
                    else:
                        log.warning(
                            "listener reconnected and re-LISTENed on %s, %s (backend %s)",
                            self.stream_channel, self.sub_channel, self.backend_pid,
                        )
                        await self._catch_up()
                    self.generation += 1
                    self.connected.set()
                    backoff = 0.1
                    self.wake_all()
                    async for note in conn.notifies():
                        await self._on_notify(note.channel, note.payload)
            except psycopg.Error as exc:
                if self._closing:
                    return
                self.connected.clear()
                self._quiet_from = None
                log.warning("listener connection lost (%s); reconnecting", exc)
                self.wake_all()
            await asyncio.sleep(backoff)

    async def _poll_loop(self) -> None:
        self._last_id = await self._max_id()
        self.generation += 1
        self.connected.set()
        while not self._closing:
            await asyncio.sleep(POLL_INTERVAL_S)
            try:
                if self._sinks:
                    await self._catch_up()
            except psycopg.Error as exc:
                log.warning("pub/sub poll failed (%s); retrying", exc)
            self.wake_all()

    async def _max_id(self) -> int:
        async with self.pool.connection() as conn:
            cur = await conn.execute(self.queries.sub_last_id)
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def _catch_up(self) -> None:
        while True:
            async with self.pool.connection() as conn:
                cur = await conn.execute(self.queries.sub_since, {"after": self._last_id})
                rows = await cur.fetchall()
            for msg_id, channel, body in rows:
                self._deliver(int(msg_id), channel, body)
            if len(rows) < 1000:
                return

    async def _on_notify(self, channel: str, payload: str) -> None:
        if channel == self.stream_channel:
            self.wake(payload)
            return
        if channel == self.presence_channel:
            self._on_presence(payload)
            return
        try:
            note = json.loads(payload)
            msg_id = int(note["id"])
            if note.get("ref"):
                async with self.pool.connection() as conn:
                    cur = await conn.execute(self.queries.sub_load, {"id": msg_id})
                    row = await cur.fetchone()
                if row is None:
                    log.warning("pub/sub message %s was pruned before it could be read", msg_id)
                    return
                self._deliver(msg_id, row[0], row[1])
            else:
                self._dispatch(msg_id, note["ch"], note["msg"])
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring malformed notification %r: %s", payload[:200], exc)

    def _deliver(self, msg_id: int, channel: str, body: str, local: bool = False) -> None:
        try:
            message = json.loads(body)
        except ValueError:
            log.warning("ignoring undecodable pub/sub message %s", msg_id)
            return
        self._dispatch(msg_id, channel, message, local)

    def deliver_local(self, msg_id: int, channel: str, body: str) -> None:
        """A message this process just committed: its subscribers here need not wait for
        the notification's round trip (which is then recognised by id and skipped)."""
        if self._sinks:
            self._deliver(msg_id, channel, body, local=True)

    def _dispatch(self, msg_id: int, channel: str, message: Any, local: bool = False) -> None:
        if msg_id in self._recent_set:
            return
        if len(self._recent) == self._recent.maxlen:
            self._recent_set.discard(self._recent[0])
        self._recent.append(msg_id)
        self._recent_set.add(msg_id)
        if not local:
            # only notified ids advance the catch-up mark: a local id may be ahead of
            # notifications from other processes that are still on their way
            self._last_id = max(self._last_id, msg_id)
        from .codec import decode

        logical = decode(channel)
        for sink in list(self._sinks):
            sink.deliver(logical, message)

    def local_receivers(self, channel: str) -> int:
        """Subscriptions in this process matching ``channel`` (PUBLISH's best-effort count)."""
        return sum(sink.count(channel) for sink in self._sinks)
