"""Every SQL statement of the Postgres provider, named, with the schema bound once.

Statements are ``LiteralString`` templates; ``{s}`` is replaced by the quoted schema
identifier through :mod:`psycopg.sql`, and every value is a bound parameter. Times are epoch
milliseconds passed in as ``%(now)s`` from the provider's clock.
"""

from __future__ import annotations

from typing import LiteralString

from psycopg import sql

__all__ = ["Queries", "listen"]

_LIVE_JOB: LiteralString = "(j.expires_at IS NULL OR j.expires_at > %(now)s)"
_JOB: LiteralString = "j.ns = %(ns)s AND j.app = %(app)s AND j.jid = %(jid)s"
_LIVE_KEY: LiteralString = "(k.expires_at IS NULL OR k.expires_at > %(now)s)"

# -- job state ------------------------------------------------------------------------------
JOB_ENSURE: LiteralString = """
INSERT INTO {s}.jobs AS j (ns, app, jid, created_at)
VALUES (%(ns)s, %(app)s, %(jid)s, %(now)s)
ON CONFLICT (ns, app, jid) DO NOTHING"""

JOB_DROP_EXPIRED: LiteralString = """
DELETE FROM {s}.jobs AS j WHERE """ + _JOB + """ AND j.expires_at <= %(now)s"""

JOB_HSET: LiteralString = """
INSERT INTO {s}.job_fields AS f (job_id, field, value)
SELECT j.id, v.key, v.value
FROM {s}.jobs AS j, json_each_text(%(doc)s::json) AS v(key, value)
WHERE """ + _JOB + " AND " + _LIVE_JOB + """
ON CONFLICT (job_id, field) DO UPDATE SET value = EXCLUDED.value
RETURNING (f.xmax = 0) AS created"""

JOB_HSETNX: LiteralString = """
INSERT INTO {s}.job_fields (job_id, field, value)
SELECT j.id, %(field)s, %(value)s FROM {s}.jobs AS j
WHERE """ + _JOB + " AND " + _LIVE_JOB + """
ON CONFLICT (job_id, field) DO NOTHING
RETURNING 1"""

JOB_HMGET: LiteralString = """
SELECT f.field, f.value FROM {s}.jobs AS j JOIN {s}.job_fields AS f ON f.job_id = j.id
WHERE """ + _JOB + " AND " + _LIVE_JOB + " AND f.field = ANY(%(fields)s::text[])"

JOB_HGETALL: LiteralString = """
SELECT f.field, f.value FROM {s}.jobs AS j JOIN {s}.job_fields AS f ON f.job_id = j.id
WHERE """ + _JOB + " AND " + _LIVE_JOB

JOB_HDEL: LiteralString = """
DELETE FROM {s}.job_fields AS f USING {s}.jobs AS j
WHERE f.job_id = j.id AND """ + _JOB + " AND " + _LIVE_JOB + """
  AND f.field = ANY(%(fields)s::text[])
RETURNING 1"""

JOB_HINCR: LiteralString = """
INSERT INTO {s}.job_fields AS f (job_id, field, value)
SELECT j.id, %(field)s, trim_scale(%(amount)s::numeric)::text FROM {s}.jobs AS j
WHERE """ + _JOB + " AND " + _LIVE_JOB + """
ON CONFLICT (job_id, field)
DO UPDATE SET value = trim_scale(
    (CASE WHEN %(integer)s THEN f.value::bigint::numeric ELSE f.value::numeric END)
    + %(amount)s::numeric)::text
RETURNING f.value"""

JOB_EXISTS: LiteralString = """
SELECT 1 FROM {s}.jobs AS j JOIN {s}.job_fields AS f ON f.job_id = j.id
WHERE """ + _JOB + " AND " + _LIVE_JOB + " LIMIT 1"

JOB_EXPIRE: LiteralString = """
UPDATE {s}.jobs AS j SET expires_at = %(at)s
WHERE """ + _JOB + " AND " + _LIVE_JOB + """
  AND EXISTS (SELECT 1 FROM {s}.job_fields AS f WHERE f.job_id = j.id)
RETURNING 1"""

