"""Every Lua script of the Redis provider, named by the one guarantee each buys.

A script runs atomically on the server, so each one closes a race that separate commands
would leave open (a late write resurrecting an expired job; two claimers winning one entry;
a delayed entry promoted twice). Every script is one command, so inside MULTI/EXEC it yields
exactly one reply, which keeps transaction results aligned with the calls that queued them.

Arguments larger than Lua's stack are fed to ``unpack`` in slices of ``SLICE`` items.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.commands.core import AsyncScript

SLICE = 4000

_WRITABLE = """
local function writable(job, tomb)
  return redis.call('EXISTS', job) == 1 or redis.call('EXISTS', tomb) == 0
end
"""

JOB_HSET = _WRITABLE + """
if not writable(KEYS[1], KEYS[2]) then return 0 end
local n = 0
for i = 1, #ARGV, 4000 do
  n = n + redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 3999, #ARGV)))
end
return n
"""
"""HSET on a job unless it expired (its tombstone is there and the hash is gone).

KEYS: job hash, tombstone. ARGV: field, value, field, value, ...
"""

JOB_HINCRBYFLOAT = _WRITABLE + """
if not writable(KEYS[1], KEYS[2]) then return false end
return redis.call('HINCRBYFLOAT', KEYS[1], ARGV[1], ARGV[2])
"""
"""HINCRBYFLOAT unless the job expired; nil then (the caller reports ``amount``)."""

JOB_HINCRBY = _WRITABLE + """
if not writable(KEYS[1], KEYS[2]) then return false end
return redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
"""
"""HINCRBY unless the job expired; nil then."""

JOB_HSETNX = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[1] == ':' then
    redis.call('DEL', KEYS[2])
  elseif redis.call('EXISTS', KEYS[2]) == 1 then
    return 0
  end
end
return redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
"""
"""HSETNX; on the status field ``:`` it (re)creates an expired job, clearing its tombstone.

KEYS: job hash, tombstone. ARGV: field, value.
"""

JOB_EXPIRE = """
if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
return 1
"""
"""PEXPIRE a job and leave a tombstone that outlives it, so late writes can tell
"expired" from "never created". KEYS: job hash, tombstone. ARGV: ttl ms, tombstone ttl ms.
"""

DELETE = """
local n = tonumber(ARGV[1])
local removed = redis.call('DEL', unpack(KEYS, 1, n))
if #KEYS > n then redis.call('DEL', unpack(KEYS, n + 1, #KEYS)) end
return removed
"""
"""DEL keys (the first ARGV[1] of KEYS) and, silently, the tombstones after them: a job
deleted outright (scrub, EXPIRE 0) may be written again, as on Postgres.
"""

_PROMOTE = """
local function promote(stream, delayed, now)
  local due = redis.call('ZRANGEBYSCORE', delayed, '-inf', now, 'LIMIT', 0, 1000)
  for _, member in ipairs(due) do
    local sep = string.find(member, ' ', 1, true)
    redis.call('XADD', stream, '*', 'message', string.sub(member, sep + 1))
    redis.call('ZREM', delayed, member)
  end
end
"""

_ENSURE_GROUP = """
local function ensure_group(stream, group)
  local made = redis.pcall('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
  if type(made) == 'table' and made.err and string.sub(made.err, 1, 9) ~= 'BUSYGROUP' then
    return redis.error_reply(made.err)
  end
end
"""

STREAM_DELAY = """
local ids = {}
for i = 2, #ARGV do
  local seq = redis.call('HINCRBY', KEYS[2], '#seq', 1)
  local pid = ARGV[1] .. '-d' .. seq
  redis.call('ZADD', KEYS[1], ARGV[1], pid .. ' ' .. ARGV[i])
  ids[#ids + 1] = pid
end
return ids
"""
"""Park entries in the delayed sorted set (score = due ms); return provisional ids.

KEYS: delayed zset, claims hash (holds the ``#seq`` counter). ARGV: due ms, payloads.
"""

