"""Every Lua script of the Redis provider, named by the one guarantee each buys.

A script runs atomically on the server, so each one closes a race that separate commands
would leave open (a late write resurrecting an expired job; two claimers winning one entry;
a delayed entry promoted twice).

Writes live in one Lua library (``WRITES``: a table ``F`` of functions ``(keys, args)``).
Each function is also a standalone script, and the transaction script (``TRANSACTION``)
runs any sequence of library functions and plain commands after *validating all of them*:
Redis never rolls back, so the script first checks what could fail at run time (a key of
the wrong type, a non-numeric field under HINCRBY / HINCRBYFLOAT — including a value set
earlier in the same transaction — a malformed stream id) and refuses the whole transaction
before its first write. That gives the protocol's all-or-nothing EXEC on Redis. A failure
the checks cannot foresee (numeric overflow) still stops at that command, with the earlier
commands applied, as MULTI/EXEC would; the error says which command.

Arguments larger than Lua's stack are fed to ``unpack`` in slices of 4000 items.
"""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript

__all__ = [
    "LIBRARY_FUNCTIONS",
    "STREAM_CLAIM",
    "STREAM_CONSUME",
    "STREAM_PENDING",
    "TRANSACTION",
    "WRITES",
    "ScriptSet",
]

WRITES = """
local F = {}

local function sliced(cmd, key, list, first)
  local n = 0
  for i = first, #list, 4000 do
    n = n + redis.call(cmd, key, unpack(list, i, math.min(i + 3999, #list)))
  end
  return n
end

-- a job takes writes unless it expired: its hash is gone and its tombstone is there
local function writable(job, tomb)
  return redis.call('EXISTS', job) == 1 or redis.call('EXISTS', tomb) == 0
end

F.hset = function(k, a) return sliced('HSET', k[1], a, 1) end

F.job_hset = function(k, a)
  if not writable(k[1], k[2]) then return 0 end
  return sliced('HSET', k[1], a, 1)
end

-- HSETNX of the status field ':' creates a job, replacing an expired one
F.job_hsetnx = function(k, a)
  if redis.call('EXISTS', k[1]) == 0 then
    if a[1] == ':' then
      redis.call('DEL', k[2])
    elseif redis.call('EXISTS', k[2]) == 1 then
      return 0
    end
  end
  return redis.call('HSETNX', k[1], a[1], a[2])
end

F.job_hincrbyfloat = function(k, a)
  if not writable(k[1], k[2]) then return false end
  return redis.call('HINCRBYFLOAT', k[1], a[1], a[2])
end

F.job_hincrby = function(k, a)
  if not writable(k[1], k[2]) then return false end
  return redis.call('HINCRBY', k[1], a[1], a[2])
end

-- PEXPIRE a job and leave a tombstone that outlives it (args: ttl ms, tombstone ttl ms)
F.job_expire = function(k, a)
  if redis.call('PEXPIRE', k[1], a[1]) == 0 then return 0 end
  redis.call('SET', k[2], '1', 'PX', a[2])
  return 1
end

-- DEL the first a[1] keys, and silently their companions after them (a job's tombstone:
-- a job deleted outright may be written again; a stream's delayed entries and stamps)
F.delete = function(k, a)
  local n = tonumber(a[1])
  local removed = redis.call('DEL', unpack(k, 1, n))
  if #k > n then redis.call('DEL', unpack(k, n + 1, #k)) end
  return removed
end

-- park entries in the delayed zset (score = due ms); provisional ids '<due>-d<seq>'
-- keys: delayed zset, claims hash (holds '#seq'), wake stream; args: due ms, payloads
F.stream_delay = function(k, a)
  local ids = {}
  for i = 2, #a do
    local pid = a[1] .. '-d' .. redis.call('HINCRBY', k[2], '#seq', 1)
    redis.call('ZADD', k[1], a[1], pid .. ' ' .. a[i])
    ids[#ids + 1] = pid
  end
  redis.call('XADD', k[3], 'MAXLEN', '1', '*', 'due', a[1])
  return ids
end

-- XACK + XDEL (HotMesh's ack) and drop the delivery stamps; keys: stream, claims hash;
-- args: group, ids
F.stream_ack = function(k, a)
  local n = 0
  for i = 2, #a, 4000 do
    local part = {unpack(a, i, math.min(i + 3999, #a))}
    n = n + redis.call('XACK', k[1], a[1], unpack(part))
    redis.call('XDEL', k[1], unpack(part))
    for _, id in ipairs(part) do redis.call('HDEL', k[2], a[1] .. ' ' .. id) end
  end
  return n
end

-- entries not yet acknowledged: in the stream (pending or not) plus still delayed
F.stream_length = function(k, a)
  return redis.call('XLEN', k[1]) + redis.call('ZCARD', k[2])
end
"""