# A job row whose last field was deleted is no key at all in Redis terms (it counts for
# neither EXISTS, DEL nor SCAN); RETURNING sees the fields as of the statement's start, before the
# cascade removes them.
JOB_DELETE: LiteralString = """
DELETE FROM {s}.jobs AS j WHERE """ + _JOB + """
RETURNING """ + _LIVE_JOB + """
  AND EXISTS (SELECT 1 FROM {s}.job_fields AS f WHERE f.job_id = j.id) AS live"""

JOB_SCAN: LiteralString = """
SELECT j.jid FROM {s}.jobs AS j
WHERE j.ns = %(ns)s AND j.app = %(app)s AND """ + _LIVE_JOB + """
  AND j.jid > %(after)s AND j.jid LIKE %(prefix)s
  AND EXISTS (SELECT 1 FROM {s}.job_fields AS f WHERE f.job_id = j.id)
ORDER BY j.jid
LIMIT %(batch)s"""

# -- generic keys ---------------------------------------------------------------------------
KV_DROP_EXPIRED: LiteralString = """
DELETE FROM {s}.kv_keys WHERE key = ANY(%(keys)s::text[]) AND expires_at <= %(now)s"""

KV_ENSURE: LiteralString = """
INSERT INTO {s}.kv_keys (key, kind) VALUES (%(key)s, %(kind)s)
ON CONFLICT (key) DO NOTHING"""

KV_LOCK: LiteralString = """
SELECT 1 FROM {s}.kv_keys WHERE key = ANY(%(keys)s::text[]) ORDER BY key FOR UPDATE"""

KV_DROP_IF_EMPTY: LiteralString = """
DELETE FROM {s}.kv_keys AS k
WHERE k.key = ANY(%(keys)s::text[]) AND k.kind <> 'string'
  AND NOT EXISTS (SELECT 1 FROM {s}.hash_fields AS h WHERE h.key = k.key)
  AND NOT EXISTS (SELECT 1 FROM {s}.list_items AS l WHERE l.key = k.key)
  AND NOT EXISTS (SELECT 1 FROM {s}.zset_members AS z WHERE z.key = k.key)"""

KV_EXISTS: LiteralString = """
SELECT 1 FROM {s}.kv_keys AS k WHERE k.key = %(key)s AND """ + _LIVE_KEY

KV_EXPIRE: LiteralString = """
UPDATE {s}.kv_keys AS k SET expires_at = %(at)s
WHERE k.key = %(key)s AND """ + _LIVE_KEY + """
RETURNING 1"""

KV_DELETE: LiteralString = """
DELETE FROM {s}.kv_keys AS k WHERE k.key = ANY(%(keys)s::text[])
RETURNING """ + _LIVE_KEY + " AS live"

KV_RENAME_CLEAR_DST: LiteralString = """
DELETE FROM {s}.kv_keys WHERE key = %(dst)s AND key <> %(src)s"""

KV_RENAME: LiteralString = """
UPDATE {s}.kv_keys SET key = %(dst)s WHERE key = %(src)s RETURNING 1"""

# -- hashes ---------------------------------------------------------------------------------
HASH_SET: LiteralString = """
INSERT INTO {s}.hash_fields AS h (key, field, value)
SELECT %(key)s, v.field, v.value
FROM unnest(%(fields)s::text[], %(values)s::text[]) AS v(field, value)
ON CONFLICT (key, field) DO UPDATE SET value = EXCLUDED.value
RETURNING (h.xmax = 0) AS created"""

HASH_SETNX: LiteralString = """
INSERT INTO {s}.hash_fields (key, field, value) VALUES (%(key)s, %(field)s, %(value)s)
ON CONFLICT (key, field) DO NOTHING
RETURNING 1"""

HASH_MGET: LiteralString = """
SELECT h.field, h.value FROM {s}.hash_fields AS h JOIN {s}.kv_keys AS k ON k.key = h.key
WHERE h.key = %(key)s AND """ + _LIVE_KEY + " AND h.field = ANY(%(fields)s::text[])"

HASH_GETALL: LiteralString = """
SELECT h.field, h.value FROM {s}.hash_fields AS h JOIN {s}.kv_keys AS k ON k.key = h.key
WHERE h.key = %(key)s AND """ + _LIVE_KEY

HASH_DEL: LiteralString = """
DELETE FROM {s}.hash_fields WHERE key = %(key)s AND field = ANY(%(fields)s::text[])
RETURNING 1"""

