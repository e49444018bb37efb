"""Key names the Redis provider adds beside HotMesh's layout, and which keys get guards.

Redis streams have neither delayed visibility nor a settable clock, so each stream
``<ns>:<app>:x:<topic>`` gets two companions, named with a segment HotMesh never mints
(``xd`` / ``xc`` instead of ``x``) so no topic can collide with them:

* ``<ns>:<app>:xd:<topic>`` (sorted set): delayed entries, score = due time in ms;
* ``<ns>:<app>:xc:<topic>`` (hash): per delivery ``<group> <id>`` -> delivery time in ms by
  the provider's clock, and ``#seq``, the counter behind provisional ids of delayed entries.

Everything else is exactly ``Key.render()``.
"""

from __future__ import annotations

from ...errors import ProviderError
from ...keys import Key, KeyType

__all__ = ["claims_key", "delayed_key", "is_job", "stream_key"]


def stream_key(stream: Key) -> str:
    """The stream's own name; refuses keys that do not address a stream."""
    if stream.kind is not KeyType.STREAMS:
        raise ProviderError(f"stream operations need a STREAMS key, got {stream.kind} {stream}")
    return stream.render()


def delayed_key(stream: Key) -> str:
    return f"{stream.ns}:{stream.app}:xd:{stream.id}"


def claims_key(stream: Key) -> str:
    return f"{stream.ns}:{stream.app}:xc:{stream.id}"


def is_job(key: Key) -> bool:
    """Job hashes are created only by HSETNX; other writes to a missing job are dropped."""
    return key.kind is KeyType.JOB_STATE
