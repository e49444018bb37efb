"""map_rules and evaluate against HotMesh 0.0.55's MapperService on the same inputs.

HotMesh runs from a HotMesh 0.0.55 package directory at ``bench/peers/build/hotmesh-0.0.55``
(not shipped or built by this repository, see bench/README.md); without
node or that build the comparison is skipped with the reason.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hotmesh_pg.engine.mapper import evaluate, map_rules
from hotmesh_pg.pipe.js import UNDEFINED

ROOT = Path(__file__).resolve().parents[3]
PEER = ROOT / "bench" / "peers" / "build" / "hotmesh-0.0.55"
SCRIPT = Path(__file__).with_name("hotmesh_mapper.js")

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (PEER / "build" / "index.js").is_file(),
    reason="needs node and a HotMesh 0.0.55 package at bench/peers/build/hotmesh-0.0.55",
)

CONTEXT: dict[str, Any] = {
    "t1": {"output": {"data": {"a": "hello", "n": 3, "flag": True, "list": [4, 5, "6"],
                               "obj": {"k": "v", "2": 1}, "zero": 0, "empty": ""}},
           "input": {"data": {"id": "abc"}}},
    "a1": {"output": {"data": {"y": "world", "code": "200"}, "metadata": {"aid": "a1"}},
           "hook": {"data": {"id": "job-1"}}},
    "$job": {"metadata": {"jid": "job-1", "js": 1}, "data": {"total": 10, "nil": None}},
    "$self": {"output": {"data": {"code": 7}}, "hook": {"data": {"id": "job-1"}}},
}

RULES: list[Any] = [
    {"a": "{t1.output.data.a}", "b": {"c": "{a1.output.data.y}", "d": 5, "e": False}},
    {"list": ["{t1.output.data.n}", "x", {"deep": "{$job.metadata.jid}"}]},
    {"missing": "{t1.output.data.nothing}", "partial": "{t1.output.data.a.length}",
     "len": "{t1.output.data.list.length}", "idx": "{t1.output.data.list.2}",
     "intkey": "{t1.output.data.obj.2}", "whole": "{t1.output.data.obj}"},
    {"pipe": {"@pipe": [["{t1.output.data.a}", " ", "{a1.output.data.y}"],
                        ["{@string.concat}"]]},
     "nested": {"@pipe": [{"@pipe": [["{t1.output.data.n}", 2], ["{@math.multiply}"]]},
                          {"@pipe": [[1]]}, ["{@math.add}"]]}},
    {"reduce": {"@pipe": [["{t1.output.data.list}", []],
                          {"@reduce": [{"@pipe": [["{$output}"]]},
                                       {"@pipe": [["{$item}"]]}, ["{@array.push}"]]}]}},
    {"text": "plain {not} ref", "num": 1.5, "fn": "{@symbol.null}", "t": True},
    {"@pipe": [["{t1.output.data.zero}", "yes", "no"], ["{@conditional.ternary}"]]},
    {"jobdata": "{$job.data}", "nil": "{$job.data.nil}", "empty": "{t1.output.data.empty}"},
]

EDGES: list[tuple[Any, Any]] = [
    (True, 200), (True, 500), (False, 200),
    ({}, 200), ({}, 202), ({"code": 202}, 202), ({"code": "422"}, 422), ({"code": 422}, "422"),
    ({"code": [402, 409]}, 409), ({"code": ["200"]}, 200), ({"code": ["200", "202"]}, 202),
    ({"code": [200]}, 0), ({"code": 500}, 200),
    ({"match": [{"expected": "hello", "actual": "{t1.output.data.a}"}]}, 200),
    ({"match": [{"expected": "3", "actual": "{t1.output.data.n}"}]}, 200),
    ({"match": [{"expected": True, "actual": "{t1.output.data.flag}"},
                {"expected": 1, "actual": "{t1.output.data.n}"}], "gate": "or"}, 200),
    ({"match": [{"expected": True, "actual": "{t1.output.data.flag}"},
                {"expected": 1, "actual": "{t1.output.data.n}"}]}, 200),
    ({"match": []}, 200), ({"match": [], "gate": "or"}, 200),
    ({"code": 202, "match": [{"expected": "world", "actual": "{a1.output.data.y}"}]}, 202),
    ({"match": [{"expected": None, "actual": "{$job.data.nil}"}]}, 200),
    ({"match": [{"expected": True, "actual": {"@pipe": [["{t1.output.data.n}", 5],
                                                        ["{@number.lt}"]]}}]}, 200),
]


def _wrap(value: Any) -> Any:
    if value is UNDEFINED:
        return {"$undefined": True}
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    if isinstance(value, dict):
        return {k: _wrap(v) for k, v in value.items()}
    return value


def test_map_rules_and_evaluate_match_hotmesh() -> None:
    payload = {
        "map": [{"rules": rules, "context": CONTEXT} for rules in RULES],
        "evaluate": [{"rule": rule, "context": CONTEXT, "code": code} for rule, code in EDGES],
    }
    run = subprocess.run(["node", str(SCRIPT), str(PEER)], input=json.dumps(payload),
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    theirs = json.loads(run.stdout)
    for rules, expected in zip(RULES, theirs["map"], strict=True):
        got = map_rules(json.loads(json.dumps(rules)), json.loads(json.dumps(CONTEXT)))
        assert json.loads(json.dumps(_wrap(got))) == expected, rules
    for (rule, code), expected in zip(EDGES, theirs["evaluate"], strict=True):
        assert evaluate(rule, CONTEXT, code) is expected, (rule, code)
