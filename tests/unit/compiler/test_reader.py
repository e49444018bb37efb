"""The bounded YAML reader: js-yaml's scalar rules, key order, duplicates, caps, lines."""

from __future__ import annotations

import math

import pytest

from hotmesh_pg.engine.compiler.reader import (
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    MAX_NODES,
    js_key_order,
    read_yaml,
)
from hotmesh_pg.errors import ValidationError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("~", None), ("null", None), ("NULL", None), ("", None),
        ("true", True), ("True", True), ("FALSE", False),
        ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"),  # YAML 1.1 bools: strings
        ("42", 42), ("-7", -7), ("+3", 3), ("0x1A", 26), ("0o17", 15), ("0b101", 5),
        ("1_000", 1000), ("1:20", "1:20"),  # no sexagesimal ints
        ("1.5", 1.5), ("2.0", 2), ("1e3", 1000), (".5", 0.5), ("-.5", "-.5"), ("1_", "1_"),
        ("2024-01-02", "2024-01-02"),  # timestamps stay text
        ("'404'", "404"), ('"true"', "true"), ("!!str 12", "12"), ("!!int '12'", 12),
        ("hello world", "hello world"), ("'{a.b}'", "{a.b}"),
    ],
)
def test_scalars_follow_the_yaml_1_2_core_schema(text: str, expected: object) -> None:
    value = read_yaml(f"v: {text}\n").value["v"]
    assert value == expected
    assert type(value) is type(expected)


def test_infinity_and_nan() -> None:
    doc = read_yaml("a: .inf\nb: -.Inf\nc: .nan\n").value
    assert doc["a"] == math.inf and doc["b"] == -math.inf and math.isnan(doc["c"])


def test_keys_become_js_property_names_in_js_order() -> None:
    doc = read_yaml("schema: 1\n422: a\n200: b\ntrue: c\n~: d\n1.5: e\n").value
    assert list(doc) == ["200", "422", "schema", "true", "null", "1.5"]


def test_js_key_order_keeps_non_index_keys_in_insertion_order() -> None:
    assert list(js_key_order({"b": 1, "10": 2, "a": 3, "2": 4, "01": 5})) == \
        ["2", "10", "b", "a", "01"]


def test_duplicate_keys_are_rejected_with_their_line() -> None:
    with pytest.raises(ValidationError) as err:
        read_yaml("a: 1\nb:\n  c: 1\n  c: 2\n", "app.yaml")
    assert err.value.file == "app.yaml" and err.value.line == 4
    assert "duplicated mapping key 'c'" in str(err.value)


def test_merge_keys_fill_in_and_may_be_overridden() -> None:
    doc = read_yaml("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n").value
    assert doc["use"] == {"x": 1, "y": 3}


def test_aliases_are_copies_once_loaded() -> None:
    from hotmesh_pg.engine.compiler.loader import load_source

    doc = load_source("app:\n  a: &a {x: [1]}\n  b: *a\n").manifest["app"]
    assert doc["a"] == doc["b"] and doc["a"] is not doc["b"]
    assert doc["a"]["x"] is not doc["b"]["x"]


def test_lines_are_recorded_for_keys_and_items() -> None:
    doc = read_yaml("app:\n  graphs:\n    - subscribes: x\n      activities:\n        t1: {}\n")
    assert doc.line(("app",)) == 1
    assert doc.line(("app", "graphs", 0)) == 3
    assert doc.line(("app", "graphs", 0, "activities", "t1")) == 5
    assert doc.line(("app", "graphs", 0, "activities", "t1", "missing")) == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [\n", "YAML does not parse"),
        ("a: 1\n---\nb: 2\n", "single YAML document"),
        ("? [a]\n: 1\n", "keys must be scalars"),
        ("a: !!python/object:os.system ls\n", "unsupported YAML tag"),
        ("a: !custom {x: 1}\n", "unsupported YAML tag"),
        ("a: *nope\n", "unknown alias"),
    ],
)
def test_bad_documents(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        read_yaml(text)


def test_size_cap() -> None:
    text = "a: '" + "x" * MAX_DOCUMENT_BYTES + "'\n"
    with pytest.raises(ValidationError, match="limit is"):
        read_yaml(text)


def test_depth_cap_for_flow_and_block_nesting() -> None:
    with pytest.raises(ValidationError, match=f"deeper than {MAX_DEPTH}"):
        read_yaml("a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5))
    block = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 5))
    with pytest.raises(ValidationError, match=f"deeper than {MAX_DEPTH}"):
        read_yaml(block)


def test_very_deep_nesting_never_recurses() -> None:
    with pytest.raises(ValidationError):
        read_yaml("a: " + "[" * 200_000 + "]" * 200_000)


def test_billion_laughs_is_stopped_by_the_node_cap() -> None:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(ValidationError, match=f"more than {MAX_NODES} nodes"):
        read_yaml("\n".join(lines) + "\n")


def test_bytes_must_be_utf8() -> None:
    with pytest.raises(ValidationError, match="not UTF-8"):
        read_yaml(b"a: \xff\xfe\n")