LIBRARY_FUNCTIONS = (
    "hset", "job_hset", "job_hsetnx", "job_hincrbyfloat", "job_hincrby", "job_expire",
    "delete", "stream_delay", "stream_ack", "stream_length",
)

TRANSACTION = WRITES + """
-- ARGV: op count, then per op: name, #keys, #args, key indexes into KEYS..., args...
local ops, p = {}, 2
for i = 1, tonumber(ARGV[1]) do
  local name, nk, na = ARGV[p], tonumber(ARGV[p + 1]), tonumber(ARGV[p + 2])
  p = p + 3
  local keys, args = {}, {}
  for j = 1, nk do keys[j] = KEYS[tonumber(ARGV[p])]; p = p + 1 end
  for j = 1, na do args[j] = ARGV[p]; p = p + 1 end
  ops[i] = {name, keys, args}
end

-- expected type of each key position ('*' any); DEL / delete take any type
local EXPECT = {
  hset = {'hash'}, HSETNX = {'hash'}, HDEL = {'hash'}, HINCRBY = {'hash'},
  HINCRBYFLOAT = {'hash'}, job_hset = {'hash', 'string'}, job_hsetnx = {'hash', 'string'},
  job_hincrby = {'hash', 'string'}, job_hincrbyfloat = {'hash', 'string'},
  job_expire = {'*', 'string'}, PEXPIRE = {'*'}, DEL = {}, delete = {},
  LLEN = {'list'}, RPUSH = {'list'}, ZADD = {'zset'}, ZREM = {'zset'},
  XADD = {'stream'}, stream_delay = {'zset', 'hash', 'stream'}, stream_ack = {'stream', 'hash'},
  stream_length = {'stream', 'zset'}, PUBLISH = {},
}
local CREATES = {
  hset = true, HSETNX = true, HINCRBY = true, HINCRBYFLOAT = true, job_hset = true,
  job_hsetnx = true, job_hincrby = true, job_hincrbyfloat = true, RPUSH = true,
  ZADD = true, XADD = true, stream_delay = true, job_expire = true,
}
local INCR = {HINCRBY = 'int', job_hincrby = 'int', HINCRBYFLOAT = 'float',
              job_hincrbyfloat = 'float'}
local SETS = {hset = true, job_hset = true}
local SETNX = {HSETNX = true, job_hsetnx = true}

local types, vals, cleared = {}, {}, {}
local function type_of(key)
  if types[key] == nil then types[key] = redis.call('TYPE', key)['ok'] end
  return types[key]
end
-- a field's value as the transaction will see it: string, false (absent), true (numeric)
local function current(key, field)
  local v = vals[key] and vals[key][field]
  if v ~= nil then return v end
  if cleared[key] or type_of(key) ~= 'hash' then return false end
  return redis.call('HGET', key, field)
end
local function remember(key, field, value)
  vals[key] = vals[key] or {}
  vals[key][field] = value
end
local function fail(i, msg)
  return redis.error_reply('op ' .. i .. ': ' .. msg)
end
-- an expired job drops every write but its re-creation (HSETNX ':'), so nothing is checked
local JOB_WRITE = {job_hset = true, job_hsetnx = true, job_hincrby = true,
                   job_hincrbyfloat = true}
local dead = {}
local function drops(name, keys, args)
  if not JOB_WRITE[name] then return false end
  local job = keys[1]
  if dead[job] == nil then dead[job] = not writable(job, keys[2]) end
  if not dead[job] then return false end
  if name == 'job_hsetnx' and args[1] == ':' then
    dead[job] = false
    cleared[job] = true
    vals[job] = nil
    return false
  end
  return true
end

for i, op in ipairs(ops) do
  local name, keys, args = op[1], op[2], op[3]
  local expect = EXPECT[name]
  if not expect then return fail(i, 'unknown command ' .. name) end
  for j, want in ipairs(expect) do
    local have = type_of(keys[j])
    if want ~= '*' and have ~= 'none' and have ~= want then
      return fail(i, 'WRONGTYPE ' .. keys[j] .. ' holds a ' .. have .. ', not a ' .. want)
    end
  end
  local key = keys[1]
  if drops(name, keys, args) then
    -- nothing to check: the write will be dropped
  elseif SETS[name] then
    for j = 1, #args, 2 do remember(key, args[j], args[j + 1]) end
  elseif SETNX[name] then
    if current(key, args[1]) == false then remember(key, args[1], args[2]) end
  elseif name == 'HDEL' then
    for _, field in ipairs(args) do remember(key, field, false) end
  elseif INCR[name] then
    local c = current(key, args[1])
    if type(c) == 'string' then
      if INCR[name] == 'int' and not (c == '0' or string.match(c, '^%-?[1-9]%d*$')) then
        return fail(i, 'ERR hash value is not an integer (' .. key .. ' ' .. args[1] .. ')')
      end
      if INCR[name] == 'float' and (tonumber(c) == nil or string.match(c, '%s')) then
        return fail(i, 'ERR hash value is not a float (' .. key .. ' ' .. args[1] .. ')')
      end
    end
    remember(key, args[1], true)
  elseif name == 'stream_ack' then
    for j = 2, #args do
      if not string.match(args[j], '^%d+$') and not string.match(args[j], '^%d+%-%d+$') then
        return fail(i, 'ERR invalid stream id ' .. args[j])
      end
    end
  end
  if name == 'DEL' or name == 'delete' then
    for _, k in ipairs(keys) do
      types[k] = 'none'; cleared[k] = true; vals[k] = nil; dead[k] = false
    end
  elseif CREATES[name] then
    for j, want in ipairs(expect) do
      if want ~= '*' then types[keys[j]] = want end
    end
  end
end

local out = {}
for i, op in ipairs(ops) do
  local name, keys, args = op[1], op[2], op[3]
  local ok, res
  if F[name] then
    ok, res = pcall(F[name], keys, args)
  else
    local argv = {}
    for _, k in ipairs(keys) do argv[#argv + 1] = k end
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    ok, res = pcall(redis.call, name, unpack(argv))
  end
  if not ok then
    local msg = type(res) == 'table' and (res.err or res['err']) or tostring(res)
    return fail(i, tostring(msg) .. ' (commands before it were applied)')
  end
  if res == nil then res = false end
  out[i] = res
end
return out
"""
"""Validate, then run, a whole transaction atomically (see the module docstring)."""

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

