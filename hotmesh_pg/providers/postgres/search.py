"""Durable search over job search fields (``_name`` rows of ``job_fields``), as SQL.

An optional Store capability used by ``hotmesh_pg.durable.search``: ``search_jobs`` runs a
parsed RediSearch-style query (``hotmesh_pg.durable.query.ParsedQuery``, read by duck
typing so the provider does not import the durable layer) as one statement over the job
tables, every value a bound parameter; ``ensure_search_index`` creates the supporting
indexes for an index's declared fields (durable.md 4.2):

* ``jobs (ns, app, jid text_pattern_ops)`` so id-prefix scoping is an index range;
* TEXT field: a partial GIN index on ``to_tsvector('simple', value)``;
* NUMERIC field: a partial expression index on a cast that is NULL for non-numbers
  (bad data cannot fail a write);
* TAG field: a partial GIN index on the lower-cased, comma-split value.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, LiteralString

import psycopg
from psycopg import sql

from .codec import decode, encode

__all__ = ["ensure_search_index", "search_jobs"]

log = logging.getLogger("hotmesh_pg.providers.postgres")

_WORD = re.compile(r"^[a-z0-9_]+$")

# A decimal beyond double precision's range would make the plain ::double precision cast
# raise, failing every range query and sort of the field; read it as JavaScript and Python
# do instead (overflow -> +/-Infinity, underflow -> 0). The exponent is capped at five digits
# (spelled without braces: the text also goes through psycopg.sql formatting)
# so the exact numeric comparison itself cannot overflow; longer ones are not numbers.
NUMERIC_CAST: LiteralString = (
    "(CASE WHEN f.value ~ '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)"
    "([eE][-+]?[0-9][0-9]?[0-9]?[0-9]?[0-9]?)?\\s*$' "
    "THEN CASE WHEN abs(f.value::numeric) > 1.7976931348623157e308 "
    "THEN sign(f.value::numeric)::double precision * 'Infinity'::double precision "
    "WHEN abs(f.value::numeric) < 4.9e-324 THEN 0::double precision "
    "ELSE f.value::double precision END END)"
)
TAG_ARRAY: LiteralString = "regexp_split_to_array(lower(f.value), '\\s*,\\s*')"
TSV: LiteralString = "to_tsvector('simple', f.value)"


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _words(values: Sequence[str]) -> list[str]:
    """Query words safe to place in a tsquery (anything else matches nothing)."""
    return [v for v in values if _WORD.match(v)]


class _Builder:
    def __init__(self, schema: str) -> None:
        self.params: dict[str, Any] = {}
        self.s = sql.Identifier(schema)

    def bind(self, value: Any) -> sql.Placeholder:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return sql.Placeholder(name)

    def clause(self, clause: Any) -> sql.Composable:
        kind = clause.kind
        if kind == "all":
            return sql.SQL("TRUE")
        cond: sql.Composable
        if kind == "range":
            parts: list[sql.Composable] = [sql.SQL(NUMERIC_CAST + " IS NOT NULL")]
            if not math.isinf(clause.low):
                op = ">" if clause.low_exclusive else ">="
                parts.append(sql.SQL(NUMERIC_CAST + " " + op + " ") + self.bind(clause.low))
            if not math.isinf(clause.high):
                op = "<" if clause.high_exclusive else "<="
                parts.append(sql.SQL(NUMERIC_CAST + " " + op + " ") + self.bind(clause.high))
            cond = sql.SQL(" AND ").join(parts)
        elif kind == "tag":
            cond = sql.SQL(TAG_ARRAY + " && ") + self.bind(list(clause.values)) + \
                sql.SQL("::text[]")
        else:
            words = _words(clause.values)
            if not words:
                cond = sql.SQL("FALSE")
            elif kind == "text":
                cond = sql.SQL(TSV + " @@ to_tsquery('simple', ") + self.bind(words[0]) + \
                    sql.SQL(")")
            elif kind == "prefix":
                cond = sql.SQL(TSV + " @@ to_tsquery('simple', ") + \
                    self.bind(words[0] + ":*") + sql.SQL(")")
            elif kind == "anyof":
                cond = sql.SQL(TSV + " @@ to_tsquery('simple', ") + \
                    self.bind(" | ".join(words)) + sql.SQL(")")
            else:  # phrase
                cond = sql.SQL(TSV + " @@ phraseto_tsquery('simple', ") + \
                    self.bind(" ".join(words)) + sql.SQL(")")
        exists = sql.SQL(
            "EXISTS (SELECT 1 FROM {s}.job_fields AS f WHERE f.job_id = j.id AND f.field = "
        ).format(s=self.s) + self.bind(encode(clause.field)) + sql.SQL(" AND ") + cond \
            + sql.SQL(")")
        return sql.SQL("NOT ") + exists if clause.negated else exists


async def search_jobs(
    pool: Any, schema: str, now_ms: int, ns: str, app: str, prefixes: Sequence[str],
    parsed: Any, fields_schema: Mapping[str, Any],
) -> tuple[int, list[tuple[str, dict[str, str]]]]:
    """``(total, [(job id, its search fields)])`` for the requested page of matches."""
    b = _Builder(schema)
    s = b.s
    where: list[sql.Composable] = [
        sql.SQL("j.ns = ") + b.bind(encode(ns)),
        sql.SQL("j.app = ") + b.bind(encode(app)),
        sql.SQL("(j.expires_at IS NULL OR j.expires_at > ") + b.bind(now_ms) + sql.SQL(")"),
    ]
    scoped = [p for p in prefixes if p]
    if scoped:
        where.append(sql.SQL("(") + sql.SQL(" OR ").join(
            sql.SQL("j.jid LIKE ") + b.bind(_like_prefix(encode(p))) for p in scoped
        ) + sql.SQL(")"))
    where.extend(b.clause(c) for c in parsed.clauses)
    order: sql.Composable = sql.SQL("j.jid")
    if parsed.sort_by:
        bare = parsed.sort_by[1:] if parsed.sort_by.startswith("_") else parsed.sort_by
        numeric = (fields_schema.get(bare) or {}).get("type") == "NUMERIC"
        value = sql.SQL(NUMERIC_CAST if numeric else "lower(f.value)")
        direction = sql.SQL("DESC NULLS LAST" if parsed.descending else "ASC NULLS LAST")
        order = sql.SQL("(SELECT ") + value + sql.SQL(
            " FROM {s}.job_fields AS f WHERE f.job_id = j.id AND f.field = ").format(s=s) + \
            b.bind(encode(parsed.sort_by)) + sql.SQL(") ") + direction + sql.SQL(", j.jid")
    statement = sql.SQL(
        "SELECT count(*) OVER () AS total, j.id, j.jid FROM {s}.jobs AS j WHERE "
    ).format(s=s) + sql.SQL(" AND ").join(where) + sql.SQL(" ORDER BY ") + order + \
        sql.SQL(" LIMIT ") + b.bind(max(0, int(parsed.limit))) + \
        sql.SQL(" OFFSET ") + b.bind(max(0, int(parsed.offset)))
    async with pool.connection() as conn:
        cur = await conn.execute(statement, b.params)
        rows = list(await cur.fetchall())
        if not rows:
            count_cur = await conn.execute(
                sql.SQL("SELECT count(*) FROM {s}.jobs AS j WHERE ").format(s=s)
                + sql.SQL(" AND ").join(where), b.params)
            counted = await count_cur.fetchone()
            return (int(counted[0]) if counted else 0), []
        ids = [row[1] for row in rows]
        cur = await conn.execute(
            sql.SQL("SELECT f.job_id, f.field, f.value FROM {s}.job_fields AS f "
                    "WHERE f.job_id = ANY(%(ids)s) AND f.field LIKE '\\_%%'").format(s=s),
            {"ids": ids})
        fields: dict[int, dict[str, str]] = {}
        for job_id, name, value in await cur.fetchall():
            fields.setdefault(job_id, {})[decode(name)] = decode(value)
    return int(rows[0][0]), [(decode(jid), fields.get(jid_pk, {}))
                             for _total, jid_pk, jid in rows]


def _index_name(kind: str, field: str) -> str:
    digest = hashlib.sha1(f"{kind}:{field}".encode()).hexdigest()[:16]
    return f"job_fields_search_{kind}_{digest}"


async def ensure_search_index(pool: Any, schema: str, fields_schema: Mapping[str, Any]) -> None:
    """Create the indexes behind an index's declared fields (idempotent, best effort)."""
    s = sql.Identifier(schema)
    statements: list[sql.Composable] = [sql.SQL(
        "CREATE INDEX IF NOT EXISTS jobs_search_jid_pattern_idx "
        "ON {s}.jobs (ns, app, jid text_pattern_ops)").format(s=s)]
    for bare, spec in fields_schema.items():
        field = encode(f"_{bare}")
        kind = str((spec or {}).get("type", "TEXT")).upper()
        expression = {"NUMERIC": NUMERIC_CAST, "TAG": TAG_ARRAY, "TEXT": TSV}.get(kind, TSV)
        method = "btree" if kind == "NUMERIC" else "gin"
        statements.append(sql.SQL(
            "CREATE INDEX IF NOT EXISTS {name} ON {s}.job_fields USING " + method
            + " ((" + expression.replace("f.value", "value") + ")) WHERE field = {field}"
        ).format(name=sql.Identifier(_index_name(kind.lower(), field)), s=s,
                 field=sql.Literal(field)))
    async with pool.connection() as conn:
        for statement in statements:
            try:
                await conn.execute(statement)
            except psycopg.Error as exc:  # a concurrent creator, or a locked table: retry later
                log.warning("search index statement failed: %s", exc)
