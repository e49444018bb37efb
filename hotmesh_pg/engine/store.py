"""HotMesh's StoreService: every read and write the engine makes, over the Store protocol.

The provider knows nothing about jobs or versions; this layer turns HotMesh concepts (app
records, compiled schemas, symbol tables, job state, collation counters, dependents, stats,
hook signals) into :class:`Key` addressed hash / list / sorted-set operations, so the same
logic runs on either provider. Reads of deploy artifacts are cached per instance the way
HotMesh's cache.ts does; :meth:`StoreService.invalidate` drops them (the quorum calls it on
activation because a new version may have added symbols).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from ..errors import GetStateError, HotMeshError
from ..keys import Key, KeyType
from ..providers.protocols import Providers, Store, Transaction
from .serializer import Serializer, encode_value, restore_hierarchy

__all__ = [
    "ACTIVITY_KEYS",
    "ACTIVITY_UPDATE_KEYS",
    "JOB_KEYS",
    "JOB_UPDATE_KEYS",
    "JobCodec",
    "StoreService",
    "format_iso_date",
    "js_stringify",
    "restore_hierarchy",
    "to_wire",
]

JOB_KEYS = ["ngn", "tpc", "pj", "pg", "pd", "px", "pa", "key", "app", "vrs", "jid", "gid",
            "aid", "ts", "jc", "ju", "js", "err", "trc"]
JOB_UPDATE_KEYS = ["ju", "err"]
ACTIVITY_KEYS = ["aid", "dad", "as", "atp", "stp", "ac", "au", "err", "l1s", "l2s"]
ACTIVITY_UPDATE_KEYS = ["au", "err", "l2s"]

_MISSING = object()


def format_iso_date(when: datetime | None = None) -> str:
    """HotMesh's compact UTC timestamp: ``20240102123456.789``."""
    when = when or datetime.now(UTC)
    return when.strftime("%Y%m%d%H%M%S.") + f"{when.microsecond // 1000:03d}"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
            f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, (set, tuple)):
        return list(value)
    raise TypeError(f"value of type {type(value).__name__} is not JSON serialisable")


def js_stringify(value: Any) -> str:
    """JSON.stringify: compact, insertion order, non-ASCII kept; undefined members dropped."""
    return json.dumps(_drop_undefined(value), separators=(",", ":"), ensure_ascii=False,
                      default=_json_default)


def _is_undefined(value: Any) -> bool:
    return value is _MISSING or type(value).__name__ in {"_Undefined", "Undefined", "UndefinedType"}


def to_wire(value: Any) -> Any:
    """What JSON.stringify would keep: undefined members dropped, undefined items -> null."""
    return _drop_undefined(value)


def _drop_undefined(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_undefined(v) for k, v in value.items() if not _is_undefined(v)}
    if isinstance(value, list):
        return [None if _is_undefined(v) else _drop_undefined(v) for v in value]
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def _to_text(value: Any) -> str | None:
    if _is_undefined(value):
        return None
    if not isinstance(value, (dict, list)):
        return encode_value(value)
    return "/s" + js_stringify(value)


def _js_to_number(text: str) -> float | int:
    stripped = text.strip()
    if stripped == "":
        return 0
    try:
        if re.fullmatch(r"[+-]?\d+", stripped):
            return int(stripped)
        if stripped.lower().startswith("0x"):
            return int(stripped, 16)
        number = float(stripped)
        if number.is_integer() and abs(number) < 2**53 and "e" not in stripped.lower() \
                and "inf" not in stripped.lower():
            return int(number)
        return number
    except ValueError:
        return math.nan


class JobCodec(Serializer):
    """The serializer with the engine's own value text and escape test.

    Everything else (symbols, dimensions, value symbols) is
    :class:`~hotmesh_pg.engine.serializer.Serializer`'s. Two things stay as the engine has
    always written them: objects and arrays are stored as ``/s`` + :func:`js_stringify`,
    and a two-letter string followed by one newline is escaped too (the engine's former
    ``re.match(r"^:*[A-Za-z]{2}$")`` test, whose ``$`` also matches before a final newline).
    """

    needs_escape = re.compile(r":*[A-Za-z]{2}\n?")
    escaped = re.compile(r":+[A-Za-z]{2}\n?")

    @staticmethod
    def encode(value: Any) -> str | None:
        return _to_text(value)


MISSING = _MISSING