STREAM_CONSUME = _PROMOTE + """
local stream, delayed, claims, wake = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local group, consumer, count, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
promote(stream, delayed, now)
local function read()
  return redis.pcall('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count,
                     'STREAMS', stream, '>')
end
local got = read()
if type(got) == 'table' and got.err then
  if string.find(got.err, 'NOGROUP', 1, true) == nil then return got end
  redis.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
  got = read()
  if type(got) == 'table' and got.err then return got end
end
local out = {}
if got then
  for _, entry in ipairs(got[1][2]) do
    redis.call('HSET', claims, group .. ' ' .. entry[1], now)
    out[#out + 1] = entry
  end
end
if #out > 0 then return {out, false, false, false} end
local function last_id(key)
  if redis.call('EXISTS', key) == 0 then return '0-0' end
  local info = redis.call('XINFO', 'STREAM', key)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then return info[i + 1] end
  end
  return '0-0'
end
local next_due = redis.call('ZRANGE', delayed, 0, 0, 'WITHSCORES')
return {out, last_id(stream), next_due[2] or false, last_id(wake)}
"""
"""Promote due delayed entries, then XREADGROUP ``>`` and stamp each delivery with ``now``.

Delivery times are kept by the provider's clock in the claims hash (``<group> <id>`` -> ms)
because XPENDING/XCLAIM idle times come from the server clock, which a test's ManualClock
cannot move. When nothing was read it also returns the last generated ids of the stream and
of its wake stream (so a blocking wait can XREAD strictly after them and miss neither a new
entry nor a newly delayed one) and the next due time of a delayed entry.

KEYS: stream, delayed zset, claims hash, wake stream. ARGV: group, consumer, count, now ms.
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


class ScriptSet:
    """The scripts registered on one client (EVALSHA; loaded on first use)."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.writes: dict[str, AsyncScript] = {
            name: client.register_script(WRITES + f"\nreturn F.{name}(KEYS, ARGV)\n")
            for name in LIBRARY_FUNCTIONS
        }
        self.transaction = client.register_script(TRANSACTION)
        self.stream_consume = client.register_script(STREAM_CONSUME)
        self.stream_claim = client.register_script(STREAM_CLAIM)
        self.stream_pending = client.register_script(STREAM_PENDING)
