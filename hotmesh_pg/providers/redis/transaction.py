"""MULTI/EXEC as the Transaction protocol: queue commands, send them in one EXEC.

Each queued call is exactly one Redis command (multi-command steps are Lua scripts), so
EXEC's reply list lines up with the calls; each reply goes through the same converter the
standalone method uses. Calls that need no command (empty field lists) keep their slot with
a constant result.

Redis's own rule applies to runtime errors: EXEC is all-or-nothing for *visibility*, but a
command that fails inside it (WRONGTYPE, a non-numeric HINCRBYFLOAT) does not undo the
others. Such a failure is raised as :class:`ProviderError` naming the failed calls, so the
caller never mistakes a partial EXEC for success (runtime.md 7.4, MULTI/EXEC row).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from ...clock import Clock, SystemClock
from ...errors import ProviderError
from ...keys import Key
from . import payload, replies
from .layout import claims_key, delayed_key, is_job, stream_key
from .scripts import ScriptSet

__all__ = ["RedisTransaction"]

Convert = Callable[[Any], Any]
_CONSTANT = object()


class RedisTransaction:
    def __init__(
        self, client: aioredis.Redis, scripts_: ScriptSet, clock: Clock | None = None
    ) -> None:
        self._pipe = client.pipeline(transaction=True)
        self._s = scripts_
        self._clock = clock or SystemClock()
        self._steps: list[tuple[str, Convert | None, Any]] = []
        self._done = False

    # -- queueing ---------------------------------------------------------------------
    def _queue(self, label: str, convert: Convert) -> RedisTransaction:
        self._check_open()
        self._steps.append((label, convert, _CONSTANT))
        return self

    def _constant(self, label: str, value: Any) -> RedisTransaction:
        self._check_open()
        self._steps.append((label, None, value))
        return self

    def _check_open(self) -> None:
        if self._done:
            raise ProviderError("this transaction was already executed; start a new one")

    def hset(self, key: Key, mapping: Mapping[str, str]) -> RedisTransaction:
        if not mapping:
            return self._constant("HSET", 0)
        if is_job(key):
            flat = [part for pair in mapping.items() for part in pair]
            self._s.queue(self._pipe, self._s.job_hset, [key.render()], flat)
        else:
            self._pipe.hset(key.render(), mapping=replies.fields(mapping))
        return self._queue(f"HSET {key}", replies.to_int)

    def hsetnx(self, key: Key, field: str, value: str) -> RedisTransaction:
        self._pipe.hsetnx(key.render(), field, value)
        return self._queue(f"HSETNX {key}", replies.to_bool)

    def hdel(self, key: Key, fields: Sequence[str]) -> RedisTransaction:
        if not fields:
            return self._constant("HDEL", 0)
        self._pipe.hdel(key.render(), *fields)
        return self._queue(f"HDEL {key}", replies.to_int)

    def hincrbyfloat(self, key: Key, field: str, amount: float) -> RedisTransaction:
        if is_job(key):
            self._s.queue(self._pipe, self._s.job_hincrbyfloat, [key.render()],
                          [field, repr(amount)])
        else:
            self._pipe.hincrbyfloat(key.render(), field, amount)
        return self._queue(
            f"HINCRBYFLOAT {key} {field}", lambda raw: replies.to_float(raw, amount)
        )

    def hincrby(self, key: Key, field: str, amount: int) -> RedisTransaction:
        if is_job(key):
            self._s.queue(self._pipe, self._s.job_hincrby, [key.render()], [field, int(amount)])
        else:
            self._pipe.hincrby(key.render(), field, int(amount))
        return self._queue(f"HINCRBY {key} {field}", lambda raw: replies.to_int(raw, amount))

    def delete(self, *keys: Key) -> RedisTransaction:
        if not keys:
            return self._constant("DEL", 0)
        self._pipe.delete(*(k.render() for k in keys))
        return self._queue("DEL", replies.to_int)

    def expire(self, key: Key, seconds: float) -> RedisTransaction:
        if seconds <= 0:
            self._pipe.delete(key.render())
        else:
            self._pipe.pexpire(key.render(), replies.ttl_ms(seconds))
        return self._queue(f"EXPIRE {key}", replies.to_bool)

    def rpush(self, key: Key, values: Sequence[str]) -> RedisTransaction:
        if not values:
            self._pipe.llen(key.render())
        else:
            self._pipe.rpush(key.render(), *values)
        return self._queue(f"RPUSH {key}", replies.to_int)

    def zadd(self, key: Key, members: Mapping[str, float], nx: bool = False) -> RedisTransaction:
        if not members:
            return self._constant("ZADD", 0)
        self._pipe.zadd(key.render(), replies.scores(members), nx=nx)
        return self._queue(f"ZADD {key}", replies.to_int)

    def zrem(self, key: Key, members: Sequence[str]) -> RedisTransaction:
        if not members:
            return self._constant("ZREM", 0)
        self._pipe.zrem(key.render(), *members)
        return self._queue(f"ZREM {key}", replies.to_int)

    def xadd(self, stream: Key, message: dict[str, Any], delay_ms: int = 0) -> RedisTransaction:
        name = stream_key(stream)
        text = payload.encode(message, f"xadd to {name}")
        if delay_ms > 0:
            due = self._clock.now_ms() + int(delay_ms)
            self._s.queue(self._pipe, self._s.stream_delay,
                          [delayed_key(stream), claims_key(stream)], [due, text])
            return self._queue(f"XADD {name}", lambda raw: str(raw[0]))
        self._pipe.xadd(name, {"message": text})
        return self._queue(f"XADD {name}", str)

    def xack(self, stream: Key, group: str, ids: Sequence[str]) -> RedisTransaction:
        if not ids:
            return self._constant("XACK", 0)
        self._s.queue(self._pipe, self._s.stream_ack,
                      [stream_key(stream), claims_key(stream)], [group, *ids])
        return self._queue(f"XACK {stream}", replies.to_int)

    def xlen(self, stream: Key) -> RedisTransaction:
        self._s.queue(self._pipe, self._s.stream_length,
                      [stream_key(stream), delayed_key(stream)], [])
        return self._queue(f"XLEN {stream}", replies.to_int)

    def publish(self, channel: str, message: dict[str, Any]) -> RedisTransaction:
        self._pipe.publish(channel, payload.encode(message, f"publish to {channel}"))
        return self._queue(f"PUBLISH {channel}", replies.to_int)

    # -- execution --------------------------------------------------------------------
    async def exec(self) -> list[Any]:
        self._check_open()
        self._done = True
        if all(convert is None for _, convert, _ in self._steps):
            return [value for _, _, value in self._steps]
        try:
            raw = await self._pipe.execute(raise_on_error=False)
        except WatchError as err:  # pragma: no cover - no WATCH is ever issued
            raise ProviderError(f"transaction aborted: {err}") from err
        finally:
            await self._pipe.reset()  # type: ignore[no-untyped-call]
        failures = [
            f"{label}: {reply}"
            for (label, convert, _), reply in zip(
                (s for s in self._steps if s[1] is not None), raw, strict=True
            )
            if isinstance(reply, Exception)
        ]
        if failures:
            raise ProviderError("transaction failed (Redis applied the other commands): "
                                + "; ".join(failures))
        out: list[Any] = []
        replies_iter = iter(raw)
        for _, convert, value in self._steps:
            out.append(value if convert is None else convert(next(replies_iter)))
        return out

