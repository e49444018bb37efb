"""Every write of the Redis provider as data: one Redis command plus how to read its reply.

The Store runs a :class:`Command` at once; the Transaction queues the very same command in
MULTI. So a call returns the same value alone or inside EXEC, and each queued call is one
command (multi-step writes are Lua scripts), keeping EXEC's replies aligned with the calls.

Job hashes get guarded scripts (see :mod:`.layout`): HSETNX on ``:`` creates a job, other
writes go through unless the job *expired* — a tombstone left by :meth:`Commands.expire`
outlives the hash, and while it is there and the hash is gone, HSET / HINCRBY(FLOAT) /
HSETNX are dropped (increments then report ``amount``, what Redis would have answered on an
empty hash). A job deleted outright (DEL, EXPIRE <= 0) leaves no tombstone and may be
written again — the same rules as the Postgres provider.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError, ResponseError

from ...clock import Clock
from ...errors import ProviderError
from ...keys import Key
from . import payload, replies
from .layout import (
    TOMBSTONE_GRACE_S,
    claims_key,
    delayed_key,
    is_job,
    stream_key,
    tombstone_key,
)
from .scripts import ScriptSet

__all__ = ["Command", "Commands", "queue", "run"]


@dataclass(frozen=True, slots=True)
class Command:
    """``args`` is the raw command (empty: no round trip, the result is ``constant``)."""

    label: str
    args: tuple[Any, ...]
    convert: Callable[[Any], Any]
    script: AsyncScript | None = None
    constant: Any = None


def _fixed(label: str, value: Any) -> Command:
    return Command(label, (), lambda raw: raw, constant=value)


async def run(client: aioredis.Redis, cmd: Command) -> Any:
    """Execute one command now; server errors become ``ProviderError`` naming the call."""
    if not cmd.args:
        return cmd.constant
    try:
        try:
            raw = await client.execute_command(*cmd.args)  # type: ignore[no-untyped-call]
        except NoScriptError:
            if cmd.script is None:  # pragma: no cover - only EVALSHA raises it
                raise
            await client.script_load(cmd.script.script)
            raw = await client.execute_command(*cmd.args)  # type: ignore[no-untyped-call]
    except ResponseError as err:
        raise ProviderError(f"{cmd.label}: {err}") from err
    return cmd.convert(raw)


def queue(pipe: Pipeline, cmd: Command) -> None:
    """Queue ``cmd`` in a MULTI pipeline (which SCRIPT LOADs its scripts before EXEC)."""
    if cmd.script is not None:
        pipe.scripts.add(cmd.script)  # type: ignore[arg-type]
    pipe.execute_command(*cmd.args)


class Commands:
    """Builds the :class:`Command` of each write, routing job keys to their guards."""

    def __init__(self, scripts: ScriptSet, clock: Clock) -> None:
        self.s = scripts
        self.clock = clock

    @staticmethod
    def _eval(
        label: str, script: AsyncScript, keys: Sequence[str], args: Sequence[Any],
        convert: Callable[[Any], Any],
    ) -> Command:
        return Command(label, ("EVALSHA", script.sha, len(keys), *keys, *args), convert, script)

    @staticmethod
    def _job(key: Key) -> list[str]:
        return [key.render(), tombstone_key(key)]

    # -- hashes -----------------------------------------------------------------------
    def hset(self, key: Key, mapping: Mapping[str, str]) -> Command:
        label = f"HSET {key}"
        if not mapping:
            return _fixed(label, 0)
        flat = [_text(part, key) for pair in mapping.items() for part in pair]
        if is_job(key):
            return self._eval(label, self.s.job_hset, self._job(key), flat, replies.to_int)
        return Command(label, ("HSET", key.render(), *flat), replies.to_int)

    def hsetnx(self, key: Key, field: str, value: str) -> Command:
        label = f"HSETNX {key} {field}"
        args = [field, _text(value, key)]
        if is_job(key):
            return self._eval(label, self.s.job_hsetnx, self._job(key), args, replies.to_bool)
        return Command(label, ("HSETNX", key.render(), *args), replies.to_bool)

    def hdel(self, key: Key, fields: Sequence[str]) -> Command:
        label = f"HDEL {key}"
        if not fields:
            return _fixed(label, 0)
        return Command(label, ("HDEL", key.render(), *fields), replies.to_int)

    def hincrbyfloat(self, key: Key, field: str, amount: float) -> Command:
        label = f"HINCRBYFLOAT {key} {field}"
        text = replies.amount(amount, integer=False)

        def convert(raw: Any) -> float:
            return replies.to_float(raw, float(amount))

        if is_job(key):
            return self._eval(label, self.s.job_hincrbyfloat, self._job(key), [field, text],
                              convert)
        return Command(label, ("HINCRBYFLOAT", key.render(), field, text), convert)

    def hincrby(self, key: Key, field: str, amount: int) -> Command:
        label = f"HINCRBY {key} {field}"
        text = replies.amount(amount, integer=True)

        def convert(raw: Any) -> int:
            return replies.to_int(raw, int(amount))

        if is_job(key):
            return self._eval(label, self.s.job_hincrby, self._job(key), [field, text], convert)
        return Command(label, ("HINCRBY", key.render(), field, text), convert)

    # -- keys -------------------------------------------------------------------------
    def delete(self, keys: Sequence[Key]) -> Command:
        if not keys:
            return _fixed("DEL", 0)
        names = [k.render() for k in keys]
        tombs = [tombstone_key(k) for k in keys if is_job(k)]
        if not tombs:
            return Command("DEL", ("DEL", *names), replies.to_int)
        return self._eval("DEL", self.s.delete, [*names, *tombs], [len(names)], replies.to_int)

    def expire(self, key: Key, seconds: float) -> Command:
        if seconds <= 0:
            return self.delete([key])
        label = f"EXPIRE {key}"
        ms = replies.ttl_ms(seconds)
        if is_job(key):
            grace = ms + TOMBSTONE_GRACE_S * 1000
            return self._eval(label, self.s.job_expire, self._job(key), [ms, grace],
                              replies.to_bool)
        return Command(label, ("PEXPIRE", key.render(), ms), replies.to_bool)

    # -- lists and sorted sets --------------------------------------------------------
    def rpush(self, key: Key, values: Sequence[str]) -> Command:
        label = f"RPUSH {key}"
        if not values:
            return Command(label, ("LLEN", key.render()), replies.to_int)
        return Command(label, ("RPUSH", key.render(), *(_text(v, key) for v in values)),
                       replies.to_int)

    def zadd(self, key: Key, members: Mapping[str, float], nx: bool = False) -> Command:
        label = f"ZADD {key}"
        if not members:
            return _fixed(label, 0)
        flat = [part for m, s in members.items() for part in (replies.score(s), m)]
        head = ("ZADD", key.render(), "NX") if nx else ("ZADD", key.render())
        return Command(label, (*head, *flat), replies.to_int)

    def zrem(self, key: Key, members: Sequence[str]) -> Command:
        label = f"ZREM {key}"
        if not members:
            return _fixed(label, 0)
        return Command(label, ("ZREM", key.render(), *members), replies.to_int)

    # -- streams and channels ---------------------------------------------------------
    def xadd(self, stream: Key, message: dict[str, Any], delay_ms: int = 0) -> Command:
        name = stream_key(stream)
        return self.xadd_text(stream, payload.encode(message, f"xadd to {name}"), delay_ms)

    def xadd_text(self, stream: Key, text: str, delay_ms: int = 0) -> Command:
        name = stream_key(stream)
        if delay_ms > 0:
            due = self.clock.now_ms() + int(delay_ms)
            return self._eval(f"XADD {name}", self.s.stream_delay,
                              [delayed_key(stream), claims_key(stream)], [due, text],
                              lambda raw: str(raw[0]))
        return Command(f"XADD {name}", ("XADD", name, "*", "message", text), str)

    def xack(self, stream: Key, group: str, ids: Sequence[str]) -> Command:
        name = stream_key(stream)
        if not ids:
            return _fixed(f"XACK {name}", 0)
        return self._eval(f"XACK {name}", self.s.stream_ack, [name, claims_key(stream)],
                          [group, *ids], replies.to_int)

    def xlen(self, stream: Key) -> Command:
        name = stream_key(stream)
        return self._eval(f"XLEN {name}", self.s.stream_length, [name, delayed_key(stream)], [],
                          replies.to_int)

    def publish(self, channel: str, message: dict[str, Any]) -> Command:
        text = payload.encode(message, f"publish to {channel}")
        return Command(f"PUBLISH {channel}", ("PUBLISH", channel, text), replies.to_int)


def _text(value: object, key: Key) -> str:
    if not isinstance(value, str):
        raise ProviderError(
            f"values stored under {key.render()!r} must be str, got {type(value).__name__}"
        )
    return value
