"""Key, stream and channel naming shared by the engine and every provider.

The engine never builds key strings itself: it asks for a :class:`Key`, a typed value that
says *what* is addressed (a job hash, a version's schemas, a stream ...). The Redis provider
renders it with :meth:`Key.render` into exactly HotMesh 0.0.55's layout, so a Redis database
written by us reads like one written by HotMesh; the Postgres provider uses ``kind`` to pick
a table and the rendered string as the row key, so nothing has to parse key strings (job ids
and topics may contain ``:``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "APP_ID_RE",
    "NAMESPACE_RE",
    "Key",
    "KeyType",
    "check_app_id",
    "check_namespace",
]

HMNS = "hmsh"
"""HotMesh's default namespace."""

APP_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
NAMESPACE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
RESERVED_APP_IDS = frozenset({"a", "d", "e", "j", "q", "s", "t", "v", "w", "x", "hooks",
                              "signals", "sym"})


def check_app_id(app_id: str) -> str:
    """Return ``app_id`` or raise ``ConfigError`` naming the rule it breaks."""
    from .errors import ConfigError

    if not isinstance(app_id, str) or not APP_ID_RE.match(app_id):
        raise ConfigError(f"config.appId [{app_id!r}] is invalid: expected [A-Za-z0-9_.-]{{1,64}}")
    if app_id in RESERVED_APP_IDS:
        raise ConfigError(f"config.appId [{app_id}] is reserved")
    return app_id


def check_namespace(namespace: str) -> str:
    """Return ``namespace`` or raise ``ConfigError`` naming the rule it breaks."""
    from .errors import ConfigError

    if not isinstance(namespace, str) or not NAMESPACE_RE.match(namespace):
        raise ConfigError(
            f"config.namespace [{namespace!r}] is invalid: expected [A-Za-z0-9_.-]{{1,64}}"
        )
    return namespace


class KeyType(StrEnum):
    """What a key addresses; the comment gives HotMesh's rendered form (runtime.md 7.1)."""

    HOTMESH = "hotmesh"                    # <ns>
    APP = "app"                            # <ns>:a:<app>
    WORK_ITEMS = "work_items"              # <ns>:<app>:w:[<type>]
    TIME_RANGE = "time_range"              # <ns>:<app>:t:[<slot>]
    QUORUM = "quorum"                      # <ns>:<app>:q:[<suffix>]
    JOB_STATE = "job_state"                # <ns>:<app>:j:<jid>
    JOB_DEPENDENTS = "job_dependents"      # <ns>:<app>:d:<jid>
    JOB_STATS_GENERAL = "job_stats_general"  # <ns>:<app>:s:<jobKey>:<ts>
    JOB_STATS_INDEX = "job_stats_index"    # <ns>:<app>:s:<jobKey>:<ts>:index:<facet>
    JOB_STATS_MEDIAN = "job_stats_median"  # <ns>:<app>:s:<jobKey>:<ts>:mdn:<facet>
    SCHEMAS = "schemas"                    # <ns>:<app>:v:<ver>:schemas
    SUBSCRIPTIONS = "subscriptions"        # <ns>:<app>:v:<ver>:subscriptions
    SUBSCRIPTION_PATTERNS = "transitions"  # <ns>:<app>:v:<ver>:transitions
    HOOKS = "hooks"                        # <ns>:<app>:hooks
    SIGNALS = "signals"                    # <ns>:<app>:signals
    SYMKEYS = "symkeys"                    # <ns>:<app>:sym:keys:[<target>]
    SYMVALS = "symvals"                    # <ns>:<app>:sym:vals:
    STREAMS = "streams"                    # <ns>:<app>:x:[<topic>]
    SEARCH = "search"                      # <ns>:<app>:s: (durable search index name)
    LOCK = "lock"                          # <ns>:<app>:w:<name> (scout / activation locks)


@dataclass(frozen=True, slots=True)
class Key:
    """A typed storage address.

    ``ns`` and ``app`` scope everything; ``id`` is the kind-specific tail (job id, version,
    topic, symbol target, stats suffix). Build keys with the class methods, never by hand.
    """

    kind: KeyType
    ns: str
    app: str = ""
    id: str = ""
    extra: str = ""

    def render(self) -> str:
        """HotMesh 0.0.55's key string for this address."""
        ns, app, kid = self.ns, self.app, self.id
        k = self.kind
        if k is KeyType.HOTMESH:
            return ns
        if k is KeyType.APP:
            return f"{ns}:a:{app}"
        if k is KeyType.WORK_ITEMS or k is KeyType.LOCK:
            return f"{ns}:{app}:w:{kid}"
        if k is KeyType.TIME_RANGE:
            return f"{ns}:{app}:t:{kid}"
        if k is KeyType.QUORUM:
            return f"{ns}:{app}:q:{kid}"
        if k is KeyType.JOB_STATE:
            return f"{ns}:{app}:j:{kid}"
        if k is KeyType.JOB_DEPENDENTS:
            return f"{ns}:{app}:d:{kid}"
        if k is KeyType.JOB_STATS_GENERAL:
            return f"{ns}:{app}:s:{kid}"
        if k is KeyType.JOB_STATS_INDEX:
            return f"{ns}:{app}:s:{kid}:index:{self.extra}"
        if k is KeyType.JOB_STATS_MEDIAN:
            return f"{ns}:{app}:s:{kid}:mdn:{self.extra}"
        if k is KeyType.SCHEMAS:
            return f"{ns}:{app}:v:{kid}:schemas"
        if k is KeyType.SUBSCRIPTIONS:
            return f"{ns}:{app}:v:{kid}:subscriptions"
        if k is KeyType.SUBSCRIPTION_PATTERNS:
            return f"{ns}:{app}:v:{kid}:transitions"
        if k is KeyType.HOOKS:
            return f"{ns}:{app}:hooks"
        if k is KeyType.SIGNALS:
            return f"{ns}:{app}:signals"
        if k is KeyType.SYMKEYS:
            return f"{ns}:{app}:sym:keys:{kid}"
        if k is KeyType.SYMVALS:
            return f"{ns}:{app}:sym:vals:"
        if k is KeyType.STREAMS:
            return f"{ns}:{app}:x:{kid}"
        if k is KeyType.SEARCH:
            return f"{ns}:{app}:s:{kid}"
        raise ValueError("Invalid key type.")  # pragma: no cover - exhaustive enum

    def __str__(self) -> str:
        return self.render()

    # -- constructors -------------------------------------------------------------------
    @classmethod
    def job(cls, ns: str, app: str, jid: str) -> Key:
        return cls(KeyType.JOB_STATE, ns, app, jid)

    @classmethod
    def stream(cls, ns: str, app: str, topic: str = "") -> Key:
        """The engine stream when ``topic`` is empty, else the worker stream of ``topic``."""
        return cls(KeyType.STREAMS, ns, app, topic)

    @classmethod
    def quorum(cls, ns: str, app: str, suffix: str = "") -> Key:
        return cls(KeyType.QUORUM, ns, app, suffix)