class StoreService:
    """Store logic for one app in one namespace (services/store/index.ts)."""

    def __init__(self, providers: Providers, namespace: str, app_id: str) -> None:
        self.providers = providers
        self.store: Store = providers.store
        self.ns = namespace
        self.app_id = app_id
        self._apps: dict[str, dict[str, str]] = {}
        self._schemas: dict[str, dict[str, dict[str, Any]]] = {}
        self._subscriptions: dict[str, dict[str, str]] = {}
        self._transitions: dict[str, dict[str, Any]] = {}
        self._hook_rules: dict[str, list[dict[str, Any]]] | None = None
        self._symbols: dict[str, dict[str, str]] = {}
        self._symvals: dict[str, str] | None = None

    # -- keys / cache ---------------------------------------------------------------------
    def key(self, kind: KeyType, kid: str = "", extra: str = "") -> Key:
        return Key(kind, self.ns, self.app_id, kid, extra)

    def job_key(self, jid: str) -> Key:
        return Key.job(self.ns, self.app_id, jid)

    def transaction(self) -> Transaction:
        return self.store.transaction()

    def invalidate(self) -> None:
        """Forget every cached deploy artifact (a new version was activated)."""
        self._apps.clear()
        self._schemas.clear()
        self._subscriptions.clear()
        self._transitions.clear()
        self._hook_rules = None
        self._symbols.clear()
        self._symvals = None

    # -- settings / apps ------------------------------------------------------------------
    async def set_settings(self, version: str) -> None:
        await self.store.hset(Key(KeyType.HOTMESH, self.ns),
                              {"namespace": self.ns, "version": version})

    async def get_app(self, app_id: str | None = None, refresh: bool = False) -> dict[str, str]:
        app_id = app_id or self.app_id
        if refresh or app_id not in self._apps:
            record = await self.store.hgetall(Key(KeyType.APP, self.ns, app_id))
            if not record:
                return {}
            self._apps[app_id] = record
        return self._apps[app_id]

    @staticmethod
    def active_version(record: dict[str, str]) -> str | None:
        """The version most recently activated (else the one the record names).

        HotMesh's deploy overwrites ``version`` before activation; the activation stamps
        ``versions/<v> = activated:<ts>`` so the newest stamp is the truly active one.
        """
        best: tuple[str, str] | None = None
        for field, value in record.items():
            if field.startswith("versions/") and value.startswith("activated:"):
                stamp = value.split(":", 1)[1]
                if best is None or stamp >= best[0]:
                    best = (stamp, field[len("versions/"):])
        if best is not None:
            return best[1]
        return record.get("version")

    async def activate_app_version(self, app_id: str, version: str) -> bool:
        key = Key(KeyType.APP, self.ns, app_id)
        record = await self.store.hgetall(key)
        if f"versions/{version}" not in record:
            from ..errors import VersionNotFoundError

            raise VersionNotFoundError(f"Version {version} does not exist for app {app_id}")
        await self.store.hset(key, {
            "id": app_id, "version": version, "active": "true",
            f"versions/{version}": f"activated:{format_iso_date()}",
        })
        self._apps.pop(app_id, None)
        return True

    # -- symbols --------------------------------------------------------------------------
    async def get_symbol_keys(self, names: list[str]) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for name in names:
            if name not in self._symbols:
                table = await self.store.hgetall(self.key(KeyType.SYMKEYS, name))
                if not table:
                    continue
                self._symbols[name] = table
            out[name] = self._symbols[name]
        return out

    async def get_symbol_values(self) -> dict[str, str]:
        if self._symvals is None:
            self._symvals = await self.store.hgetall(self.key(KeyType.SYMVALS))
        return self._symvals

    async def get_all_symbols(self) -> dict[str, str]:
        """Every key symbol -> long path (activity paths start with the aid, job ones with $)."""
        ranges = await self.store.hgetall(self.key(KeyType.SYMKEYS))
        result: dict[str, str] = {}
        for target in ranges:
            if target.startswith(":"):
                continue
            table = await self.store.hgetall(self.key(KeyType.SYMKEYS, target))
            for path, sym in table.items():
                result[sym] = path if not target.startswith("$") else f"{target}/{path}"
        return result

    async def codec(self, names: list[str], dids: dict[str, str]) -> JobCodec:
        return JobCodec(await self.get_symbol_keys(names), await self.get_symbol_values(), dids)

    # -- version artifacts ----------------------------------------------------------------
    async def get_schemas(self, version: str) -> dict[str, dict[str, Any]]:
        if version not in self._schemas:
            raw = await self.store.hgetall(self.key(KeyType.SCHEMAS, version))
            self._schemas[version] = {k: json.loads(v) for k, v in raw.items()}
        return self._schemas[version]

    async def get_schema(self, activity_id: str, version: str) -> dict[str, Any] | None:
        schemas = await self.get_schemas(version)
        if activity_id not in schemas:
            # a version deployed after we cached: read once more
            self._schemas.pop(version, None)
            schemas = await self.get_schemas(version)
        return schemas.get(activity_id)

    async def get_subscriptions(self, version: str) -> dict[str, str]:
        if version not in self._subscriptions:
            raw = await self.store.hgetall(self.key(KeyType.SUBSCRIPTIONS, version))
            self._subscriptions[version] = {k: json.loads(v) for k, v in raw.items()}
        return self._subscriptions[version]

    async def get_subscription(self, topic: str, version: str) -> str | None:
        return (await self.get_subscriptions(version)).get(topic)

    async def get_transitions(self, version: str) -> dict[str, Any]:
        if version not in self._transitions:
            raw = await self.store.hgetall(self.key(KeyType.SUBSCRIPTION_PATTERNS, version))
            self._transitions[version] = {k: json.loads(v) for k, v in raw.items()}
        return self._transitions[version]

    async def get_hook_rules(self) -> dict[str, list[dict[str, Any]]]:
        if self._hook_rules is None:
            raw = await self.store.hgetall(self.key(KeyType.HOOKS))
            self._hook_rules = {k: json.loads(v) for k, v in raw.items()}
        return self._hook_rules

    async def get_hook_rule(self, topic: str) -> dict[str, Any] | None:
        rules = (await self.get_hook_rules()).get(topic)
        if not rules:
            self._hook_rules = None
            rules = (await self.get_hook_rules()).get(topic)
        return rules[0] if rules else None

    # -- hook signals ---------------------------------------------------------------------
    def set_hook_signal(self, tx: Transaction, signal_key: str, target: str) -> None:
        tx.hset(self.key(KeyType.SIGNALS), {signal_key: target})

    async def get_hook_signal(self, topic: str, resolved: str) -> str | None:
        return await self.store.hget(self.key(KeyType.SIGNALS), f"{topic}:{resolved}")

    async def delete_hook_signal(self, signal_key: str) -> int:
        return await self.store.hdel(self.key(KeyType.SIGNALS), [signal_key])

    # -- job state ------------------------------------------------------------------------
    async def set_state(
        self, tx: Transaction, state: dict[str, Any], status: int | None, jid: str,
        symbol_names: list[str], dids: dict[str, str],
    ) -> None:
        state = dict(state)
        state.pop("metadata/js", None)
        codec = await self.codec(symbol_names, dids)
        data = codec.package(state, symbol_names)
        if status is not None:
            data[":"] = str(status)
        else:
            data.pop(":", None)
        if data:
            tx.hset(self.job_key(jid), data)

    async def get_state(
        self, jid: str, consumes: dict[str, list[str]], dids: dict[str, str],
    ) -> tuple[dict[str, Any], float]:
        names = list(consumes)
        codec = await self.codec(names, dids)
        fields = codec.abbreviate(consumes, names, [":"])
        values = await self.store.hmget(self.job_key(jid), fields)
        doc = dict(zip(fields, values, strict=True))
        if not any(v for v in values):
            raise GetStateError(jid)
        return self._unpack(codec, doc, names)

    async def guarded_collate_state(
        self, jid: str, collations: list[tuple[str, int]], consumes: dict[str, list[str]],
        dids: dict[str, str],
    ) -> tuple[list[int], dict[str, Any], Callable[[], Awaitable[None]]] | None:
        """Collate, then read the state, in one round trip; ``None`` where not available.

        Only a store that can take increments back offers it (Postgres, inside the unit of
        work of an engine step): ``undo`` reverts them when the state shows the message is
        stale (job gone, finished or of another generation), so that case still leaves the
        semaphores untouched. Raises ``GetStateError`` (already undone) for a missing job.
        """
        guarded = getattr(self.store, "guarded_increments", None)
        if guarded is None:
            return None
        names = list(consumes)
        codec = await self.codec(names, dids)
        fields = codec.abbreviate(consumes, names, [":"])
        key = self.job_key(jid)
        out = await guarded([(key, field, amount) for field, amount in collations], key,
                            fields)
        if out is None:
            return None
        values, read, undo = out
        if not any(v for v in read):
            await undo()
            raise GetStateError(jid)
        state, _ = self._unpack(codec, dict(zip(fields, read, strict=True)), names)
        return [int(v) for v in values], state, undo

    @staticmethod
    def _unpack(codec: JobCodec, doc: dict[str, Any], names: list[str],
                ) -> tuple[dict[str, Any], float]:
        state = codec.unpackage(doc, names)
        status: float = 0
        if state.get(":") not in (None, ""):
            status = _js_to_number(str(state[":"]))
            state["metadata/js"] = status
        state.pop(":", None)
        return state, status

    async def get_status(self, jid: str) -> float:
        value = await self.store.hget(self.job_key(jid), ":")
        if value is None:
            raise HotMeshError(f"Job {jid} not found")
        return _js_to_number(value)

    async def get_query_state(self, jid: str, fields: list[str]) -> dict[str, str | None]:
        values = await self.store.hmget(self.job_key(jid), [f"_{f}" for f in fields])
        return dict(zip(fields, values, strict=True))

    async def get_raw(self, jid: str) -> dict[str, str]:
        raw = await self.store.hgetall(self.job_key(jid))
        if not raw:
            raise GetStateError(jid)
        return raw

    async def collation_field(self, aid: str, dids: dict[str, str]) -> str:
        codec = await self.codec([aid], dids)
        packed = codec.compress({f"{aid}/output/metadata/as": "0"}, [aid])
        if not packed:
            return f"{aid}/output/metadata/as"
        return next(iter(packed))

    async def collate(
        self, jid: str, aid: str, amount: int, dids: dict[str, str],
        tx: Transaction | None = None,
    ) -> int | None:
        field = await self.collation_field(aid, dids)
        if tx is not None:
            tx.hincrbyfloat(self.job_key(jid), field, amount)
            return None
        return int(await self.store.hincrbyfloat(self.job_key(jid), field, amount))

    def collate_synthetic(self, tx: Transaction, jid: str, guid: str, amount: int) -> None:
        tx.hincrbyfloat(self.job_key(jid), guid, amount)

    def set_status(self, tx: Transaction, jid: str, amount: int) -> None:
        tx.hincrbyfloat(self.job_key(jid), ":", amount)

    async def set_state_nx(self, jid: str) -> bool:
        return await self.store.hsetnx(self.job_key(jid), ":", "1")

    async def scrub(self, jid: str) -> None:
        await self.store.delete(self.job_key(jid))

    # -- dependencies ---------------------------------------------------------------------
    def register_job_dependency(
        self, tx: Transaction, dep_type: str, origin: str, topic: str, jid: str, gid: str,
        pd: str = "",
    ) -> None:
        tx.rpush(self.key(KeyType.JOB_DEPENDENTS, origin),
                 [f"{dep_type}::{topic}::{gid}::{pd}::{jid}"])

    def register_signal_dependency(
        self, tx: Transaction, jid: str, signal_key: str, dad: str,
    ) -> None:
        tx.rpush(self.key(KeyType.JOB_DEPENDENTS, jid),
                 [f"delist::signal::{jid}::{dad}::{signal_key}"])

    async def get_dependencies(self, jid: str) -> list[str]:
        return await self.store.lrange(self.key(KeyType.JOB_DEPENDENTS, jid), 0, -1)

    async def pop_dependency(self, jid: str) -> str | None:
        return await self.store.lpop(self.key(KeyType.JOB_DEPENDENTS, jid))

    # -- stats ----------------------------------------------------------------------------
    def stats_key(self, job_key: str, ts: str) -> Key:
        return self.key(KeyType.JOB_STATS_GENERAL, f"{job_key}:{ts}")

    def index_key(self, job_key: str, ts: str, facet: str) -> Key:
        return self.key(KeyType.JOB_STATS_INDEX, f"{job_key}:{ts}", facet)

    def set_stats(
        self, tx: Transaction, job_key: str, jid: str, ts: str, stats: dict[str, Any],
    ) -> None:
        general = self.stats_key(job_key, ts)
        for item in stats.get("general", []):
            tx.hincrbyfloat(general, item["target"], float(item["value"]))
        for item in stats.get("index", []):
            # the target reads "index:<path>:<value>"; the key kind adds the "index:" part
            facet = str(item["target"]).removeprefix("index:")
            tx.rpush(self.index_key(job_key, ts, facet), [str(item["value"])])
        for item in stats.get("median", []):
            facet = str(item["target"]).removeprefix("mdn:")
            tx.zadd(self.key(KeyType.JOB_STATS_MEDIAN, f"{job_key}:{ts}", facet),
                    {item["target"]: float(item["value"])})

    async def get_job_stats(self, keys: list[Key]) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for key in keys:
            raw = await self.store.hgetall(key)
            out[key.render()] = {k: float(_js_to_number(v)) for k, v in raw.items()}
        return out

    async def get_job_ids(self, keys: list[Key], start: int = 0, stop: int = -1
                          ) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for key in keys:
            out[key.render()] = await self.store.lrange(key, start, stop)
        return out
