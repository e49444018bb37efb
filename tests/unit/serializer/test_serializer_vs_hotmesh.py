"""Our Serializer against HotMesh 0.0.55's SerializerService on the same inputs.

HotMesh runs from a HotMesh 0.0.55 package directory at ``bench/peers/build/hotmesh-0.0.55``
(not shipped or built by this repository, see bench/README.md); without
node or that build the comparison is skipped with the reason. Inputs travel as JSON, so
values JSON cannot carry (NaN, Infinity, dates, undefined) are covered by the plain unit
tests instead.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hotmesh_pg.engine.serializer import Serializer, sym_key

ROOT = Path(__file__).resolve().parents[3]
PEER = ROOT / "bench" / "peers" / "build" / "hotmesh-0.0.55"
SCRIPT = Path(__file__).with_name("hotmesh_serializer.js")

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (PEER / "build" / "index.js").is_file(),
    reason="needs node and a HotMesh 0.0.55 package at bench/peers/build/hotmesh-0.0.55",
)

SYM_KEYS = {
    "$t": {"metadata/jid": "aka", "data/a": "aAa", "data/b": "aBa", "data/c/d": "aCa"},
    "a1": {"a1/output/data/x": "aAl", "a1/output/metadata/au": "agl", "a1/hook/data/y": "aBl"},
    "a2": {"a2/output/data/z": "aAm"},
}
SYM_VALS = {"aa": "approved", "ab": "calculation.execute", "ac": "pending-review"}
DIDS = {"a1": ",0,1", "$ADJACENT": ",0,0,2"}


def hotmesh(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    payload = json.dumps({"symKeys": SYM_KEYS, "symVals": SYM_VALS, "dIds": DIDS,
                          "cases": cases})
    run = subprocess.run(["node", str(SCRIPT), str(PEER)], input=payload, capture_output=True,
                         text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    result: list[dict[str, Any]] = json.loads(run.stdout)
    return result


def ours(case: dict[str, Any]) -> dict[str, Any]:
    serializer = Serializer(SYM_KEYS, SYM_VALS, DIDS)
    packaged = serializer.package(case["state"], case["ids"])
    return {"packaged": packaged, "unpackaged": serializer.unpackage(packaged, case["ids"])}


FIXED = [
    {"metadata/jid": "job-1", "data/a": 5, "data/b": 49.99, "data/c/d": [1, {"k": None}]},
    {"data/a": "ab", "data/b": ":ab", "data/c/d": "approved", "data/zz": "pending-review"},
    {"data/a": True, "data/b": False, "data/c/d": None, "data/unknown": 1e21},
    {"data/a": 0.1, "data/b": -0.0, "data/c/d": 1.5e-7, "a1/output/data/x": 123456789012},
    {"a1/output/data/x": {"2": "b", "1": "a", "k": [True]}, "a1/output/metadata/au": "2024",
     "a1/hook/data/y": "", "a2/output/data/z": "/tmp/x", "-marker": "m", "_search": "s"},
    {"data/a": "héllo ☃ \U0001f600", "data/b": "tab\tand\nnewline \"quoted\" \\ back"},
    {"data/a": 2**53, "data/b": 1.7976931348623157e308, "data/c/d": -5e-324},
]


def test_fixed_cases_match_hotmesh() -> None:
    cases = [{"state": state, "ids": ["$t", "a1", "a2"]} for state in FIXED]
    cases += [{"state": FIXED[0], "ids": ["a1"]}, {"state": FIXED[4], "ids": ["$t"]}]
    for case, expected in zip(cases, hotmesh(cases), strict=True):
        assert ours(case) == expected, case


PATHS = ["metadata/jid", "data/a", "data/b", "data/c/d", "data/free", "a1/output/data/x",
         "a1/output/metadata/au", "a1/hook/data/y", "a2/output/data/z", "a3/output/data/q",
         "-mark", "_find"]
# '/s' + non-JSON is left out: HotMesh throws reading it back, we return the text (deviation 29)
SPECIAL = ["ab", ":Zz", "::ab", "approved", "pending-review", "/tmp", "/d5", "/n!", "", "0",
           "true", "null", "1e3", " 7 "]
CHARS = "aZ:/ \"\n\u00e9\u2603\U0001f600"


def _value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 2 else 7)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return rng.randint(-(2**53) + 1, 2**53 - 1) if rng.random() < 0.3 else rng.randint(-99, 99)
    if kind == 3:
        return rng.choice([0.1, -2.5, 1e21, 1e-7, 123.456, 5e-324, 1.7976931348623157e308,
                           rng.uniform(-1e6, 1e6)])
    if kind == 4:
        return "".join(rng.choice(CHARS) for _ in range(rng.randrange(6)))
    if kind in (5, 6):
        return rng.choice(SPECIAL)
    if kind == 7:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(["a", "b", "0", "10", "2", ""]): _value(rng, depth + 1)
            for _ in range(rng.randrange(4))}


def test_generated_states_match_hotmesh() -> None:
    rng = random.Random(20240423)
    cases = []
    for i in range(400):
        state = {rng.choice(PATHS): _value(rng) for _ in range(rng.randrange(7))}
        cases.append({"state": state, "ids": ["$t", "a1", "a2"][: 1 + i % 3]})
    for case, expected in zip(cases, hotmesh(cases), strict=True):
        assert ours(case) == expected, case


def test_symbol_numbering_matches_hotmesh() -> None:
    script = (f"const u=require('{PEER}/build/modules/utils');"
              "const out=[];for(const n of [0,1,25,26,51,52,285,286,571,572,1143,140607])"
              "out.push([u.getSymKey(n)]);"
              "for(const n of [0,1,51,52,2703])out.push([u.getSymVal(n)]);"
              "process.stdout.write(JSON.stringify(out))")
    run = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60,
                         check=True)
    from hotmesh_pg.engine.serializer import sym_val

    keys = [0, 1, 25, 26, 51, 52, 285, 286, 571, 572, 1143, 140607]
    vals = [0, 1, 51, 52, 2703]
    assert json.loads(run.stdout) == [[sym_key(n)] for n in keys] + [[sym_val(n)] for n in vals]
