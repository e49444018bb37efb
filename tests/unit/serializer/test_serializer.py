"""The job-hash serializer: symbols, value prefixes, escapes, compression, dimensions."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotmesh_pg.engine.serializer import (
    Serializer,
    decode_value,
    encode_value,
    filter_sym_vals,
    get_by_path,
    restore_hierarchy,
    sym_key,
    sym_val,
)
from hotmesh_pg.pipe.js import UNDEFINED
from hotmesh_pg.pipe.jsdate import JSDate


# -- modules/utils.test.ts: getSymKey / getSymVal --------------------------------------------
@pytest.mark.parametrize(("n", "symbol"), [(0, "aaa"), (1, "aba"), (26, "aAa"), (52, "aab"),
                                           (286, "aAf"), (140607, "ZZZ")])
def test_sym_key(n: int, symbol: str) -> None:
    assert sym_key(n) == symbol


@pytest.mark.parametrize(("n", "symbol"), [(0, "aa"), (1, "ab"), (26, "aA"), (2703, "ZZ")])
def test_sym_val(n: int, symbol: str) -> None:
    assert sym_val(n) == symbol


@pytest.mark.parametrize(("fn", "n"), [(sym_key, 140608), (sym_key, -1), (sym_val, 2704)])
def test_symbols_out_of_range(fn: Any, n: int) -> None:
    with pytest.raises(ValueError, match="Number out of range"):
        fn(n)


def test_filter_sym_vals_skips_known_values_and_stops_at_the_maximum() -> None:
    assert filter_sym_vals(1, 2703, {"aa": "existing"}, ["existing", "new one", "other"]) == \
        {"ab": "new one", "ac": "other"}
    assert filter_sym_vals(2703, 2703, {}, ["first", "second"]) == {"ZZ": "first"}


# -- value encoding ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "/t"), (False, "/f"), (None, "/n"), (5, "/d5"), (5.0, "/d5"), (49.99, "/d49.99"),
        (-0.5, "/d-0.5"), (1e21, "/d1e+21"), (math.nan, "/dNaN"), (math.inf, "/dInfinity"),
        (-0.0, "/d0"), ("hello", "hello"), ("", ""), ({"a": [1, None]}, '/s{"a":[1,null]}'),
        ([1, 2.5, "x"], '/s[1,2.5,"x"]'), ({"2": 1, "b": 2, "1": 3}, '/s{"1":3,"2":1,"b":2}'),
        (JSDate(1713875696789.0), '/s"2024-04-23T12:34:56.789Z"'),
    ],
)
def test_encode_value(value: Any, text: str) -> None:
    assert encode_value(value) == text


def test_undefined_is_not_written() -> None:
    assert encode_value(UNDEFINED) is None
    assert Serializer().stringify({"a": UNDEFINED, "b": "", "c": 1}) == {"c": "/d1"}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("/t", True), ("/f", False), ("/n", None), ("/d5", 5), ("/d-0.5", -0.5), ("/d", 0),
        ("/d0x1A", 26), ("/d1e+21", 1e21), ('/s{"a":1}', {"a": 1}), ("plain", "plain"),
        ("/s[1,2]", [1, 2]), ("999000000000000", "999000000000000"),
    ],
)
def test_decode_value(text: str, value: Any) -> None:
    decoded = decode_value(text)
    assert decoded == value and type(decoded) is type(value)


def test_decode_special_numbers_and_dates() -> None:
    assert math.isnan(decode_value("/dNaN"))
    assert decode_value("/dInfinity") == math.inf
    date = decode_value('/s"2024-04-23T12:34:56.789Z"')
    assert isinstance(date, JSDate) and date.time == 1713875696789.0
    assert decode_value('/s{"when":"2024-04-23T12:34:56.789Z"}') == \
        {"when": "2024-04-23T12:34:56.789Z"}  # nested dates come back as strings


def test_decode_tolerates_non_json_after_the_s_prefix() -> None:
    assert decode_value("/single") == "/single"  # deviation 29: raw text instead of a crash


def test_slash_prefixed_strings_are_not_escaped_as_in_hotmesh() -> None:
    ser = Serializer()
    assert ser.stringify({"a": "/tmp"}) == {"a": "/tmp"}
    assert ser.parse({"a": "/tmp"}) == {"a": True}  # reference corruption, reproduced


@pytest.mark.parametrize("value", ["ab", "ZZ", ":ab", "::Qz"])
def test_two_letter_strings_are_escaped_and_restored(value: str) -> None:
    ser = Serializer(sym_vals={"ab": "a long enum value"})
    stored = ser.stringify({"x": value})["x"]
    assert stored == ":" + value
    assert ser.parse({"x": stored}) == {"x": value}


def test_value_symbols_replace_registered_strings() -> None:
    ser = Serializer(sym_vals={"aa": "calculation.execute", "ab": "subtract"})
    assert ser.stringify({"x": "subtract", "y": "subtracts"}) == {"x": "ab", "y": "subtracts"}
    assert ser.parse({"x": "ab", "y": "subtracts"}) == {"x": "subtract", "y": "subtracts"}


# -- field names ----------------------------------------------------------------------------
SYMBOLS = {
    "$abc.test": {"metadata/jid": "aka", "metadata/err": "ara", "data/b": "aAa"},
    "t1": {"t1/output/metadata/aid": "aAf", "t1/output/data/a": "aag"},
    "a1": {"a1/output/metadata/aid": "aal", "a1/output/data/y": "aAl"},
}


def test_package_compresses_job_and_activity_paths_with_dimensions() -> None:
    ser = Serializer(SYMBOLS, {}, {"t1": "", "a1": ",0,1"})
    state = {
        "metadata/jid": "job1", "data/b": "hello world", "a1/output/data/y": 7,
        "a1/output/metadata/aid": "a1", "-marker,0": "m", "_search": "s",
        "a1/output/data/unknown": 1, "t1/output/data/a": "z", "other/x": 1,
    }
    fields = ser.package(state, ["$abc.test", "a1"])
    assert fields == {
        "aka": "job1", "aAa": "hello world", "aAl,0,1": "/d7", "aal,0,1": "a1",
        "-marker,0": "m", "_search": "s", "a1/output/data/unknown,0,1": "/d1",
    }


def test_dimension_fallbacks() -> None:
    ser = Serializer(SYMBOLS, {}, {"$ADJACENT": ",0,0,3"})
    assert ser.resolve_dimensional_index("a1/output/data/y") == ",0,0,3"
    assert Serializer(SYMBOLS, {}, {}).resolve_dimensional_index("a1/output/data/y") == ",0"
    assert ser.resolve_dimensional_index("data/b") == ""


def test_no_symbol_tables_means_no_compression() -> None:
    assert Serializer().package({"data/b": 1, "zzz": 2}, ["$x"]) == {"data/b": "/d1", "zzz": "/d2"}


def test_unpackage_reverses_package() -> None:
    ser = Serializer(SYMBOLS, {"aa": "hello world"}, {"a1": ",0,1"})
    state = {"metadata/jid": "j", "data/b": "hello world", "a1/output/data/y": [1, {"k": None}]}
    fields = ser.package(state, ["$abc.test", "a1"])
    assert fields["aAa"] == "aa"
    assert ser.unpackage(fields, ["$abc.test", "a1"]) == state


def test_abbreviate_builds_the_hmget_field_list() -> None:
    ser = Serializer(SYMBOLS, {}, {"a1": ",0,1"})
    consumes = {"$abc.test": ["metadata/jid", "data/b", "data/none"],
                "a1": ["a1/output/data/y"]}
    assert ser.abbreviate(consumes, ["$abc.test", "a1"], [":"]) == \
        [":", "aka", "aAa", "data/none", "aAl,0,1"]


def test_decompress_strips_dimensions() -> None:
    ser = Serializer(SYMBOLS, {}, {})
    assert ser.decompress({"aAl,0,1": "/d1", ":": "2", "zz": "x"}, ["a1"]) == \
        {"a1/output/data/y": "/d1", ":": "2", "zz": "x"}


def test_export_copies_the_tables() -> None:
    ser = Serializer(SYMBOLS)
    exported = ser.export()
    assert exported == SYMBOLS and exported["t1"] is not ser.sym_keys["t1"]


# -- paths ------------------------------------------------------------------------------------
def test_get_by_path_and_restore_hierarchy() -> None:
    ctx = {"a1": {"output": {"data": {"list": [10, {"x": None}], "n": None}}}}
    assert get_by_path(ctx, "a1/output/data/list/1/x") is None
    assert get_by_path(ctx, "a1/output/data/list/2") is UNDEFINED
    assert get_by_path(ctx, "a1/output/data/n/deeper") is UNDEFINED
    assert get_by_path(ctx, "a1/missing") is UNDEFINED
    flat = {"a/b/c": 1, "a/b/d": 2, "a/e": UNDEFINED, "f": 3}
    assert restore_hierarchy(flat) == {"a": {"b": {"c": 1, "d": 2}}, "f": 3}
    assert restore_hierarchy({"a": 1, "a/b": 2}) == {"a": {"b": 2}}


# -- properties ---------------------------------------------------------------------------
SAFE_INT = 2**53 - 1
json_leaves = (
    st.none() | st.booleans() | st.integers(-SAFE_INT, SAFE_INT)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text()
)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=4),
    max_leaves=20,
)


def _js_normal(value: Any) -> Any:
    """What JS keeps of a value: -0 prints as 0, integral floats are integers."""
    if isinstance(value, float):
        return 0 if value == 0 else (int(value) if value.is_integer() and
                                     abs(value) <= SAFE_INT else value)
    if isinstance(value, list):
        return [_js_normal(v) for v in value]
    if isinstance(value, dict):
        return {k: _js_normal(v) for k, v in value.items()}
    return value


def _storable(value: Any) -> bool:
    """HotMesh loses '' and misreads top-level strings starting with /t /f /d /n /s."""
    return not (isinstance(value, str) and (value == "" or value[:2] in
                                           ("/t", "/f", "/d", "/n", "/s")))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(alphabet="abcdefgh_", min_size=1, max_size=6), json_values,
                       max_size=6))
def test_any_json_document_round_trips(document: dict[str, Any]) -> None:
    document = {k: v for k, v in document.items() if _storable(v)}
    paths = {f"data/{k}": v for k, v in document.items()}
    table = {p: sym_key(i) for i, p in enumerate(paths)}
    ser = Serializer({"$t": table}, {"aa": "registered value"}, {})
    fields = ser.package(paths, ["$t"])
    for text in fields.values():
        assert isinstance(text, str)
    restored = ser.unpackage(fields, ["$t"])
    assert restore_hierarchy(restored) == ({"data": _js_normal(document)} if document else {})


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_value_encoding_round_trips(value: Any) -> None:
    if not _storable(value):
        return
    assert decode_value(encode_value(value)) == _js_normal(value)


def test_nul_characters_survive() -> None:
    ser = Serializer()
    state = {"data/a": "x\x00y", "data/b": {"k\x00": "\x00"}}
    assert ser.unpackage(ser.package(state, []), []) == state


def test_deep_nesting_round_trips() -> None:
    deep: Any = "leaf"
    for _ in range(200):
        deep = {"n": [deep]}
    assert decode_value(encode_value(deep)) == deep


def test_big_numbers_follow_javascript() -> None:
    assert encode_value(2**53) == "/d9007199254740992"
    assert encode_value(10**21) == "/d1e+21"
    assert decode_value(encode_value(2**64)) == float(2**64)
    assert decode_value("/d123456789012345678901234567890") == 1.2345678901234568e29
    assert encode_value(1.7976931348623157e308) == "/d1.7976931348623157e+308"
