"""MULTI/EXEC as the Transaction protocol: queue commands, send them in one EXEC.

Each call queues exactly one :class:`~.commands.Command` — the same one the Store would run
alone — so EXEC's reply list lines up with the calls and each reply is converted as the
standalone method converts it. Calls that need no command (empty field lists) keep their
slot with a constant result.

Redis's own rule applies to runtime errors: EXEC is all-or-nothing for *visibility*, but a
command that fails inside it (WRONGTYPE, a non-numeric HINCRBYFLOAT) does not undo the
others. Such a failure is raised as :class:`ProviderError` naming the failed calls, so the
caller never mistakes a partial EXEC for success (runtime.md 7.4, MULTI/EXEC row).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import redis.asyncio as aioredis

from ...errors import ProviderError
from ...keys import Key
from .commands import Command, Commands, queue

__all__ = ["RedisTransaction"]


class RedisTransaction:
    def __init__(self, client: aioredis.Redis, commands: Commands) -> None:
        self._r = client
        self._c = commands
        self._queued: list[Command] = []
        self._done = False

    def _add(self, cmd: Command) -> RedisTransaction:
        if self._done:
            raise ProviderError("this transaction was already executed; start a new one")
        self._queued.append(cmd)
        return self

    def hset(self, key: Key, mapping: Mapping[str, str]) -> RedisTransaction:
        return self._add(self._c.hset(key, mapping))

    def hsetnx(self, key: Key, field: str, value: str) -> RedisTransaction:
        return self._add(self._c.hsetnx(key, field, value))

    def hdel(self, key: Key, fields: Sequence[str]) -> RedisTransaction:
        return self._add(self._c.hdel(key, fields))

    def hincrbyfloat(self, key: Key, field: str, amount: float) -> RedisTransaction:
        return self._add(self._c.hincrbyfloat(key, field, amount))

    def hincrby(self, key: Key, field: str, amount: int) -> RedisTransaction:
        return self._add(self._c.hincrby(key, field, amount))

    def delete(self, *keys: Key) -> RedisTransaction:
        return self._add(self._c.delete(keys))

    def expire(self, key: Key, seconds: float) -> RedisTransaction:
        return self._add(self._c.expire(key, seconds))

    def rpush(self, key: Key, values: Sequence[str]) -> RedisTransaction:
        return self._add(self._c.rpush(key, values))

    def zadd(self, key: Key, members: Mapping[str, float], nx: bool = False) -> RedisTransaction:
        return self._add(self._c.zadd(key, members, nx))

    def zrem(self, key: Key, members: Sequence[str]) -> RedisTransaction:
        return self._add(self._c.zrem(key, members))

    def xadd(self, stream: Key, message: dict[str, Any], delay_ms: int = 0) -> RedisTransaction:
        return self._add(self._c.xadd(stream, message, delay_ms))

    def xack(self, stream: Key, group: str, ids: Sequence[str]) -> RedisTransaction:
        return self._add(self._c.xack(stream, group, ids))

    def xlen(self, stream: Key) -> RedisTransaction:
        return self._add(self._c.xlen(stream))

    def publish(self, channel: str, message: dict[str, Any]) -> RedisTransaction:
        return self._add(self._c.publish(channel, message))

    async def exec(self) -> list[Any]:
        if self._done:
            raise ProviderError("this transaction was already executed; start a new one")
        self._done = True
        sent = [cmd for cmd in self._queued if cmd.args]
        raw: list[Any] = []
        if sent:
            async with self._r.pipeline(transaction=True) as pipe:
                for cmd in sent:
                    queue(pipe, cmd)
                raw = await pipe.execute(raise_on_error=False)
        failures = [
            f"{cmd.label}: {reply}"
            for cmd, reply in zip(sent, raw, strict=True)
            if isinstance(reply, Exception)
        ]
        if failures:
            raise ProviderError(
                "transaction failed (Redis applied its other commands): " + "; ".join(failures)
            )
        replies = iter(raw)
        return [
            cmd.convert(next(replies)) if cmd.args else cmd.constant for cmd in self._queued
        ]
