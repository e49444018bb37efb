"""The search query language (a RediSearch subset) parsed into clauses, and evaluated.

``@_f:word`` / ``wor*`` / ``"a phrase"`` / ``(a|b)`` (TEXT, case-insensitive tokens),
``@_f:[min max]`` with ``(`` for exclusive bounds and ``-inf``/``+inf`` (NUMERIC),
``@_f:{a|b}`` (TAG), ``-clause`` (negation), ``*`` (everything); clauses separated by
spaces are ANDed. Trailing options: ``LIMIT off n`` (default 0 10), ``SORTBY _f [ASC|DESC]``,
``RETURN n _f ...``, ``NOCONTENT``. The parsed form is plain data, so a provider can
compile it to SQL (every value becomes a bind parameter) or it can be evaluated here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Clause", "ParsedQuery", "matches", "parse_query", "to_number"]

Kind = Literal["all", "text", "prefix", "phrase", "anyof", "range", "tag"]

_TOKEN = re.compile(r"[A-Za-z0-9_]+")
_FIELD = re.compile(r"^(-?)@(_?[A-Za-z0-9_.]+):(.+)$", re.S)
_NUMBER = re.compile(r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,5})?\s*$")


@dataclass(frozen=True)
class Clause:
    kind: Kind
    field: str = ""
    values: tuple[str, ...] = ()
    low: float = -math.inf
    high: float = math.inf
    low_exclusive: bool = False
    high_exclusive: bool = False
    negated: bool = False


@dataclass
class ParsedQuery:
    clauses: list[Clause] = field(default_factory=list)
    offset: int = 0
    limit: int = 10
    sort_by: str | None = None
    descending: bool = False
    return_fields: list[str] | None = None
    no_content: bool = False


def _split(query: str) -> list[str]:
    """Split on spaces outside quotes, parentheses, brackets and braces."""
    parts: list[str] = []
    depth = 0
    in_range = False  # inside [min max] a "(" marks an exclusive bound, not a group
    quoted = False
    current: list[str] = []
    for ch in query:
        if ch == '"':
            quoted = not quoted
        elif quoted or (in_range and ch in "()"):
            pass
        elif ch in "([{":
            depth += 1
            in_range = in_range or ch == "["
        elif ch in ")]}":
            depth -= 1
            in_range = in_range and ch != "]"
        if ch.isspace() and depth == 0 and not quoted:
            if current:
                parts.append("".join(current))
                current = []
            continue
        current.append(ch)
    if current:
        parts.append("".join(current))
    if quoted or depth:
        raise ValueError(f"search query {query!r} has an unbalanced quote or bracket")
    return parts


def _bound(text: str) -> tuple[float, bool]:
    exclusive = text.startswith("(")
    text = text.lstrip("(")
    lowered = text.lower()
    if lowered in ("-inf", "+inf", "inf"):
        return (-math.inf if lowered == "-inf" else math.inf), exclusive
    try:
        return float(text), exclusive
    except ValueError:
        raise ValueError(f"search range bound {text!r} is not a number") from None


def _clause(text: str) -> Clause:
    if text == "*":
        return Clause("all")
    match = _FIELD.match(text)
    if not match:
        raise ValueError(f"search clause {text!r} is not of the form @_field:value")
    negated, name, value = match.group(1) == "-", match.group(2), match.group(3).strip()
    if value.startswith("[") and value.endswith("]"):
        bounds = value[1:-1].split()
        if len(bounds) != 2:
            raise ValueError(f"search range {value!r} needs two bounds")
        low, low_x = _bound(bounds[0])
        high, high_x = _bound(bounds[1])
        return Clause("range", name, (), low, high, low_x, high_x, negated)
    if value.startswith("{") and value.endswith("}"):
        tags = tuple(t.strip().lower() for t in value[1:-1].split("|") if t.strip())
        return Clause("tag", name, tags, negated=negated)
    if value.startswith("(") and value.endswith(")"):
        words = tuple(w.strip().lower() for w in value[1:-1].split("|") if w.strip())
        return Clause("anyof", name, words, negated=negated)
    if value.startswith('"') and value.endswith('"'):
        words = tuple(t.lower() for t in _TOKEN.findall(value[1:-1]))
        return Clause("phrase", name, words, negated=negated)
    if value.endswith("*"):
        return Clause("prefix", name, (value[:-1].lower(),), negated=negated)
    return Clause("text", name, (value.lower(),), negated=negated)


def parse_query(query: str | Sequence[str]) -> ParsedQuery:
    """Parse a query string (or ``[query, *options]``) into clauses and options."""
    if isinstance(query, str):
        parts = _split(query)
    else:
        parts = []
        for i, item in enumerate(query):
            parts.extend(_split(str(item)) if i == 0 else [str(item)])
    parsed = ParsedQuery()
    i = 0
    while i < len(parts):
        word = parts[i]
        upper = word.upper()
        if upper == "LIMIT":
            parsed.offset, parsed.limit = int(parts[i + 1]), int(parts[i + 2])
            i += 3
        elif upper == "SORTBY":
            parsed.sort_by = parts[i + 1]
            i += 2
            if i < len(parts) and parts[i].upper() in ("ASC", "DESC"):
                parsed.descending = parts[i].upper() == "DESC"
                i += 1
        elif upper == "RETURN":
            count = int(parts[i + 1])
            parsed.return_fields = parts[i + 2:i + 2 + count]
            i += 2 + count
        elif upper == "NOCONTENT":
            parsed.no_content = True
            i += 1
        else:
            parsed.clauses.append(_clause(word))
            i += 1
    if not parsed.clauses:
        parsed.clauses.append(Clause("all"))
    return parsed


def to_number(value: str) -> float | None:
    """A NUMERIC field's value, or None when it is not a plain decimal number.

    Plain decimals only (no ``inf``, ``nan``, ``0x``, ``1_000``), the numbers the Postgres
    provider's indexed cast accepts, so both providers match and sort the same jobs.
    """
    if not _NUMBER.match(value):
        return None
    return float(value)


def _tokens(value: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(value)]


def _one(clause: Clause, fields: Mapping[str, str]) -> bool:
    if clause.kind == "all":
        return True
    value = fields.get(clause.field)
    if value is None:
        return False
    if clause.kind == "range":
        number = to_number(value)
        if number is None:
            return False
        above = number > clause.low if clause.low_exclusive else number >= clause.low
        below = number < clause.high if clause.high_exclusive else number <= clause.high
        return above and below
    if clause.kind == "tag":
        tags = {t.strip().lower() for t in value.split(",")}
        return any(t in tags for t in clause.values)
    tokens = _tokens(value)
    if clause.kind == "text":
        return clause.values[0] in tokens
    if clause.kind == "prefix":
        return any(t.startswith(clause.values[0]) for t in tokens)
    if clause.kind == "anyof":
        return any(v in tokens for v in clause.values)
    words = list(clause.values)
    return any(tokens[i:i + len(words)] == words for i in range(len(tokens) - len(words) + 1))


def matches(parsed: ParsedQuery, fields: Mapping[str, str]) -> bool:
    """True when every clause holds for the job's search fields (``_name -> text``)."""
    return all(_one(c, fields) != c.negated for c in parsed.clauses)
