"""Key names the Redis provider adds beside HotMesh's layout, and which keys get guards.

Redis streams have neither delayed visibility nor a settable clock, so each stream
``<ns>:<app>:x:<topic>`` gets two companions, named with a segment HotMesh never mints
(``xd`` / ``xc`` instead of ``x``) so no topic can collide with them:

* ``<ns>:<app>:xd:<topic>`` (sorted set): delayed entries, score = due time in ms;
* ``<ns>:<app>:xc:<topic>`` (hash): per delivery ``<group> <id>`` -> delivery time in ms by
  the provider's clock, and ``#seq``, the counter behind provisional ids of delayed entries;
* ``<ns>:<app>:xw:<topic>`` (stream, capped at one entry): a wake-up token added with every
  delayed entry, so readers blocked on the stream re-plan their sleep at once.

Expired jobs must not be resurrected by late writes, but Redis forgets an expired hash
completely, so expiring a job (EXPIRE with a positive TTL) also writes a tombstone string
``<ns>:<app>:jx:<jid>`` that lives ``TOMBSTONE_GRACE_S`` longer than the job. While the job
hash is gone and its tombstone remains, writes to the job are dropped; HSETNX of the status
field ``:`` (job creation) removes the tombstone and starts a fresh job.

Everything else is exactly ``Key.render()``.
"""

from __future__ import annotations

from ...errors import ProviderError
from ...keys import Key, KeyType

__all__ = [
    "TOMBSTONE_GRACE_S",
    "claims_key",
    "companions_of",
    "delayed_key",
    "is_job",
    "stream_key",
    "tombstone_key",
    "wake_key",
]

TOMBSTONE_GRACE_S = 3600
"""How long after a job expires late writes to it are still recognised and dropped."""


def stream_key(stream: Key) -> str:
    """The stream's own name; refuses keys that do not address a stream."""
    if stream.kind is not KeyType.STREAMS:
        raise ProviderError(f"stream operations need a STREAMS key, got {stream.kind} {stream}")
    return stream.render()


def delayed_key(stream: Key) -> str:
    return f"{stream.ns}:{stream.app}:xd:{stream.id}"


def claims_key(stream: Key) -> str:
    return f"{stream.ns}:{stream.app}:xc:{stream.id}"


def wake_key(stream: Key) -> str:
    return f"{stream.ns}:{stream.app}:xw:{stream.id}"


def tombstone_key(job: Key) -> str:
    return f"{job.ns}:{job.app}:jx:{job.id}"


def companions_of(key: Key) -> tuple[str, ...]:
    """Keys that go when ``key`` is deleted: a job's tombstone, a stream's companions."""
    if key.kind is KeyType.JOB_STATE:
        return (tombstone_key(key),)
    if key.kind is KeyType.STREAMS:
        return (delayed_key(key), claims_key(key), wake_key(key))
    return ()


def is_job(key: Key) -> bool:
    """Job hashes get the expiry guards of :mod:`.commands`."""
    return key.kind is KeyType.JOB_STATE
