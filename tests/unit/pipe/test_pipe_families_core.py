"""Table-driven edge cases from engine-model §3 for array, bitwise, conditional, logical,
symbol and unary (null, undefined, NaN, empty list, numeric strings, Infinity)."""

from __future__ import annotations

import contextlib
import math
from typing import Any

import pytest

from hotmesh_pg.pipe import UNDEFINED, JSDate, PipeError, PipeTypeError
from hotmesh_pg.pipe.functions import FUNCTIONS

U = UNDEFINED
NAN = math.nan
INF = math.inf

CASES: list[tuple[str, tuple[Any, ...], Any]] = [
    # array.get: falsy index -> 0, numeric strings index, misses are undefined
    ("array.get", (["a", "b"],), "a"),
    ("array.get", (["a", "b"], 1), "b"),
    ("array.get", (["a", "b"], "1"), "b"),
    ("array.get", (["a", "b"], None), "a"),
    ("array.get", (["a", "b"], NAN), "a"),
    ("array.get", (["a", "b"], ""), "a"),
    ("array.get", (["a", "b"], -1), U),
    ("array.get", (["a", "b"], 2), U),
    ("array.get", (None, 1), U),
    ("array.get", (U, 0), U),
    ("array.get", ({"k": 1}, "k"), 1),
    ("array.get", ("xyz", 2), "z"),
    ("array.get", ([], 0), U),
    # array.length
    ("array.length", ([1, 2, 3],), 3),
    ("array.length", ([],), 0),
    ("array.length", ("abcd",), 4),
    ("array.length", ({"length": 7},), 7),
    ("array.length", ({},), U),
    ("array.length", (None,), U),
    ("array.length", (5,), U),
    # array.concat: list spreads, anything else is one element; strings concatenate
    ("array.concat", ([1], [2, 3]), [1, 2, 3]),
    ("array.concat", ([1], U), [1, U]),
    ("array.concat", ([1], {"a": 1}), [1, {"a": 1}]),
    ("array.concat", ([], []), []),
    ("array.concat", ("ab", [1, 2]), "ab1,2"),
    ("array.concat", ("ab", None), "abnull"),
    # array.indexOf / lastIndexOf
    ("array.indexOf", ([1, 2, 1], 1), 0),
    ("array.indexOf", ([1, 2, 1], 1, 1), 2),
    ("array.indexOf", ([1, 2, 1], 1, -1), 2),
    ("array.indexOf", ([1, "1"], "1"), 1),
    ("array.indexOf", ([NAN], NAN), -1),
    ("array.indexOf", ("hello", "l"), 2),
    ("array.lastIndexOf", ([1, 2, 1], 1), 0),  # Replicate §9 #12: only index 0 examined
    ("array.lastIndexOf", ([2, 1, 1], 1), -1),  # the doc's "3" is wrong in HotMesh
    ("array.lastIndexOf", ([1, 2, 1], 1, 2), 2),
    ("array.lastIndexOf", ([1, 2, 1], 1, -2), 0),
    ("array.lastIndexOf", ("hello", "l"), 3),  # a string input searches the whole string
    # array.join
    ("array.join", (["a", None, U, 1, [2, [3]]],), "a,,,1,2,3"),
    ("array.join", ([1, 2], "-"), "1-2"),
    ("array.join", ([1, 2], None), "1null2"),
    ("array.join", ([],), ""),
    ("array.join", ([{}, True],), "[object Object],true"),
    # array.slice
    ("array.slice", ([1, 2, 3, 4], 1, 3), [2, 3]),
    ("array.slice", ([1, 2, 3, 4], -2), [3, 4]),
    ("array.slice", ([1, 2, 3, 4], U, -1), [1, 2, 3]),
    ("array.slice", ([1, 2, 3], 5), []),
    ("array.slice", ("hello", 1, 3), "el"),
    # array.sort: ASCENDING by default, any other order descends; null first/last
    ("array.sort", ([3, 1, 2],), [1, 2, 3]),
    ("array.sort", ([3, 1, 2], "ASCENDING"), [1, 2, 3]),
    ("array.sort", ([3, 1, 2], "DESCENDING"), [3, 2, 1]),
    ("array.sort", ([3, 1, 2], None), [3, 2, 1]),
    ("array.sort", ([10, 9, 1],), [1, 9, 10]),  # numbers compare as numbers, not text
    ("array.sort", (["b", "a", "C", "A", "c"],), ["a", "A", "b", "c", "C"]),
    ("array.sort", ([2, None, U, 1],), [None, 1, 2, U]),
    ("array.sort", ([2, None, U, 1], "DESCENDING"), [2, 1, None, U]),
    ("array.sort", ([],), []),
    # array.splice: removed elements; missing deleteCount removes nothing (§9 #13)
    ("array.splice", ([1, 2, 3], 1), []),
    ("array.splice", ([1, 2, 3], 1, 1), [2]),
    ("array.splice", ([1, 2, 3], -1, 5), [3]),
    ("array.splice", ([1, 2, 3], 0, 0, "x"), []),
    # array.unshift returns the new length (§9 #13)
    ("array.unshift", ([1], 0), 2),
    ("array.unshift", ([],), 0),
    # pop / shift on empty lists
    ("array.pop", ([],), U),
    ("array.shift", ([],), U),
    ("array.pop", ([1, 2],), 2),
    ("array.shift", ([1, 2],), 1),
    ("array.push", ([1],), [1]),
    ("array.push", ([1], 2, None), [1, 2, None]),
    ("array.reverse", ([1, 2, 3],), [3, 2, 1]),
    # bitwise: ToInt32 operands, shift counts & 31
    ("bitwise.and", ("6", 3), 2),
    ("bitwise.and", (2**32 + 5, 7), 5),
    ("bitwise.or", (None, U), 0),
    ("bitwise.or", (1.9, 2.9), 3),
    ("bitwise.xor", (NAN, 5), 5),
    ("bitwise.xor", (INF, -1), -1),
    ("bitwise.leftShift", (1, 31), -2147483648),
    ("bitwise.leftShift", (1, 32), 1),
    ("bitwise.rightShift", (-8, 1), -4),
    ("bitwise.rightShift", ([16], "2"), 4),
    ("bitwise.unsignedRightShift", (-1, 0), 4294967295),
    ("bitwise.unsignedRightShift", (-8, 1), 2147483644),
    # conditional
    ("conditional.ternary", ([], "t", "f"), "t"),
    ("conditional.ternary", ({}, "t", "f"), "t"),
    ("conditional.ternary", (0, "t", "f"), "f"),
    ("conditional.ternary", (-0.0, "t", "f"), "f"),
    ("conditional.ternary", (NAN, "t", "f"), "f"),
    ("conditional.ternary", ("", "t", "f"), "f"),
    ("conditional.ternary", ("0", "t", "f"), "t"),
    ("conditional.ternary", (U, "t"), U),
    ("conditional.equality", (42, "42"), True),
    ("conditional.equality", (None, U), True),
    ("conditional.equality", (0, False), True),
    ("conditional.equality", ("", 0), True),
    ("conditional.equality", ("1", True), True),
    ("conditional.equality", ([5], 5), True),
    ("conditional.equality", ([1, 2], "1,2"), True),
    ("conditional.equality", (None, 0), False),
    ("conditional.equality", (NAN, NAN), False),
    ("conditional.equality", ({}, "[object Object]"), True),
    ("conditional.equality", ([], []), False),
    ("conditional.strict_equality", (42, "42"), False),
    ("conditional.strict_equality", (1, 1.0), True),
    ("conditional.strict_equality", (True, 1), False),
    ("conditional.strict_equality", (None, U), False),
    ("conditional.strict_equality", (NAN, NAN), False),
    ("conditional.strict_equality", (0, -0.0), True),
    ("conditional.strict_equality", ([], []), False),
    ("conditional.greater_than", ("10", "9"), False),  # string comparison
    ("conditional.greater_than", ("10", 9), True),
    ("conditional.greater_than", (U, 0), False),
    ("conditional.greater_than", (None, -1), True),
    ("conditional.less_than", ("a", "b"), True),
    ("conditional.less_than", ("B", "a"), True),  # code units, not locale
    ("conditional.less_than", ([2], 10), True),
    ("conditional.less_than", (NAN, 1), False),
    ("conditional.greater_than_or_equal", (None, 0), True),
    ("conditional.greater_than_or_equal", (U, U), False),
    ("conditional.less_than_or_equal", ("", 0), True),
    ("conditional.nullish", (0, 5), 0),
    ("conditional.nullish", ("", 5), ""),
    ("conditional.nullish", (None, 5), 5),
    ("conditional.nullish", (U, 5), 5),
    ("conditional.nullish", (NAN, 5), NAN),
    # logical returns operands, not booleans
    ("logical.and", (0, "x"), 0),
    ("logical.and", (1, "x"), "x"),
    ("logical.and", ([], "x"), "x"),
    ("logical.and", (U, "x"), U),
    ("logical.or", ("", "y"), "y"),
    ("logical.or", ("a", "y"), "a"),
    ("logical.or", (NAN, None), None),
    ("logical.or", ({}, "y"), {}),
    # unary
    ("unary.not", ("",), True),
    ("unary.not", ([],), False),
    ("unary.not", (NAN,), True),
    ("unary.not", ("0",), False),
    ("unary.positive", ("3",), 3),
    ("unary.positive", (" 0x1A ",), 26),
    ("unary.positive", ("abc",), NAN),
    ("unary.positive", (None,), 0),
    ("unary.positive", (U,), NAN),
    ("unary.positive", ([5],), 5),
    ("unary.positive", ([1, 2],), NAN),
    ("unary.positive", ([],), 0),
    ("unary.positive", ({},), NAN),
    ("unary.positive", (True,), 1),
    ("unary.positive", ("",), 0),
    ("unary.positive", ("-Infinity",), -INF),
    ("unary.negative", (U,), NAN),
    ("unary.negative", (0,), -0.0),
    ("unary.negative", ("-3",), 3),
    ("unary.bitwise_not", (5,), -6),
    ("unary.bitwise_not", (NAN,), -1),
    ("unary.bitwise_not", ("7",), -8),
    ("unary.bitwise_not", (2**32,), -1),
    # symbol: nullary constants
    ("symbol.null", (), None),
    ("symbol.undefined", (), U),
    ("symbol.whitespace", (), " "),
    ("symbol.object", (), {}),
    ("symbol.array", (), []),
    ("symbol.posInfinity", (), INF),
    ("symbol.negInfinity", (), -INF),
    ("symbol.NaN", (), NAN),
]