HASH_INCR: LiteralString = """
INSERT INTO {s}.hash_fields AS h (key, field, value)
VALUES (%(key)s, %(field)s, trim_scale(%(amount)s::numeric)::text)
ON CONFLICT (key, field)
DO UPDATE SET value = trim_scale(
    (CASE WHEN %(integer)s THEN h.value::bigint::numeric ELSE h.value::numeric END)
    + %(amount)s::numeric)::text
RETURNING h.value"""

# -- strings --------------------------------------------------------------------------------
STRING_SET_NX: LiteralString = """
INSERT INTO {s}.kv_keys (key, kind, value, expires_at)
VALUES (%(key)s, 'string', %(value)s, %(at)s)
ON CONFLICT (key) DO NOTHING
RETURNING 1"""

STRING_GET: LiteralString = """
SELECT k.value FROM {s}.kv_keys AS k
WHERE k.key = %(key)s AND k.kind = 'string' AND """ + _LIVE_KEY

# -- lists ----------------------------------------------------------------------------------
LIST_PUSH: LiteralString = """
INSERT INTO {s}.list_items (key, idx, value)
SELECT %(key)s,
       coalesce((SELECT max(idx) FROM {s}.list_items WHERE key = %(key)s), 0) + v.ord,
       v.value
FROM unnest(%(values)s::text[]) WITH ORDINALITY AS v(value, ord)"""

LIST_LEN: LiteralString = """
SELECT count(*) FROM {s}.list_items WHERE key = %(key)s"""

LIST_POP: LiteralString = """
DELETE FROM {s}.list_items
WHERE key = %(key)s AND idx = (SELECT min(idx) FROM {s}.list_items WHERE key = %(key)s)
RETURNING value"""

LIST_MOVE: LiteralString = """
WITH popped AS (
  DELETE FROM {s}.list_items
  WHERE key = %(src)s AND idx = (SELECT min(idx) FROM {s}.list_items WHERE key = %(src)s)
  RETURNING value
)
INSERT INTO {s}.list_items (key, idx, value)
SELECT %(dst)s, coalesce((SELECT max(idx) FROM {s}.list_items WHERE key = %(dst)s), 0) + 1,
       popped.value
FROM popped
RETURNING value"""

LIST_RANGE: LiteralString = """
WITH items AS (
  SELECT l.value, row_number() OVER (ORDER BY l.idx) - 1 AS rank, count(*) OVER () AS n
  FROM {s}.list_items AS l JOIN {s}.kv_keys AS k ON k.key = l.key
  WHERE l.key = %(key)s AND """ + _LIVE_KEY + """
)
SELECT value FROM items
WHERE rank >= CASE WHEN %(start)s < 0 THEN n + %(start)s ELSE %(start)s END
  AND rank <= CASE WHEN %(stop)s < 0 THEN n + %(stop)s ELSE %(stop)s END
ORDER BY rank"""

# -- sorted sets ----------------------------------------------------------------------------
ZSET_ADD: LiteralString = """
INSERT INTO {s}.zset_members AS z (key, member, score)
SELECT %(key)s, v.member, v.score
FROM unnest(%(members)s::text[], %(scores)s::float8[]) AS v(member, score)
ON CONFLICT (key, member) DO UPDATE SET score = EXCLUDED.score
RETURNING (z.xmax = 0) AS created"""

ZSET_ADD_NX: LiteralString = """
INSERT INTO {s}.zset_members (key, member, score)
SELECT %(key)s, v.member, v.score
FROM unnest(%(members)s::text[], %(scores)s::float8[]) AS v(member, score)
ON CONFLICT (key, member) DO NOTHING
RETURNING 1"""

ZSET_RANGE: LiteralString = """
WITH items AS (
  SELECT z.member, z.score,
         row_number() OVER (ORDER BY z.score, z.member) - 1 AS rank, count(*) OVER () AS n
  FROM {s}.zset_members AS z JOIN {s}.kv_keys AS k ON k.key = z.key
  WHERE z.key = %(key)s AND """ + _LIVE_KEY + """
)
SELECT member, score FROM items
WHERE rank >= CASE WHEN %(start)s < 0 THEN n + %(start)s ELSE %(start)s END
  AND rank <= CASE WHEN %(stop)s < 0 THEN n + %(stop)s ELSE %(stop)s END
ORDER BY rank"""

