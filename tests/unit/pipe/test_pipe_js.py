"""The JS value helpers others import: UNDEFINED, coercions, typeof, equality, JSON."""

from __future__ import annotations

import copy
import math
import pickle
from typing import Any

import pytest

from hotmesh_pg.pipe import UNDEFINED, JSDate, PipeSyntaxError
from hotmesh_pg.pipe.js import (
    Undefined,
    get_property,
    is_array_index,
    js_add,
    json_parse,
    json_stringify,
    loose_equals,
    num,
    own_keys,
    strict_equals,
    to_int32,
    to_number,
    to_string,
    to_uint32,
    truthy,
    typeof,
)

NAN = math.nan
INF = math.inf


def test_undefined_is_a_falsy_singleton_distinct_from_none() -> None:
    assert UNDEFINED is not None
    assert not UNDEFINED
    assert repr(UNDEFINED) == "undefined"
    assert Undefined() is UNDEFINED
    assert copy.copy(UNDEFINED) is UNDEFINED
    assert copy.deepcopy({"a": UNDEFINED})["a"] is UNDEFINED
    assert pickle.loads(pickle.dumps(UNDEFINED)) is UNDEFINED


@pytest.mark.parametrize(("value", "expected"), [
    (False, False), (0, False), (-0.0, False), (NAN, False), ("", False), (None, False),
    (UNDEFINED, False), ([], True), ({}, True), ("0", True), ("false", True), (-1, True),
    (INF, True), (JSDate(NAN), True), (True, True),
])
def test_truthy(value: Any, expected: bool) -> None:
    assert truthy(value) is expected


@pytest.mark.parametrize(("value", "expected"), [
    (UNDEFINED, "undefined"), (None, "object"), (True, "boolean"), (1, "number"),
    (1.5, "number"), (NAN, "number"), ("", "string"), ([], "object"), ({}, "object"),
    (JSDate(0), "object"), (len, "function"),
])
def test_typeof(value: Any, expected: str) -> None:
    assert typeof(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (None, 0.0), (UNDEFINED, NAN), (True, 1.0), (False, 0.0), ("", 0.0), ("  ", 0.0),
    (" 42 ", 42.0), ("0x1A", 26.0), ("0X1a", 26.0), ("0b101", 5.0), ("0o17", 15.0),
    ("-0x1", NAN), ("1e3", 1000.0), (".5", 0.5), ("5.", 5.0), ("+5", 5.0), ("12px", NAN),
    ("Infinity", INF), ("-Infinity", -INF), ("inf", NAN), ("1_000", NAN), ("\u00a01\n", 1.0),
    ([], 0.0), ([5], 5.0), (["7"], 7.0), ([1, 2], NAN), ({}, NAN), (JSDate(5), 5.0),
    (10**400, INF),
])
def test_to_number(value: Any, expected: float) -> None:
    result = to_number(value)
    assert (math.isnan(result) and math.isnan(expected)) or result == expected


@pytest.mark.parametrize(("value", "expected"), [
    (5.0, "5"), (1e21, "1e+21"), (1e20, "100000000000000000000"), (0.1 + 0.2,
                                                                   "0.30000000000000004"),
    (-0.0, "0"), (NAN, "NaN"), (INF, "Infinity"), (-INF, "-Infinity"), (1e-7, "1e-7"),
    (0.000001, "0.000001"), (123e-20, "1.23e-18"), (2**53 + 2, "9007199254740994"),
    (True, "true"), (None, "null"), (UNDEFINED, "undefined"), ([1, None, [2, UNDEFINED]],
                                                                "1,,2,"),
    ({}, "[object Object]"), (JSDate(0), "Thu Jan 01 1970 00:00:00 GMT+0000 "
                              "(Coordinated Universal Time)"),
])
def test_to_string(value: Any, expected: str) -> None:
    assert to_string(value) == expected


def test_int32_conversions() -> None:
    assert to_int32(2**31) == -(2**31)
    assert to_uint32(-1) == 2**32 - 1
    assert to_int32("4294967301") == 5
    assert to_int32(NAN) == to_int32(INF) == 0
    assert to_int32(-1.9) == -1


def test_equality() -> None:
    assert loose_equals(None, UNDEFINED) and not strict_equals(None, UNDEFINED)
    assert loose_equals("1", 1) and not strict_equals("1", 1)
    assert not strict_equals(True, 1) and loose_equals(True, 1)
    same: list[int] = []
    assert strict_equals(same, same) and not strict_equals([], [])
    assert loose_equals(JSDate(0), JSDate(0).to_string()) is True


def test_add_and_num() -> None:
    assert js_add(1, "2") == "12"
    assert js_add([1], [2]) == "12"
    assert js_add(None, True) == 1
    assert js_add(JSDate(0), 1).endswith("Time)1")
    assert type(num(3.0)) is int
    assert type(num(2.0**60)) is float
    assert math.copysign(1, num(-0.0)) == -1


def test_keys_and_properties() -> None:
    assert own_keys({"b": 1, "10": 1, "2": 1, "a": 1, "01": 1}) == ["2", "10", "b", "a", "01"]
    assert is_array_index("0") and not is_array_index("01") and not is_array_index("-1")
    assert not is_array_index(str(2**32 - 1))
    assert get_property([1, 2], "length") == 2
    assert get_property({"0": "x"}, 0) == "x"
    assert get_property(5, "x") is UNDEFINED


def test_json() -> None:
    assert json_stringify({"2": 1, "a": None, "1": [UNDEFINED, lambda: 1]}) \
        == '{"1":[null,null],"2":1,"a":null}'
    assert json_stringify(lambda: 1) is UNDEFINED
    assert json_stringify({"f": lambda: 1}) == "{}"
    assert json_stringify("\ud800") == '"\\ud800"'
    assert json_stringify({"a": {"b": 1}}, None, "\t") == '{\n\t"a": {\n\t\t"b": 1\n\t}\n}'
    assert json_stringify({"a": 1, "b": 2}, lambda k, v: v * 10 if k == "a" else v) \
        == '{"a":10,"b":2}'
    assert json_parse('{"a":1.0}') == {"a": 1}
    assert type(json_parse("1.0")) is int
    with pytest.raises(PipeSyntaxError, match="Unexpected token 'I'"):
        json_parse("Infinity")