@pytest.mark.parametrize(("name", "args", "expected"), CASES,
                         ids=[f"{c[0]}{c[1]!r}"[:80] for c in CASES])
def test_function(assert_call: Any, name: str, args: tuple[Any, ...], expected: Any) -> None:
    assert_call(name, args, expected)


RAISES: list[tuple[str, tuple[Any, ...], type[PipeError], str]] = [
    ("array.concat", (None, [1]), PipeTypeError, "Cannot read properties of null"),
    ("array.concat", (5, [1]), PipeTypeError, "is not a function"),
    ("array.indexOf", (None, 1), PipeTypeError, "Cannot read properties of null"),
    ("array.join", (U,), PipeTypeError, "Cannot read properties of undefined"),
    ("array.join", ("abc",), PipeTypeError, "array.join is not a function"),
    ("array.push", ({}, 1), PipeTypeError, "array.push is not a function"),
    ("array.sort", (None,), PipeTypeError, "reading 'sort'"),
    ("array.splice", ("abc", 1), PipeTypeError, "splice"),
]


@pytest.mark.parametrize(("name", "args", "error", "message"), RAISES)
def test_function_raises(name: str, args: tuple[Any, ...], error: type[PipeError],
                         message: str) -> None:
    domain, function = name.split(".")
    with pytest.raises(error, match=message):
        FUNCTIONS[domain][function](*args)