STREAM_CONSUME = _PROMOTE + _ENSURE_GROUP + """
local stream, delayed, claims = KEYS[1], KEYS[2], KEYS[3]
local group, consumer, count, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
promote(stream, delayed, now)
local bad = ensure_group(stream, group)
if bad then return bad end
local read = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count,
                        'STREAMS', stream, '>')
local out = {}
if read then
  for _, entry in ipairs(read[1][2]) do
    redis.call('HSET', claims, group .. ' ' .. entry[1], now)
    out[#out + 1] = entry
  end
end
local last = '0-0'
local info = redis.call('XINFO', 'STREAM', stream)
for i = 1, #info, 2 do
  if info[i] == 'last-generated-id' then last = info[i + 1] end
end
local next_due = redis.call('ZRANGE', delayed, 0, 0, 'WITHSCORES')
return {out, last, next_due[2] or false}
"""
"""Promote due delayed entries, then XREADGROUP ``>`` and stamp each delivery with ``now``.

Delivery times are kept by the provider's clock in the claims hash (``<group> <id>`` -> ms)
because XPENDING/XCLAIM idle times come from the server clock, which a test's ManualClock
cannot move. Also returns the stream's last generated id (so a blocking wait can XREAD
strictly after it without missing an entry) and the next due time of a delayed entry.

KEYS: stream, delayed zset, claims hash. ARGV: group, consumer, count, now ms.
"""

_IDLE = """
local function idle_of(claims, group, row, now)
  local at = redis.call('HGET', claims, group .. ' ' .. row[1])
  if at then return tonumber(now) - tonumber(at) end
  return tonumber(row[3])
end
"""

STREAM_CLAIM = _IDLE + """
local stream, claims = KEYS[1], KEYS[2]
local group, consumer, min_idle, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local out = {}
for i = 5, #ARGV do
  local id = ARGV[i]
  local rows = redis.call('XPENDING', stream, group, id, id, 1)
  local row = rows[1]
  if row and idle_of(claims, group, row, now) >= min_idle then
    local got = redis.call('XCLAIM', stream, group, consumer, 0, id)
    if got[1] then
      redis.call('HSET', claims, group .. ' ' .. id, now)
      out[#out + 1] = {got[1][1], got[1][2], tonumber(row[4]) + 1}
    end
  end
end
return out
"""
"""XCLAIM gated on idle time measured by the provider's clock (see STREAM_CONSUME).

Entries delivered by a foreign client (no stamp) fall back to the server's idle time.
KEYS: stream, claims hash. ARGV: group, consumer, min idle ms, now ms, ids.
"""

STREAM_PENDING = _IDLE + """
local rows = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', ARGV[2])
local out = {}
for _, row in ipairs(rows) do
  out[#out + 1] = {row[1], row[2], idle_of(KEYS[2], ARGV[1], row, ARGV[3]), row[4]}
end
return out
"""
"""XPENDING - + count with idle times from the provider's clock.

KEYS: stream, claims hash. ARGV: group, count, now ms.
"""

STREAM_ACK = """
local ids = {}
for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end
local n = 0
for i = 1, #ids, 4000 do
  local part = {unpack(ids, i, math.min(i + 3999, #ids))}
  n = n + redis.call('XACK', KEYS[1], ARGV[1], unpack(part))
  redis.call('XDEL', KEYS[1], unpack(part))
  for _, id in ipairs(part) do redis.call('HDEL', KEYS[2], ARGV[1] .. ' ' .. id) end
end
return n
"""
"""XACK + XDEL (HotMesh's ack) plus dropping the delivery stamps; returns XACK's count.

KEYS: stream, claims hash. ARGV: group, ids.
"""

STREAM_LENGTH = """
return redis.call('XLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2])
"""
"""Entries not yet acknowledged: in the stream (pending or not) plus still delayed."""


class ScriptSet:
    """The scripts registered on one client (EVALSHA, loaded on first use or by a pipeline)."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.job_hset = client.register_script(JOB_HSET)
        self.job_hsetnx = client.register_script(JOB_HSETNX)
        self.job_expire = client.register_script(JOB_EXPIRE)
        self.delete = client.register_script(DELETE)
        self.job_hincrbyfloat = client.register_script(JOB_HINCRBYFLOAT)
        self.job_hincrby = client.register_script(JOB_HINCRBY)
        self.stream_delay = client.register_script(STREAM_DELAY)
        self.stream_consume = client.register_script(STREAM_CONSUME)
        self.stream_claim = client.register_script(STREAM_CLAIM)
        self.stream_pending = client.register_script(STREAM_PENDING)
        self.stream_ack = client.register_script(STREAM_ACK)
        self.stream_length = client.register_script(STREAM_LENGTH)

    @staticmethod
    def queue(
        pipe: Pipeline, script: AsyncScript, keys: Sequence[str], args: Sequence[str | int]
    ) -> None:
        """Queue an EVALSHA in a MULTI pipeline (the pipeline SCRIPT LOADs it before EXEC)."""
        pipe.scripts.add(script)  # type: ignore[arg-type]
        pipe.execute_command("EVALSHA", script.sha, len(keys), *keys, *args)