ZSET_RANGE_BY_SCORE: LiteralString = """
SELECT z.member, z.score
FROM {s}.zset_members AS z JOIN {s}.kv_keys AS k ON k.key = z.key
WHERE z.key = %(key)s AND """ + _LIVE_KEY + """
  AND z.score >= %(min)s AND z.score <= %(max)s
ORDER BY z.score, z.member"""

ZSET_REM: LiteralString = """
DELETE FROM {s}.zset_members WHERE key = %(key)s AND member = ANY(%(members)s::text[])
RETURNING 1"""

# -- streams --------------------------------------------------------------------------------
STREAM_ADD: LiteralString = """
INSERT INTO {s}.streams (stream, message, created_at, visible_at, reserved_by, reserved_at,
                         deliveries)
SELECT %(stream)s, v.message, %(now)s, %(visible_at)s, v.reserved,
       CASE WHEN v.reserved IS NULL THEN NULL ELSE %(now)s END,
       CASE WHEN v.reserved IS NULL THEN 0 ELSE 1 END
FROM ROWS FROM (json_array_elements_text(%(messages)s::json),
                json_array_elements_text(%(reserved)s::json))
     WITH ORDINALITY AS v(message, reserved, ord)
ORDER BY v.ord
RETURNING id"""
# Bodies and consumers travel as JSON arrays: one string to bind instead of a text array
# whose every element needs quoting (most of the cost of sending an append).
# Entries handed to a waiting consumer of this process (``reserved``) are inserted already
# delivered to it: the row state a claim would leave, without the claim.

STREAM_CLAIM: LiteralString = """
WITH picked AS MATERIALIZED (
  SELECT id FROM {s}.streams
  WHERE stream = %(stream)s AND reserved_by IS NULL AND visible_at <= %(now)s
  ORDER BY id
  LIMIT %(count)s
  FOR UPDATE SKIP LOCKED
)
UPDATE {s}.streams AS x
SET reserved_by = %(consumer)s, reserved_at = %(now)s, deliveries = x.deliveries + 1
FROM picked
WHERE x.stream = %(stream)s AND x.id = picked.id
RETURNING x.id, x.message, x.deliveries"""

STREAM_PENDING: LiteralString = """
SELECT id, reserved_by, %(now)s - reserved_at AS idle_ms, deliveries FROM {s}.streams
WHERE stream = %(stream)s AND reserved_by IS NOT NULL
ORDER BY id
LIMIT %(count)s"""

STREAM_RECLAIM: LiteralString = """
UPDATE {s}.streams
SET reserved_by = %(consumer)s, reserved_at = %(now)s, deliveries = deliveries + 1
WHERE stream = %(stream)s AND id = ANY(%(ids)s::bigint[]) AND reserved_by IS NOT NULL
  AND reserved_at <= %(now)s - %(min_idle)s
RETURNING id, message, deliveries"""

STREAM_RELEASE: LiteralString = """
UPDATE {s}.streams
SET reserved_by = NULL, reserved_at = NULL, deliveries = deliveries - 1
WHERE stream = %(stream)s AND id = ANY(%(ids)s::bigint[]) AND reserved_by = %(consumer)s
  AND deliveries = 1"""

STREAM_ACK: LiteralString = """
WITH gone AS (
  DELETE FROM {s}.streams WHERE stream = %(stream)s AND id = ANY(%(ids)s::bigint[])
  RETURNING reserved_by
)
SELECT count(*) FILTER (WHERE reserved_by IS NOT NULL) FROM gone"""

STREAM_LEN: LiteralString = """
SELECT count(*) FROM {s}.streams WHERE stream = %(stream)s"""

STREAM_EXISTS: LiteralString = """
SELECT 1 FROM {s}.streams WHERE stream = %(stream)s LIMIT 1"""

STREAM_DELETE: LiteralString = """
WITH gone AS (DELETE FROM {s}.streams WHERE stream = ANY(%(keys)s::text[]) RETURNING stream)
SELECT count(DISTINCT stream) FROM gone"""

NOTIFY: LiteralString = "SELECT pg_notify(%(channel)s, %(payload)s)"

GUARD: LiteralString = "SAVEPOINT hm_guard"
GUARD_UNDO: LiteralString = "ROLLBACK TO SAVEPOINT hm_guard"

# -- pub/sub --------------------------------------------------------------------------------
SUB_PUBLISH_INLINE: LiteralString = """
WITH m AS (
  INSERT INTO {s}.sub_messages (channel, body, created_at)
  VALUES (%(ch)s, %(body)s, %(now)s) RETURNING id
)
SELECT m.id, pg_notify(%(channel)s, '{{"id":' || m.id || ',' || %(rest)s) FROM m"""

