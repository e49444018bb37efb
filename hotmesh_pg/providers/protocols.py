"""Store, Stream and Sub: the only provider names the engine imports.

HotMesh 0.0.55 ran on three Redis services: a store of hashes, lists, sorted sets and
strings; streams with consumer groups; and pub/sub channels. The engine above this seam is
a port of HotMesh's own logic, so the seam keeps Redis's data-structure vocabulary (with
HotMesh's exact return-value semantics, runtime.md 7.4-7.6) but addresses everything by a
typed :class:`~hotmesh_pg.keys.Key` instead of a string. That lets:

* the Redis provider map each call to one Redis command on ``key.render()`` (HotMesh's own
  layout, byte for byte);
* the Postgres provider route each key kind to a table designed for it (job state,
  registries, queues) without parsing strings;
* one contract suite and one differential test hold both to identical results.

All values crossing the store seam are ``str`` (what Redis holds); numbers returned by the
increment methods are numbers. Stream and pub/sub payloads are JSON-able dicts; a payload
that cannot be serialised raises :class:`~hotmesh_pg.errors.ProviderError` before anything
is written. Strings may contain any Unicode, NUL included.

Writes that must be atomic together (HotMesh's MULTI/EXEC groups, runtime.md 7.3) go through
a :class:`Transaction`: calls on it are queued and ``exec()`` applies them all-or-nothing and
returns each call's result in order, exactly as EXEC does. Nothing is visible to other
connections before ``exec()`` returns; a transaction that is discarded writes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

from ..keys import Key

__all__ = [
    "PendingEntry",
    "Providers",
    "Store",
    "Stream",
    "StreamMessage",
    "Sub",
    "SubCallback",
    "Transaction",
]

JSONDict = dict[str, Any]
T = TypeVar("T")
SubCallback = Callable[[str, JSONDict], Awaitable[None] | None]
"""``callback(channel, message)``; for pattern subscriptions ``channel`` is the concrete one."""


@dataclass(frozen=True, slots=True)
class StreamMessage:
    """One delivered stream entry. ``deliveries`` counts this delivery (1 on first)."""

    id: str
    data: JSONDict
    deliveries: int = 1


@dataclass(frozen=True, slots=True)
class PendingEntry:
    """A delivered, not yet acknowledged entry (XPENDING's row)."""

    id: str
    consumer: str
    idle_ms: int
    deliveries: int


@runtime_checkable
class Transaction(Protocol):
    """Queued writes applied as one unit by :meth:`exec` (MULTI/EXEC).

    Every method queues and returns ``self`` so calls can be chained; the result each one
    would have returned on its own appears at its position in ``exec()``'s list.
    """

    def hset(self, key: Key, mapping: Mapping[str, str]) -> Transaction: ...
    def hsetnx(self, key: Key, field: str, value: str) -> Transaction: ...
    def hdel(self, key: Key, fields: Sequence[str]) -> Transaction: ...
    def hincrbyfloat(self, key: Key, field: str, amount: float) -> Transaction: ...
    def hincrby(self, key: Key, field: str, amount: int) -> Transaction: ...
    def delete(self, *keys: Key) -> Transaction: ...
    def expire(self, key: Key, seconds: float) -> Transaction: ...
    def rpush(self, key: Key, values: Sequence[str]) -> Transaction: ...
    def zadd(self, key: Key, members: Mapping[str, float], nx: bool = False) -> Transaction: ...
    def zrem(self, key: Key, members: Sequence[str]) -> Transaction: ...
    def xadd(self, stream: Key, message: JSONDict, delay_ms: int = 0) -> Transaction:
        """Queue a stream entry; with ``delay_ms`` > 0 it is not deliverable until then."""
        ...
    def xack(self, stream: Key, group: str, ids: Sequence[str]) -> Transaction:
        """Queue acknowledge-and-delete of entries (XACK + XDEL); result = count acked."""
        ...
    def xlen(self, stream: Key) -> Transaction: ...
    def publish(self, channel: str, message: JSONDict) -> Transaction:
        """Queue a pub/sub message, sent only if and when the transaction commits."""
        ...
    def on_commit(self, callback: Callable[[], None]) -> Transaction:
        """Call ``callback`` in this process once the transaction has committed (inside a
        Postgres unit of work: once the unit has); never if it fails. Result: ``None``."""
        ...

    async def exec(self) -> list[Any]:
        """Apply everything queued atomically; return the per-call results in order.

        On failure nothing queued is applied and the error propagates. A transaction can be
        executed once.
        """
        ...

    async def submit(self) -> None:
        """Apply like :meth:`exec` when the caller needs no results.

        Inside a unit of work (:meth:`Store.atomically`) on Postgres the writes may go out
        with the unit's next statement or its COMMIT instead of a round trip of their own;
        an error then surfaces there and rolls the whole unit back. Elsewhere: ``exec()``.
        """
        ...


@runtime_checkable
class Store(Protocol):
    """Hashes, lists, sorted sets and strings with Redis semantics (runtime.md 7.4).

    Expiry: :meth:`expire` gives a key a time to live; once it passes the key reads as absent
    everywhere and writes to it do not resurrect it as a job (HotMesh's resurrection bug is
    not reproduced); ``seconds <= 0`` deletes at once.
    """

    kind: str

    # -- hashes -----------------------------------------------------------------------
    async def hset(self, key: Key, mapping: Mapping[str, str]) -> int:
        """Set fields; return how many of them were new (updated fields count 0)."""
        ...

    async def hsetnx(self, key: Key, field: str, value: str) -> bool:
        """Set the field only if absent; ``True`` if this call created it.

        Exactly one of any number of concurrent callers wins. On a job key whose previous
        incarnation expired, the new caller wins and the old fields are gone.
        """
        ...

    async def hget(self, key: Key, field: str) -> str | None: ...
    async def hmget(self, key: Key, fields: Sequence[str]) -> list[str | None]:
        """Values aligned with ``fields``; ``None`` where absent."""
        ...

    async def hgetall(self, key: Key) -> dict[str, str]:
        """All fields; ``{}`` for a missing key."""
        ...

    async def hdel(self, key: Key, fields: Sequence[str]) -> int:
        """Remove fields; return how many existed."""
        ...

    async def hincrbyfloat(self, key: Key, field: str, amount: float) -> float:
        """Atomically add ``amount`` (absent = 0) and return the new value."""
        ...

    async def hincrby(self, key: Key, field: str, amount: int) -> int:
        """Integer form of :meth:`hincrbyfloat`."""
        ...

    async def hscan(self, key: Key, match: str = "*", limit: int = 1000) -> dict[str, str]:
        """Up to ``limit`` fields whose names match the Redis glob ``match``."""
        ...

    # -- keys -------------------------------------------------------------------------
    async def exists(self, key: Key) -> bool: ...
    async def delete(self, *keys: Key) -> int:
        """Remove keys of any type; return how many existed."""
        ...

    async def expire(self, key: Key, seconds: float) -> bool:
        """Set a time to live; ``False`` if the key does not exist."""
        ...

    async def scan_jobs(self, ns: str, app: str, match: str = "*", limit: int = 1000) -> list[str]:
        """Ids of live jobs of ``app`` whose id matches the Redis glob ``match``."""
        ...

    # -- strings ----------------------------------------------------------------------
    async def set_nx(self, key: Key, value: str, ttl_s: float | None = None) -> bool:
        """SET NX [EX]: succeeds only when absent (an expired value counts as absent)."""
        ...

    async def get(self, key: Key) -> str | None: ...

    # -- lists ------------------------------------------------------------------------
    async def rpush(self, key: Key, values: Sequence[str]) -> int:
        """Append; return the new length."""
        ...

    async def lpop(self, key: Key) -> str | None: ...
    async def lrange(self, key: Key, start: int, stop: int) -> list[str]:
        """Inclusive range; negative indexes count from the end."""
        ...

    async def lmove(self, src: Key, dst: Key) -> str | None:
        """Pop the head of ``src`` and append it to ``dst`` atomically."""
        ...

    async def rename(self, src: Key, dst: Key) -> None:
        """Move ``src`` onto ``dst`` (overwriting); ``ProviderError`` if ``src`` is absent."""
        ...

    # -- sorted sets ------------------------------------------------------------------
    async def zadd(self, key: Key, members: Mapping[str, float], nx: bool = False) -> int:
        """Add or update scores (``nx``: only add); return how many members were new."""
        ...

    async def zrange(
        self, key: Key, start: int, stop: int
    ) -> list[tuple[str, float]]:
        """Members by rank (score, then member bytes), inclusive, with their scores."""
        ...

    async def zrangebyscore(
        self, key: Key, min_score: float, max_score: float
    ) -> list[tuple[str, float]]:
        """Members with ``min_score <= score <= max_score`` ascending, with scores."""
        ...

    async def zrem(self, key: Key, members: Sequence[str]) -> int:
        """Remove members; return how many existed (a mutual-exclusion token)."""
        ...

    # -- transactions -----------------------------------------------------------------
    def transaction(self) -> Transaction:
        """A new MULTI-style transaction over this store (and the stream and sub beside it)."""
        ...

    async def atomically(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run ``fn`` as one unit of work and return its result.

        Postgres: every store, stream and sub call that ``fn`` makes in the calling task
        (reads included) runs in one database transaction, committed when ``fn`` returns
        and rolled back if it raises; effects outside the database (in-process deliveries)
        happen only after the commit. A deadlock or serialization failure reruns ``fn`` from
        the start, so ``fn`` must be safe to run again. A nested call joins the outer unit.

        Redis: runs ``fn`` as is; each call and each :class:`Transaction` commits on its own
        (the engine's redelivery checks cover a step that died half-way).
        """
        ...


@runtime_checkable
class Stream(Protocol):
    """Durable queues with consumer-group semantics (runtime.md 7.5).

    A group sees every entry not yet acknowledged (unlike XGROUP CREATE ``$``, nothing
    published before the group existed is lost). An entry is delivered to one consumer at a
    time; it stays pending until acknowledged; a pending entry idle for at least the reclaim
    delay can be claimed by another consumer, which increments its delivery count.
    """

    async def create_group(self, stream: Key, group: str) -> None:
        """Create the stream and group if missing; idempotent."""
        ...

    async def publish(
        self, stream: Key, messages: Sequence[JSONDict], delay_ms: int = 0
    ) -> list[str]:
        """Append entries; with ``delay_ms`` they become deliverable only after that long.

        Returns the new entry ids (strictly increasing per stream). Raises ``ProviderError``
        naming the offending value's type if a message cannot be serialised; then nothing is
        published.
        """
        ...

    async def consume(
        self, stream: Key, group: str, consumer: str, count: int = 10, block_ms: int = 0
    ) -> list[StreamMessage]:
        """Claim up to ``count`` never-delivered, visible entries for ``consumer``.

        Waits up to ``block_ms`` for one to arrive (woken by notification, with polling as
        the floor); returns ``[]`` on timeout. Claimed entries are pending with
        ``deliveries == 1``.
        """
        ...

    async def pending(
        self, stream: Key, group: str, count: int = 10
    ) -> list[PendingEntry]:
        """The oldest ``count`` pending entries (XPENDING - + count)."""
        ...

    async def claim(
        self, stream: Key, group: str, consumer: str, min_idle_ms: int, ids: Sequence[str]
    ) -> list[StreamMessage]:
        """Take over pending entries idle for at least ``min_idle_ms`` (XCLAIM).

        Each claimed entry's delivery count is incremented and its idle time reset; entries
        not idle long enough (or already acked) are skipped, so two concurrent claimers
        never both win one entry.
        """
        ...

    async def ack(self, stream: Key, group: str, ids: Sequence[str]) -> int:
        """Acknowledge and delete entries (XACK + XDEL); return how many were pending."""
        ...

    async def length(self, stream: Key) -> int:
        """Entries not yet acknowledged (pending and undelivered, delayed included)."""
        ...


@runtime_checkable
class Sub(Protocol):
    """Fire-and-forget pub/sub with Redis channel and glob-pattern rules (runtime.md 7.6)."""

    async def publish(self, channel: str, message: JSONDict) -> int:
        """Send to current subscribers of ``channel``; the count is best-effort."""
        ...

    async def subscribe(self, channel: str, callback: SubCallback) -> None:
        """Deliver messages published to exactly ``channel`` to ``callback``."""
        ...

    async def unsubscribe(self, channel: str) -> None: ...

    async def psubscribe(self, pattern: str, callback: SubCallback) -> None:
        """Deliver messages on channels matching the Redis glob ``pattern``."""
        ...

    async def punsubscribe(self, pattern: str) -> None:
        """Remove a pattern subscription; an unknown pattern is a no-op."""
        ...


@dataclass
class Providers:
    """The three services over one connection target, plus how to close them."""

    kind: str
    store: Store
    stream: Stream
    sub: Sub
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def close(self) -> None:
        for close in reversed(self.closers):
            await close()
        self.closers.clear()
