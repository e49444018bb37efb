"""The Transaction protocol: queue commands, apply them in one atomic step at ``exec()``.

Each call queues exactly one :class:`~.commands.Command` — the same one the Store would run
alone — so the results line up with the calls and each is converted as the standalone
method converts it. Calls that need no command (empty field lists) keep their slot with a
constant result.

``exec()`` sends everything as one Lua script rather than MULTI/EXEC: both are atomic and
invisible until done, but EXEC applies the commands around a failing one, while the script
validates every command before the first write (wrong key types, non-numeric increments,
bad stream ids) and refuses the whole transaction — the protocol's all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import redis.asyncio as aioredis

from ...errors import ProviderError
from ...keys import Key
from .commands import Command, Commands, run_all
from .scripts import ScriptSet

__all__ = ["RedisTransaction"]


class RedisTransaction:
    def __init__(self, client: aioredis.Redis, scripts: ScriptSet, commands: Commands) -> None:
        self._r = client
        self._s = scripts
        self._c = commands
        self._queued: list[Command] = []
        self._callbacks: list[tuple[int, Callable[[], None]]] = []
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

    def on_commit(self, callback: Callable[[], None]) -> RedisTransaction:
        if self._done:
            raise ProviderError("this transaction was already executed; start a new one")
        self._callbacks.append((len(self._queued) + len(self._callbacks), callback))
        return self

    async def exec(self) -> list[Any]:
        if self._done:
            raise ProviderError("this transaction was already executed; start a new one")
        self._done = True
        results = await run_all(self._r, self._s, self._queued) if self._queued else []
        for position, _ in self._callbacks:
            results.insert(position, None)
        for _, callback in self._callbacks:
            callback()
        return results

    async def submit(self) -> None:
        """No units of work on Redis: the same as :meth:`exec`, results dropped."""
        await self.exec()
