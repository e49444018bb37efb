"""HotMesh's own apps: each loads to exactly its generated manifest, compiles, and a broken
copy of each fails with a message naming the fault and where it is."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from reference_apps import REFERENCE

from hotmesh_pg.engine.compiler import compile_app, load_app
from hotmesh_pg.errors import ValidationError

APP_FILES = sorted(REFERENCE.glob("**/hotmesh.yaml"))


def app_id(path: Path) -> str:
    return str(path.parent.relative_to(REFERENCE))


def _manifest_json(path: Path) -> Path:
    found = list(path.parent.glob(".hotmesh.*.json"))
    assert len(found) == 1, found
    return found[0]


def test_every_reference_app_is_found() -> None:
    assert len(APP_FILES) == 31


@pytest.mark.parametrize("path", APP_FILES, ids=app_id)
def test_loads_to_the_generated_manifest_key_order_included(path: Path) -> None:
    expected = json.loads(_manifest_json(path).read_text())
    manifest = load_app(path)
    assert manifest == expected
    assert json.dumps(manifest) == json.dumps(expected)


@pytest.mark.parametrize("path", APP_FILES, ids=app_id)
def test_compiles(path: Path) -> None:
    manifest = load_app(path)
    compiled = compile_app(manifest)
    ids = [aid for g in manifest["app"]["graphs"] for aid in g["activities"]]
    assert list(compiled.schemas) == ids
    for graph in manifest["app"]["graphs"]:
        trigger = next(a for a, v in graph["activities"].items() if v["type"] == "trigger")
        assert compiled.subscriptions[graph["subscribes"]] == trigger
    assert compiled.manifest is not manifest  # the caller's manifest is left untouched
    assert "ancestors" not in json.dumps(manifest)


def _files_with(path: Path, pattern: str) -> list[Path]:
    files = [path, *sorted(p for p in path.parent.rglob("*.yaml") if p != path)]
    return [f for f in files if re.search(pattern, f.read_text(), re.M)]


def _break(path: Path, pattern: str, replace: Callable[[re.Match[str]], str]) -> tuple[Path, int]:
    """Apply one replacement at the first match; return the file and its 1-based line."""
    target = _files_with(path, pattern)[0]
    text = target.read_text()
    found = re.search(pattern, text, re.M)
    assert found is not None
    target.write_text(text[: found.start()] + replace(found) + text[found.end():])
    return target, text.count("\n", 0, found.start()) + 1


@pytest.mark.parametrize("path", APP_FILES, ids=app_id)
def test_broken_trigger_type_is_named(path: Path, copy_app: Callable[[Path], Path]) -> None:
    app = copy_app(path)
    broken, line = _break(app, r"type: trigger\b", lambda m: "type: triger")
    with pytest.raises(ValidationError, match="unknown activity type 'triger'") as err:
        load_app(app)
    assert err.value.file is not None and Path(err.value.file).resolve() == broken.resolve()
    assert err.value.line == line
    assert err.value.field == "type" and err.value.activity


WITH_TRANSITIONS = [p for p in APP_FILES if _files_with(p, r"^\s*- to: \S+")]


@pytest.mark.parametrize("path", WITH_TRANSITIONS, ids=app_id)
def test_broken_transition_target_is_named(path: Path, copy_app: Callable[[Path], Path]) -> None:
    app = copy_app(path)
    target = _files_with(app, r"^\s*transitions:")[0]
    text = target.read_text()
    start = re.search(r"^\s*transitions:", text, re.M)
    assert start is not None
    edge = re.compile(r"(- to: )(\S+)").search(text, start.end())
    assert edge is not None
    target.write_text(text[: edge.start(2)] + "missing_target" + text[edge.end(2):])
    message = "transition to missing activity 'missing_target'"
    with pytest.raises(ValidationError, match=message) as err:
        load_app(app)
    assert err.value.line == text.count("\n", 0, edge.start()) + 1
    assert err.value.field is not None and err.value.field.endswith(".to")


def test_seed_app_symbol_values_and_targets() -> None:
    compiled = compile_app(load_app(APP_FILES[-1]))
    assert APP_FILES[-1].parent.name == "seeds"
    names = [t.name for t in compiled.symbol_targets]
    assert names[0] == "$order.scheduled" and "schedule" in names
    assert all(len(v) > 5 for v in compiled.symbol_values)


def test_calc_compiles_like_the_reference_deployer() -> None:
    calc = next(p for p in APP_FILES if app_id(p) == "apps/calc/v1")
    compiled = compile_app(load_app(calc))
    # deployer.test.ts: after copyJobSchemas every activity has a job object
    assert all(isinstance(s.get("job"), dict) for s in compiled.schemas.values())
    assert compiled.symbol_values == [
        "calculation.execute", "executor", "receiver", "operate", "trigger", "calculate",
        "subtract", "multiply", "divide",
        "[100,4,5]", "[5,4,3,2,1]", "[1,2,3,4,5]", "[10,10,10]",
    ]
    operate = compiled.schemas["operate"]
    assert operate["ancestors"] == ["calculate"] and operate["parent"] == "calculate"
    assert operate["subtype"] == "calculation.execute" and operate["expire"] == 120
    assert operate["consumes"] == {
        "calculate": ["output/data/operation", "output/data/values"],
        "operate": ["output/data/result"],
    }
    assert operate["produces"] == ["output/data/result"]
    trigger = compiled.schemas["calculate"]
    assert trigger["PRODUCES"] == ["data/result"]
    assert trigger["produces"] == ["output/data/operation", "output/data/values"]
    graph_input = compiled.manifest["app"]["graphs"][0]["input"]
    assert trigger["output"] == {"schema": graph_input["schema"]}
    assert compiled.transitions == {
        ".calculate": {"operate": True}, ".receiver": {"executor": True},
    }
    assert compiled.worker_topics == ["calculation.execute"]
    assert "transitions" not in operate


def test_durable_duplicate_edges_keep_first_position_and_last_conditions() -> None:
    durable = next(p for p in APP_FILES if app_id(p) == "apps/durable/v1")
    manifest = load_app(durable)
    compiled = compile_app(manifest)
    for graph in manifest["app"]["graphs"]:
        for source, edges in (graph.get("transitions") or {}).items():
            expected: dict[str, object] = {}
            for edge in edges:
                expected[edge["to"]] = edge.get("conditions") or True
            assert compiled.transitions[f".{source}"] == expected
            assert list(compiled.transitions[f".{source}"]) == list(expected)
