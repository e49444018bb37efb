"""Table-driven edge cases from engine-model §3.5, §3.9 and §3.10 (json, object, string)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from hotmesh_pg.pipe import (
    UNDEFINED,
    JSDate,
    PipeError,
    PipeRangeError,
    PipeSyntaxError,
    PipeTypeError,
)
from hotmesh_pg.pipe.functions import FUNCTIONS

U = UNDEFINED
NAN = math.nan
INF = math.inf

CASES: list[tuple[str, tuple[Any, ...], Any]] = [
    # string.split: undefined delimiter -> [input], '' -> characters, literal (not regex)
    ("string.split", ("a,b", ","), ["a", "b"]),
    ("string.split", ("a,b",), ["a,b"]),
    ("string.split", ("abc", ""), ["a", "b", "c"]),
    ("string.split", ("a.b", "."), ["a", "b"]),
    ("string.split", ("", ","), [""]),
    ("string.split", ("a1b", 1), ["a", "b"]),
    ("string.split", ("anullb", None), ["a", "b"]),
    # positions count UTF-16 units, as in JS
    ("string.split", ("a😀", ""), ["a", "\ud83d", "\ude00"]),
    ("string.slice", ("a😀b", 1, 3), "😀"),
    ("string.slice", ("a😀b", 1, 2), "\ud83d"),
    ("string.indexOf", ("😀b", "b"), 2),
    ("string.padStart", ("x", 4, "😀"), "😀\ud83dx"),
    ("array.length", ("😀",), 2),
    ("object.keys", ("😀",), ["0", "1"]),
    ("string.charAt", ("abc", 1), "b"),
    ("string.charAt", ("abc",), "a"),
    ("string.charAt", ("abc", 5), ""),
    ("string.charAt", ("abc", -1), ""),
    ("string.charAt", ("abc", "2"), "c"),
    ("string.concat", (), ""),
    ("string.concat", (1, None, "a", {}), "1a[object Object]"),
    ("string.concat", ([1, 2], U, True), "1,2true"),
    ("string.includes", ("abc", "b"), True),
    ("string.includes", ("abc", "b", 2), False),
    ("string.includes", ("undefined!",), True),  # undefined search is 'undefined'
    ("string.includes", ([1, NAN], NAN), True),  # a list input uses SameValueZero
    ("string.indexOf", ("abcabc", "c"), 2),
    ("string.indexOf", ("abcabc", "c", 3), 5),
    ("string.indexOf", ("abc", "", 10), 3),
    ("string.indexOf", ("abc", "z"), -1),
    ("string.indexOf", ([1, "1"], "1"), 1),
    ("string.lastIndexOf", ("abcabc", "c"), 5),
    ("string.lastIndexOf", ("abcabc", "c", 4), 2),
    ("string.lastIndexOf", ("abcabc", "c", -5), -1),
    ("string.lastIndexOf", ([1, 2, 1], 1), 0),  # list input inherits the §9 #12 bug
    ("string.slice", ("hello", 1, -1), "ell"),
    ("string.slice", ("hello", -3), "llo"),
    ("string.slice", ("hello", 4, 1), ""),
    ("string.slice", ([1, 2, 3], 1), [2, 3]),
    ("string.toLowerCase", ("ÀBC",), "àbc"),
    ("string.toUpperCase", ("straße",), "STRASSE"),
    ("string.trim", ("\u00a0\ufeff x \n\u2028",), "x"),
    ("string.trim", ("\x1cx\x1c",), "\x1cx\x1c"),  # not JS whitespace
    ("string.trimStart", ("\t x ",), "x "),
    ("string.trimEnd", ("\t x \r\n",), "\t x"),
    ("string.padStart", ("5", 3, "0"), "005"),
    ("string.padStart", ("abc", 8, "12"), "12121abc"),
    ("string.padStart", ("abc", 6), "   abc"),
    ("string.padStart", ("abc", 6, ""), "abc"),
    ("string.padStart", ("abc", 2, "x"), "abc"),
    ("string.padEnd", ("abc", 6, "-"), "abc---"),
    ("string.padEnd", ("abc", U, "-"), "abc"),
    ("string.replace", ("a-b-c", "-", "+"), "a+b-c"),
    ("string.replace", ("a-b", "-", "$$"), "a$b"),
    ("string.replace", ("a-b", "-", "[$&]"), "a[-]b"),
    ("string.replace", ("a-b", "-", "$`"), "aab"),
    ("string.replace", ("a-b", "-", "$'"), "abb"),
    ("string.replace", ("a-b", "-", "$1"), "a$1b"),
    ("string.replace", ("a-b", "-"), "aundefinedb"),
    ("string.replace", ("abc", "z", "y"), "abc"),
    ("string.replace", ("abc", "", "_"), "_abc"),
    ("string.search", ("abc", "."), 0),
    ("string.search", ("a.c", "\\."), 1),
    ("string.search", ("abc", "z"), -1),
    ("string.search", ("abc",), 0),
    ("string.search", ("x1", "\\d"), 1),
    ("string.search", ("ab\n", "b$"), -1),  # '$' does not match before a final newline
    ("string.search", ("ab", "(?<n>b)\\k<n>?"), 1),
    ("string.search", ("anull", None), 1),
    ("string.substring", ("hello", 1, 3), "el"),
    ("string.substring", ("hello", 3, 1), "el"),
    ("string.substring", ("hello", -2), "hello"),
    ("string.substring", ("hello", NAN, 2), "he"),
    ("string.substring", ("hello", 2, 99), "llo"),
    ("string.startsWith", ("hello", "he"), True),
    ("string.startsWith", ("hello", "l", 2), True),
    ("string.startsWith", ("hello", ""), True),
    ("string.endsWith", ("hello", "lo"), True),
    ("string.endsWith", ("hello", "l", 4), True),
    ("string.endsWith", ("hello", "o", 4), False),
    ("string.repeat", ("ab", 3), "ababab"),
    ("string.repeat", ("ab", 2.9), "abab"),
    ("string.repeat", ("ab", NAN), ""),
    ("string.repeat", ("ab", U), ""),
    ("string.repeat", ("ab", "2"), "abab"),
    ("string.repeat", ("", 1e21), ""),
    # object
    ("object.get", ({"a": 1}, "a"), 1),
    ("object.get", ({"5": "x"}, 5), "x"),
    ("object.get", ([1, 2], "length"), 2),
    ("object.get", ([1, 2], "1"), 2),
    ("object.get", ("abc", 0), "a"),
    ("object.get", (None, "a"), U),
    ("object.get", (U, "a"), U),
    ("object.get", ({"a": 1}, "b"), U),
    ("object.set", (None, "a", 1), {"a": 1}),
    ("object.set", (0, "a", 1), {"a": 1}),
    ("object.set", ("", "a", 1), {"a": 1}),
    ("object.set", ({"a": 1}, 5, 2), {"a": 1, "5": 2}),
    ("object.set", ([1], 2, "z"), [1, U, "z"]),
    ("object.set", ([1, 2, 3], "length", 1), [1]),
    ("object.create", (), {}),
    ("object.create", ("a", 1, "b", 2), {"a": 1, "b": 2}),
    ("object.create", ("a", 1, "b"), {"a": 1, "b": U}),
    ("object.create", (1, "x", None, "y"), {"1": "x", "null": "y"}),
    ("object.keys", ({"b": 1, "2": 0, "a": 1, "1": 0},), ["1", "2", "b", "a"]),
    ("object.keys", ([7, 8],), ["0", "1"]),
    ("object.keys", ("ab",), ["0", "1"]),
    ("object.keys", (5,), []),
    ("object.keys", (None,), []),
    ("object.keys", ("",), []),
    ("object.values", ({"a": 1, "b": [2]},), [1, [2]]),
    ("object.values", ("ab",), ["a", "b"]),
    ("object.entries", ({"a": 1},), [["a", 1]]),
    ("object.entries", ([9],), [["0", 9]]),
    ("object.fromEntries", ([["a", 1], ["b", 2]],), {"a": 1, "b": 2}),
    ("object.fromEntries", ([["a"]],), {"a": U}),
    ("object.fromEntries", ([],), {}),
    ("object.assign", ({"a": 1}, {"b": 2}, None, {"a": 3}), {"a": 3, "b": 2}),
    ("object.assign", (None, {"b": 2}), {"b": 2}),
    ("object.assign", ({}, "xy"), {"0": "x", "1": "y"}),
    ("object.assign", ("ab", {"x": 1}), "ab"),  # the wrapper serialises as the string
    ("object.assign", (5, {"x": 1}), 5),
    ("object.assign", ({}, [7]), {"0": 7}),
    ("object.getOwnPropertyNames", ([1],), ["0", "length"]),
    ("object.getOwnPropertyNames", ({"a": 1},), ["a"]),
    ("object.getOwnPropertyNames", (None,), []),
    ("object.getOwnPropertySymbols", ({"a": 1},), []),
    ("object.getOwnPropertyDescriptor", ({"a": 1}, "a"),
     {"value": 1, "writable": True, "enumerable": True, "configurable": True}),
    ("object.getOwnPropertyDescriptor", ([1], "length"),
     {"value": 1, "writable": True, "enumerable": False, "configurable": False}),
    ("object.getOwnPropertyDescriptor", ({"a": 1}, "b"), U),
    ("object.getOwnPropertyDescriptor", (None, "a"), U),
    ("object.hasOwnProperty", ({"a": U}, "a"), True),
    ("object.hasOwnProperty", ([1], "0"), True),
    ("object.hasOwnProperty", ([1], "length"), True),
    ("object.hasOwnProperty", ([1], "1"), False),
    ("object.hasOwnProperty", ("ab", 1), True),
    ("object.hasOwnProperty", (5, "a"), False),
    ("object.isPrototypeOf", ({}, {}), False),
    ("object.isPrototypeOf", (None, 5), False),
    ("object.propertyIsEnumerable", ([1], "length"), False),
    ("object.propertyIsEnumerable", ([1], 0), True),
    ("object.propertyIsEnumerable", ({"a": 1}, "a"), True),
    ("object.freeze", (5,), 5),
    ("object.freeze", (None,), None),
    ("object.isFrozen", (5,), True),
    ("object.isFrozen", ({"a": 1},), False),
    ("object.isSealed", ("x",), True),
    ("object.isExtensible", ({},), True),
    ("object.isExtensible", (5,), False),
    # json
    ("json.stringify", ({"b": 1, "a": [1, U, NAN, INF], "u": U, "1": None},),
     '{"1":null,"b":1,"a":[1,null,null,null]}'),
    ("json.stringify", (U,), U),
    ("json.stringify", ("é\u2028\n\"",), '"é\u2028\\n\\""'),
    ("json.stringify", (5.0,), "5"),
    ("json.stringify", (-0.0,), "0"),
    ("json.stringify", (1e21,), "1e+21"),
    ("json.stringify", (JSDate(0),), '"1970-01-01T00:00:00.000Z"'),
    ("json.stringify", ({"d": JSDate(NAN)},), '{"d":null}'),
    ("json.stringify", ({"a": 1, "b": {"a": 2, "c": 3}}, ["a", "b"]), '{"a":1,"b":{"a":2}}'),
    ("json.stringify", ({"a": [1]}, None, 2), '{\n  "a": [\n    1\n  ]\n}'),
    ("json.stringify", ([1], None, "--"), "[\n--1\n]"),
    ("json.stringify", ({}, None, 4), "{}"),
    ("json.stringify", ([1, 2], None, 0.5), "[\n1,\n2\n]"),  # V8: positive space, no indent
    ("json.stringify", ([1, 2], None, ""), "[1,2]"),
    ("json.stringify", ({"a": 1}, None, 20), '{\n          "a": 1\n}'),
    ("json.stringify", ({"a": 1}, "ignored"), '{"a":1}'),
    ("json.parse", ("5",), 5),
    ("json.parse", (5,), 5),
    ("json.parse", (None,), None),
    ("json.parse", ("[1, 2.5, -0, 1e400]",), [1, 2.5, -0.0, INF]),
    ("json.parse", ('{"a": {"b": [true]}}',), {"a": {"b": [True]}}),
    ("json.parse", ('" x "',), " x "),
    ("json.parse", (True,), True),
    ("json.parse", ("9007199254740993",), 9007199254740992.0),
]


@pytest.mark.parametrize(("name", "args", "expected"), CASES,
                         ids=[f"{c[0]}{c[1]!r}"[:80] for c in CASES])
def test_function(assert_call: Any, name: str, args: tuple[Any, ...], expected: Any) -> None:
    assert_call(name, args, expected)


RAISES: list[tuple[str, tuple[Any, ...], type[PipeError], str]] = [
    ("string.split", (None, ","), PipeTypeError, r"Cannot read properties of null \(reading"),
    ("string.split", (U,), PipeTypeError, "of undefined"),
    ("string.split", (5, ","), PipeTypeError, "input.split is not a function"),
    ("string.trim", ({},), PipeTypeError, "input.trim is not a function"),
    ("string.toUpperCase", (["a"],), PipeTypeError, "is not a function"),
    ("string.startsWith", (None, "a"), PipeTypeError, "reading 'startsWith'"),
    ("string.repeat", ("ab", -1), PipeRangeError,
     r"^Invalid repeat count\. Must be a positive finite number\.$"),
    ("string.repeat", ("ab", INF), PipeRangeError, "Invalid repeat count"),
    ("string.repeat", ("ab", "Infinity"), PipeRangeError, "Invalid count value: Infinity"),
    ("string.repeat", ("ab", 2**40), PipeRangeError, "Invalid string length"),
    ("string.padStart", ("ab", 2**40), PipeRangeError, "Invalid string length"),
    ("string.search", ("ab", "("), PipeSyntaxError, "Invalid regular expression"),
    ("object.fromEntries", (None,), PipeTypeError, "is not iterable"),
    ("object.fromEntries", ({"a": 1},), PipeTypeError, "is not iterable"),
    ("object.fromEntries", ([1],), PipeTypeError, "is not an entry object"),
    ("object.hasOwnProperty", (None, "a"), PipeTypeError, "Cannot convert undefined or null"),
    ("object.propertyIsEnumerable", (U, "a"), PipeTypeError, "Cannot convert"),
    ("object.isPrototypeOf", (None, {}), PipeTypeError, "Cannot convert"),
    ("object.defineProperty", (5, "a", {}), PipeTypeError, "called on non-object"),
    ("object.defineProperty", ({}, "a", 5), PipeTypeError, "must be an object"),
    ("object.set", (5, "a", 1), PipeTypeError, "Cannot create property 'a' on number '5'"),
    ("object.set", ([1], "length", -1), PipeRangeError, "Invalid array length"),
    ("object.assign", ("ab", "c"), PipeTypeError, "read only property '0'"),
    ("json.parse", ("{bad",), PipeSyntaxError, "not valid JSON"),
    ("json.parse", ("",), PipeSyntaxError, "Unexpected end of JSON input"),
    ("json.parse", ("NaN",), PipeSyntaxError, "Unexpected token 'N'"),
    ("json.parse", (U,), PipeSyntaxError, "Unexpected token 'u'"),
    ("json.parse", ("[1,]",), PipeSyntaxError, "Unexpected token ']'"),
]


@pytest.mark.parametrize(("name", "args", "error", "message"), RAISES)
def test_function_raises(name: str, args: tuple[Any, ...], error: type[PipeError],
                         message: str) -> None:
    domain, function = name.split(".")
    with pytest.raises(error, match=message):
        FUNCTIONS[domain][function](*args)


def test_json_stringify_rejects_cycles() -> None:
    cyclic: list[Any] = [1]
    cyclic.append(cyclic)
    with pytest.raises(PipeTypeError, match="circular structure"):
        FUNCTIONS["json"]["stringify"](cyclic)


def test_object_set_and_assign_mutate_and_return_their_target() -> None:
    target = {"a": 1}
    assert FUNCTIONS["object"]["set"](target, "b", 2) is target
    assert FUNCTIONS["object"]["assign"](target, {"c": 3}) is target
    assert target == {"a": 1, "b": 2, "c": 3}


def test_define_property_only_keeps_enumerable_properties() -> None:
    define = FUNCTIONS["object"]["defineProperty"]
    obj: dict[str, Any] = {"keep": 1}
    assert define(obj, "hidden", {"value": 1}) is obj
    assert obj == {"keep": 1}  # non-enumerable: invisible to keys, JSON and storage
    define(obj, "shown", {"value": 2, "enumerable": True})
    assert obj == {"keep": 1, "shown": 2}
    define(obj, "keep", {"value": 5})
    assert obj["keep"] == 5
    define(obj, "keep", {"enumerable": False})
    assert "keep" not in obj
    FUNCTIONS["object"]["defineProperties"](obj, {"x": {"value": 1, "enumerable": True},
                                                  "y": {"value": 2}})
    assert obj == {"shown": 2, "x": 1}


def test_freeze_seal_and_prevent_extensions_are_remembered_in_memory() -> None:
    obj = FUNCTIONS["object"]
    frozen = obj["freeze"]({"a": 1})
    assert obj["isFrozen"](frozen) and obj["isSealed"](frozen)
    assert not obj["isExtensible"](frozen)
    with pytest.raises(PipeTypeError, match="read only property 'a'"):
        obj["set"](frozen, "a", 2)
    sealed = obj["seal"]({"a": 1})
    obj["set"](sealed, "a", 2)  # a sealed object's existing properties stay writable
    assert sealed == {"a": 2} and not obj["isFrozen"](sealed)
    with pytest.raises(PipeTypeError, match="not extensible"):
        obj["set"](sealed, "b", 1)
    closed = obj["preventExtensions"]({})
    assert obj["isFrozen"](closed) and obj["isSealed"](closed)  # nothing left to change
    with pytest.raises(PipeTypeError, match="not extensible"):
        FUNCTIONS["array"]["push"](obj["freeze"]([1]), 2)
    assert obj["getOwnPropertyDescriptor"](frozen, "a") == {
        "value": 1, "writable": False, "enumerable": True, "configurable": False}
