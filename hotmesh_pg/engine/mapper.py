"""Resolving ``maps`` sections and transition rules against a job context.

HotMesh's MapperService: :func:`map_rules` turns a ``maps`` object (input, output, job,
signal, resolver, telemetry) into data of the same shape, resolving each leaf with the
mapping language; :func:`evaluate` decides whether one transition edge fires for a message
code. Cell resolution itself is :meth:`hotmesh_pg.pipe.Pipe.resolve`.
"""

from __future__ import annotations

from typing import Any

from ..pipe import Pipe
from ..pipe.js import UNDEFINED, strict_equals, to_string, truthy

__all__ = ["evaluate", "map_rules"]


def map_rules(rules: Any, context: Any) -> Any:
    """Resolve a ``maps`` object against ``context``.

    A dict holding ``@pipe`` runs that pipe; other dicts and lists recurse (lists come back
    as index-keyed dicts, ``{"0": ..., "1": ...}``, as in HotMesh where arrays are walked
    as objects); any other leaf is resolved as a one-cell pipe (references, ``{@fn}``
    nullary calls, literals). A ``None`` leaf is the literal null (the reference crashed,
    deviation 5).
    """
    if isinstance(rules, dict):
        if "@pipe" in rules:
            return Pipe.resolve(rules, context)
        return {key: map_rules(value, context) for key, value in rules.items()}
    if isinstance(rules, list):
        return {str(index): map_rules(value, context) for index, value in enumerate(rules)}
    return Pipe.resolve(rules, context)


def _code_matches(rule_code: Any, code: Any) -> bool:
    message_code = code if truthy(code) else 200
    if isinstance(rule_code, list) and any(strict_equals(c, message_code) for c in rule_code):
        return True
    # the reference calls code.toString() and would throw on a missing code; 200 instead
    own = code if code is not None and code is not UNDEFINED else 200
    return to_string(own) == to_string(rule_code if truthy(rule_code) else 200)


def evaluate(rule: Any, context: Any, code: Any) -> bool:
    """Whether a transition edge fires (engine-model 1.6).

    ``rule`` is the compiled edge value: ``True`` (unconditional: fires for every outcome,
    pending and error included) or a conditions mapping ``{code?, gate?, match?}``. The code
    test passes when a ``code`` list contains the message code (strictly) or when both
    codes print the same (``code`` defaults to 200 on both sides). Each ``match`` entry's
    ``actual`` is resolved against ``context`` and compared to the literal ``expected``
    with JS ``===``; ``gate: or`` needs one to hold, otherwise all must (short-circuit).
    """
    if isinstance(rule, bool):
        return rule
    if not isinstance(rule, dict):
        return False
    if not _code_matches(rule.get("code"), code):
        return False
    matches = rule.get("match")
    if not truthy(matches):
        return True
    if not isinstance(matches, list):
        return False
    results = (
        strict_equals(Pipe.resolve(m.get("actual") if isinstance(m, dict) else UNDEFINED,
                                   context),
                      m.get("expected") if isinstance(m, dict) else UNDEFINED)
        for m in matches
    )
    return any(results) if rule.get("gate") == "or" else all(results)
