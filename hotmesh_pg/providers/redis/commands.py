"""Every write of the Redis provider as data: one command plus how to read its reply.

The Store runs a :class:`Command` at once; the Transaction collects the very same commands
and :func:`run_all` sends them in one validated, atomic script (MULTI/EXEC's visibility plus
the protocol's all-or-nothing). So a call returns the same value alone or in ``exec()``.

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
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError, ResponseError

from ...clock import Clock
from ...errors import ProviderError
from ...keys import Key
from . import payload, replies
from .layout import (
    TOMBSTONE_GRACE_S,
    claims_key,
    companions_of,
    delayed_key,
    is_job,
    stream_key,
    tombstone_key,
    wake_key,
)
from .scripts import ScriptSet

__all__ = ["Command", "Commands", "run", "run_all"]


@dataclass(frozen=True, slots=True)
class Command:
    """One Redis command (upper case) or library function of :data:`~.scripts.WRITES`
    (lower case) on ``keys`` with ``args``; an empty ``name`` needs no round trip and
    answers ``constant``. ``convert`` turns the raw reply into the protocol's type.
    """

    label: str
    name: str
    keys: tuple[str, ...]
    args: tuple[Any, ...]
    convert: Callable[[Any], Any]
    constant: Any = None


def _fixed(label: str, value: Any) -> Command:
    return Command(label, "", (), (), lambda raw: raw, constant=value)


async def _evalsha(client: aioredis.Redis, script: AsyncScript, keys: Sequence[str],
                   args: Sequence[Any]) -> Any:
    try:
        return await client.evalsha(script.sha, len(keys), *keys, *args)
    except NoScriptError:
        await client.script_load(script.script)
        return await client.evalsha(script.sha, len(keys), *keys, *args)


async def run(client: aioredis.Redis, scripts: ScriptSet, cmd: Command) -> Any:
    """Execute one command now; server errors become ``ProviderError`` naming the call."""
    if not cmd.name:
        return cmd.constant
    try:
        if cmd.name.islower():
            raw = await _evalsha(client, scripts.writes[cmd.name], cmd.keys, cmd.args)
        else:
            raw = await client.execute_command(  # type: ignore[no-untyped-call]
                cmd.name, *cmd.keys, *cmd.args
            )
    except ResponseError as err:
        raise ProviderError(f"{cmd.label}: {err}") from err
    return cmd.convert(raw)


async def run_all(
    client: aioredis.Redis, scripts: ScriptSet, cmds: Sequence[Command]
) -> list[Any]:
    """Execute ``cmds`` as one validated, atomic transaction script (see :mod:`.scripts`)."""
    sent = [cmd for cmd in cmds if cmd.name]
    raw: list[Any] = []
    if sent:
        index: dict[str, int] = {}
        argv: list[Any] = [len(sent)]
        for cmd in sent:
            argv += [cmd.name, len(cmd.keys), len(cmd.args)]
            argv += [index.setdefault(k, len(index) + 1) for k in cmd.keys]
            argv += cmd.args
        try:
            raw = list(await _evalsha(client, scripts.transaction, list(index), argv))
        except ResponseError as err:
            raise ProviderError(_failure(str(err), sent)) from err
    replies_ = iter(raw)
    return [cmd.convert(next(replies_)) if cmd.name else cmd.constant for cmd in cmds]


def _failure(message: str, sent: Sequence[Command]) -> str:
    """'op 3: WRONGTYPE ...' from the script, with the failing call's label put back."""
    head, _, rest = message.partition(": ")
    number = head.removeprefix("op ").strip()
    if not (number.isdigit() and 1 <= int(number) <= len(sent)):
        return f"transaction failed: {message}"
    label = sent[int(number) - 1].label
    if rest.endswith("(commands before it were applied)"):
        return f"transaction failed part-way at {label}: {rest}"
    return f"transaction refused, nothing written: {label}: {rest}"


