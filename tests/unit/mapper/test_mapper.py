"""map_rules (maps sections) and evaluate (transition edges), engine-model 2.6 and 1.6."""

from __future__ import annotations

from typing import Any

import pytest

from hotmesh_pg.engine.mapper import evaluate, map_rules
from hotmesh_pg.pipe import PipeError
from hotmesh_pg.pipe.js import UNDEFINED

CONTEXT: dict[str, Any] = {
    "t1": {"output": {"data": {"a": "hello", "n": 3, "flag": True, "items": [4, 5]}}},
    "a1": {"output": {"data": {"y": "world"}, "metadata": {"aid": "a1"}}},
    "$job": {"metadata": {"jid": "job-1"}, "data": {"total": 10}},
    "$self": {"output": {"data": {"code": 7}}, "hook": {"data": {"id": "job-1"}}},
}


def test_map_rules_keeps_the_shape_and_resolves_leaves() -> None:
    rules = {
        "greeting": "{t1.output.data.a}",
        "nested": {"who": "{a1.output.data.y}", "jid": "{$job.metadata.jid}"},
        "literal": 42, "text": "plain {not a ref}", "flag": False,
        "missing": "{t1.output.data.nothing}",
        "first": "{t1.output.data.items.0}", "count": "{t1.output.data.items.length}",
    }
    assert map_rules(rules, CONTEXT) == {
        "greeting": "hello",
        "nested": {"who": "world", "jid": "job-1"},
        "literal": 42, "text": "plain {not a ref}", "flag": False,
        "missing": UNDEFINED, "first": 4, "count": 2,
    }


def test_map_rules_runs_pipes() -> None:
    rules = {"sentence": {"@pipe": [["{t1.output.data.a}", " ", "{a1.output.data.y}"],
                                    ["{@string.concat}"]]}}
    assert map_rules(rules, CONTEXT) == {"sentence": "hello world"}


def test_lists_in_maps_become_index_keyed_objects() -> None:
    assert map_rules({"pair": ["{t1.output.data.n}", "x"]}, CONTEXT) == \
        {"pair": {"0": 3, "1": "x"}}


def test_null_leaf_is_literal_null() -> None:
    assert map_rules({"a": None, "b": {"c": None}}, CONTEXT) == {"a": None, "b": {"c": None}}


def test_function_cell_is_a_nullary_call() -> None:
    assert map_rules({"n": "{@symbol.null}"}, CONTEXT) == {"n": None}


def test_map_rules_scalar_and_pipe_at_top_level() -> None:
    assert map_rules("{t1.output.data.n}", CONTEXT) == 3
    assert map_rules({"@pipe": [[2, 3], ["{@math.add}"]]}, CONTEXT) == 5


def test_map_rules_propagates_pipe_errors() -> None:
    with pytest.raises(PipeError):
        map_rules({"x": {"@pipe": [["a"], ["{@nodomain.fn}"]]}}, CONTEXT)


# -- evaluate ---------------------------------------------------------------------------------
@pytest.mark.parametrize("code", [200, 202, 500, None])
def test_unconditional_edges_fire_for_every_outcome(code: Any) -> None:
    assert evaluate(True, CONTEXT, code) is True
    assert evaluate(False, CONTEXT, code) is False


@pytest.mark.parametrize(
    ("conditions", "code", "fires"),
    [
        ({}, 200, True), ({}, 202, False), ({}, None, True),
        ({"code": 202}, 202, True), ({"code": 202}, 200, False),
        ({"code": "422"}, 422, True),  # compared as text
        ({"code": [402, 409]}, 409, True), ({"code": [402, 409]}, 200, False),
        ({"code": ["200"]}, 200, True),  # one-element list prints as "200"
        ({"code": ["200", "202"]}, 202, False),  # strict membership, printed "200,202"
        ({"code": [200]}, None, True),  # missing message code defaults to 200
    ],
)
def test_code_test(conditions: dict[str, Any], code: Any, fires: bool) -> None:
    assert evaluate(conditions, CONTEXT, code) is fires


@pytest.mark.parametrize(
    ("match", "gate", "fires"),
    [
        ([{"expected": "hello", "actual": "{t1.output.data.a}"}], None, True),
        ([{"expected": 3, "actual": "{t1.output.data.n}"}], "and", True),
        ([{"expected": "3", "actual": "{t1.output.data.n}"}], "and", False),  # strict ===
        ([{"expected": "true", "actual": "{t1.output.data.flag}"}], None, False),
        ([{"expected": True, "actual": "{t1.output.data.flag}"},
          {"expected": 1, "actual": "{t1.output.data.n}"}], "and", False),
        ([{"expected": True, "actual": "{t1.output.data.flag}"},
          {"expected": 1, "actual": "{t1.output.data.n}"}], "or", True),
        ([{"expected": 1, "actual": "{t1.output.data.flag}"}], None, False),  # true !== 1
        ([], None, True), ([], "or", False),
        ([{"expected": True,
           "actual": {"@pipe": [["{t1.output.data.n}", 5], ["{@number.lt}"]]}}], None, True),
        ([{"expected": None, "actual": "{t1.output.data.missing}"}], None, False),
    ],
)
def test_match_test(match: list[dict[str, Any]], gate: str | None, fires: bool) -> None:
    rule: dict[str, Any] = {"match": match}
    if gate:
        rule["gate"] = gate
    assert evaluate(rule, CONTEXT, 200) is fires


def test_code_is_tested_before_match() -> None:
    rule = {"code": 500, "match": [{"expected": "hello", "actual": "{t1.output.data.a}"}]}
    assert evaluate(rule, CONTEXT, 500) is True
    assert evaluate(rule, CONTEXT, 200) is False


def test_or_gate_short_circuits() -> None:
    failing = {"expected": 1, "actual": {"@pipe": [["x"], ["{@json.parse}"]]}}
    rule = {"gate": "or", "match": [{"expected": "hello", "actual": "{t1.output.data.a}"},
                                    failing]}
    assert evaluate(rule, CONTEXT, 200) is True
    with pytest.raises(PipeError):
        evaluate({"gate": "or", "match": [failing]}, CONTEXT, 200)


def test_and_gate_short_circuits() -> None:
    failing = {"expected": 1, "actual": {"@pipe": [["x"], ["{@json.parse}"]]}}
    rule = {"match": [{"expected": "nope", "actual": "{t1.output.data.a}"}, failing]}
    assert evaluate(rule, CONTEXT, 200) is False
