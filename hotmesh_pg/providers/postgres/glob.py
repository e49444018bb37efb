"""Redis glob matching (PSUBSCRIBE, SCAN MATCH, HSCAN MATCH) for the Postgres provider.

Redis's ``stringmatchlen`` rules: ``*`` any run (``:`` and ``.`` included), ``?`` one
character, ``[abc]`` a set, ``[^a]`` a negated set, ``[a-z]`` a range (reversed bounds are
swapped; the character after ``-`` always ends the range, even ``]``), ``\\`` escapes the
next character inside and outside sets; an unterminated ``[`` set runs to the end of the
pattern.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["glob_match", "glob_prefix", "glob_to_regex"]


def _set_to_regex(pattern: str, i: int) -> tuple[str, int]:
    """Translate the set starting after ``[`` at ``i``; return (regex, index after ``]``)."""
    n = len(pattern)
    negate = False
    if i < n and pattern[i] == "^":
        negate = True
        i += 1
    parts: list[str] = []
    while i < n and pattern[i] != "]":
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            parts.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if i + 2 < n and pattern[i + 1] == "-":
            # As in Redis, the character after '-' always ends the range, even ']'.
            lo, hi = sorted((c, pattern[i + 2]))
            parts.append(f"{re.escape(lo)}-{re.escape(hi)}")
            i += 3
            continue
        parts.append(re.escape(c))
        i += 1
    body = "".join(parts)
    if not body:
        # Redis: an empty set matches nothing; a negated empty set matches any one char.
        return ("[\\s\\S]" if negate else "(?!)"), i + 1
    return (f"[^{body}]" if negate else f"[{body}]"), i + 1


@lru_cache(maxsize=1024)
def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile a Redis glob into an anchored Python regex."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            out.append("[\\s\\S]*")
            i += 1
        elif c == "?":
            out.append("[\\s\\S]")
            i += 1
        elif c == "[":
            rx, i = _set_to_regex(pattern, i + 1)
            out.append(rx)
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def glob_match(pattern: str, value: str) -> bool:
    """True when ``value`` matches the Redis glob ``pattern``."""
    return glob_to_regex(pattern).match(value) is not None


def glob_prefix(pattern: str) -> str:
    """The literal text every match must start with (for a narrowing index lookup)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c in "*?[":
            break
        if c == "\\":
            if i + 1 >= n:
                break
            out.append(pattern[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)