SUB_PUBLISH_REF: LiteralString = """
WITH m AS (
  INSERT INTO {s}.sub_messages (channel, body, created_at)
  VALUES (%(ch)s, %(body)s, %(now)s) RETURNING id
)
SELECT m.id, pg_notify(%(channel)s, '{{"id":' || m.id || ',"ref":true}}') FROM m"""

SUB_LOAD: LiteralString = """
SELECT channel, body FROM {s}.sub_messages WHERE id = %(id)s"""

SUB_SINCE: LiteralString = """
SELECT id, channel, body FROM {s}.sub_messages WHERE id > %(after)s ORDER BY id LIMIT 1000"""

SUB_LAST_ID: LiteralString = """
SELECT coalesce(max(id), 0) FROM {s}.sub_messages"""

SUB_PRUNE: LiteralString = """
DELETE FROM {s}.sub_messages WHERE created_at < %(before)s"""

# -- maintenance ----------------------------------------------------------------------------
PRUNE_JOBS: LiteralString = """
DELETE FROM {s}.jobs WHERE id IN (
  SELECT id FROM {s}.jobs WHERE expires_at <= %(before)s LIMIT %(batch)s)"""

PRUNE_KEYS: LiteralString = """
DELETE FROM {s}.kv_keys WHERE key IN (
  SELECT key FROM {s}.kv_keys WHERE expires_at <= %(before)s LIMIT %(batch)s)"""

# -- schema revision ------------------------------------------------------------------------
REVISION: LiteralString = """
SELECT version_num FROM {s}.alembic_version"""

REVISION_TABLE_EXISTS: LiteralString = """
SELECT EXISTS (SELECT 1 FROM pg_tables
               WHERE schemaname = %(schema)s AND tablename = 'alembic_version')"""


def listen(channel: str) -> sql.Composed:
    """``LISTEN`` on a physical channel (an identifier, so it cannot be a parameter)."""
    return sql.SQL("LISTEN {}").format(sql.Identifier(channel))


class Queries:
    """The statements above composed for one schema and rendered to bytes (once per pool)."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        ident = sql.Identifier(schema)
        for name, template in globals().items():
            if name.isupper() and not name.startswith("_") and isinstance(template, str):
                # Templates are module-level LiteralString constants; none is built at runtime.
                # Rendered to bytes once: psycopg would render a Composed on every execute.
                setattr(self, name.lower(), sql.SQL(template).format(s=ident).as_bytes(None))

    job_ensure: bytes
    job_drop_expired: bytes
    job_hset: bytes
    job_hsetnx: bytes
    job_hmget: bytes
    job_hgetall: bytes
    job_hdel: bytes
    job_hincr: bytes
    job_exists: bytes
    job_expire: bytes
    job_delete: bytes
    job_scan: bytes
    kv_drop_expired: bytes
    kv_ensure: bytes
    kv_lock: bytes
    kv_drop_if_empty: bytes
    kv_exists: bytes
    kv_expire: bytes
    kv_delete: bytes
    kv_rename_clear_dst: bytes
    kv_rename: bytes
    hash_set: bytes
    hash_setnx: bytes
    hash_mget: bytes
    hash_getall: bytes
    hash_del: bytes
    hash_incr: bytes
    string_set_nx: bytes
    string_get: bytes
    list_push: bytes
    list_len: bytes
    list_pop: bytes
    list_move: bytes
    list_range: bytes
    zset_add: bytes
    zset_add_nx: bytes
    zset_range: bytes
    zset_range_by_score: bytes
    zset_rem: bytes
    stream_add: bytes
    stream_claim: bytes
    stream_pending: bytes
    stream_reclaim: bytes
    stream_release: bytes
    stream_ack: bytes
    stream_len: bytes
    stream_exists: bytes
    stream_delete: bytes
    notify: bytes
    guard: bytes
    guard_undo: bytes
    sub_publish_inline: bytes
    sub_publish_ref: bytes
    sub_load: bytes
    sub_since: bytes
    sub_last_id: bytes
    sub_prune: bytes
    prune_jobs: bytes
    prune_keys: bytes
    revision: bytes
    revision_table_exists: bytes