def test_mutating_array_functions_change_their_argument() -> None:
    items = [3, 1, 2]
    assert FUNCTIONS["array"]["sort"](items) is items
    assert items == [1, 2, 3]
    assert FUNCTIONS["array"]["reverse"](items) is items
    assert FUNCTIONS["array"]["push"](items, 0) is items
    assert items == [3, 2, 1, 0]
    assert FUNCTIONS["array"]["splice"](items, 1, 2, "a", "b", "c") == [2, 1]
    assert items == [3, "a", "b", "c", 0]
    assert FUNCTIONS["array"]["unshift"](items, "z") == 6
    assert items[0] == "z"
    assert FUNCTIONS["array"]["shift"](items) == "z"
    assert FUNCTIONS["array"]["pop"](items) == 0
    assert items == [3, "a", "b", "c"]


def test_symbol_constants_are_fresh_objects() -> None:
    first, second = FUNCTIONS["symbol"]["object"](), FUNCTIONS["symbol"]["object"]()
    assert first == {} and first is not second
    assert FUNCTIONS["symbol"]["array"]() is not FUNCTIONS["symbol"]["array"]()
    date = FUNCTIONS["symbol"]["date"]()
    assert isinstance(date, JSDate) and date.valid


def test_every_function_ignores_surplus_arguments_and_defaults_missing_ones() -> None:
    # the calling convention of §3: a row spreads every prior cell into the call
    skip = {"math.random", "date.now", "symbol.date"}
    for domain, table in FUNCTIONS.items():
        for name, function in table.items():
            if f"{domain}.{name}" in skip:
                continue
            for args in ((), (1, 2, 3, 4, 5, 6, 7, 8, 9)):
                # a JS error is fine; a Python TypeError about arity is not
                with contextlib.suppress(PipeError):
                    function(*args)