class Commands:
    """Builds the :class:`Command` of each write, routing job keys to their guards."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    @staticmethod
    def _job(key: Key) -> tuple[str, str]:
        return (key.render(), tombstone_key(key))

    # -- hashes -----------------------------------------------------------------------
    def hset(self, key: Key, mapping: Mapping[str, str]) -> Command:
        label = f"HSET {key}"
        if not mapping:
            return _fixed(label, 0)
        flat = [_text(part, key) for pair in mapping.items() for part in pair]
        if is_job(key):
            return Command(label, "job_hset", self._job(key), tuple(flat), replies.to_int)
        return Command(label, "hset", (key.render(),), tuple(flat), replies.to_int)

    def hsetnx(self, key: Key, field: str, value: str) -> Command:
        label = f"HSETNX {key} {field}"
        args = (field, _text(value, key))
        if is_job(key):
            return Command(label, "job_hsetnx", self._job(key), args, replies.to_bool)
        return Command(label, "HSETNX", (key.render(),), args, replies.to_bool)

    def hdel(self, key: Key, fields: Sequence[str]) -> Command:
        label = f"HDEL {key}"
        if not fields:
            return _fixed(label, 0)
        return Command(label, "HDEL", (key.render(),), tuple(fields), replies.to_int)

    def hincrbyfloat(self, key: Key, field: str, amount: float) -> Command:
        label = f"HINCRBYFLOAT {key} {field}"
        text = replies.amount(amount, integer=False)

        def convert(raw: Any) -> float:
            return replies.to_float(raw, float(amount))

        if is_job(key):
            return Command(label, "job_hincrbyfloat", self._job(key), (field, text), convert)
        return Command(label, "HINCRBYFLOAT", (key.render(),), (field, text), convert)

    def hincrby(self, key: Key, field: str, amount: int) -> Command:
        label = f"HINCRBY {key} {field}"
        text = replies.amount(amount, integer=True)

        def convert(raw: Any) -> int:
            return replies.to_int(raw, int(amount))

        if is_job(key):
            return Command(label, "job_hincrby", self._job(key), (field, text), convert)
        return Command(label, "HINCRBY", (key.render(),), (field, text), convert)

    # -- keys -------------------------------------------------------------------------
    def delete(self, keys: Sequence[Key]) -> Command:
        if not keys:
            return _fixed("DEL", 0)
        names = tuple(k.render() for k in keys)
        companions = tuple(companion for k in keys for companion in companions_of(k))
        if not companions:
            return Command("DEL", "DEL", names, (), replies.to_int)
        return Command("DEL", "delete", names + companions, (len(names),), replies.to_int)

    def expire(self, key: Key, seconds: float) -> Command:
        if seconds <= 0:
            return self.delete([key])
        label = f"EXPIRE {key}"
        ms = replies.ttl_ms(seconds)
        if is_job(key):
            grace = ms + TOMBSTONE_GRACE_S * 1000
            return Command(label, "job_expire", self._job(key), (ms, grace), replies.to_bool)
        return Command(label, "PEXPIRE", (key.render(),), (ms,), replies.to_bool)

    # -- lists and sorted sets --------------------------------------------------------
    def rpush(self, key: Key, values: Sequence[str]) -> Command:
        label = f"RPUSH {key}"
        if not values:
            return Command(label, "LLEN", (key.render(),), (), replies.to_int)
        texts = tuple(_text(v, key) for v in values)
        return Command(label, "RPUSH", (key.render(),), texts, replies.to_int)

    def zadd(self, key: Key, members: Mapping[str, float], nx: bool = False) -> Command:
        label = f"ZADD {key}"
        if not members:
            return _fixed(label, 0)
        flat = [part for m, s in members.items() for part in (replies.score(s), m)]
        args = ("NX", *flat) if nx else tuple(flat)
        return Command(label, "ZADD", (key.render(),), args, replies.to_int)

    def zrem(self, key: Key, members: Sequence[str]) -> Command:
        label = f"ZREM {key}"
        if not members:
            return _fixed(label, 0)
        return Command(label, "ZREM", (key.render(),), tuple(members), replies.to_int)

    # -- streams and channels ---------------------------------------------------------
    def xadd(self, stream: Key, message: dict[str, Any], delay_ms: int = 0) -> Command:
        name = stream_key(stream)
        return self.xadd_text(stream, payload.encode(message, f"xadd to {name}"), delay_ms)

    def xadd_text(self, stream: Key, text: str, delay_ms: int = 0) -> Command:
        name = stream_key(stream)
        if delay_ms > 0:
            due = self.clock.now_ms() + int(delay_ms)
            return Command(f"XADD {name}", "stream_delay",
                           (delayed_key(stream), claims_key(stream), wake_key(stream)),
                           (due, text),
                           lambda raw: str(raw[0]))
        return Command(f"XADD {name}", "XADD", (name,), ("*", "message", text), str)

    def xack(self, stream: Key, group: str, ids: Sequence[str]) -> Command:
        name = stream_key(stream)
        if not ids:
            return _fixed(f"XACK {name}", 0)
        return Command(f"XACK {name}", "stream_ack", (name, claims_key(stream)),
                       (group, *ids), replies.to_int)

    def xlen(self, stream: Key) -> Command:
        name = stream_key(stream)
        return Command(f"XLEN {name}", "stream_length", (name, delayed_key(stream)), (),
                       replies.to_int)

    def publish(self, channel: str, message: dict[str, Any]) -> Command:
        text = payload.encode(message, f"publish to {channel}")
        return Command(f"PUBLISH {channel}", "PUBLISH", (), (channel, text), replies.to_int)


def _text(value: object, key: Key) -> str:
    if not isinstance(value, str):
        raise ProviderError(
            f"values stored under {key.render()!r} must be str, got {type(value).__name__}"
        )
    return value
