"""Table-driven edge cases from engine-model §3.7 and §3.8 (math, number)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from hotmesh_pg.pipe import UNDEFINED, PipeError, PipeRangeError, PipeTypeError
from hotmesh_pg.pipe.functions import FUNCTIONS

U = UNDEFINED
NAN = math.nan
INF = math.inf

CASES: list[tuple[str, tuple[Any, ...], Any]] = [
    # math.add folds from 0 with JS '+' (strings concatenate), lists sum recursively (§9 #3)
    ("math.add", (), 0),
    ("math.add", (1, 2, 3), 6),
    ("math.add", ("a", "b"), "0ab"),
    ("math.add", (1, "2"), "12"),
    ("math.add", (1, None), 1),
    ("math.add", (1, U), NAN),
    ("math.add", ([1, 2, 3, 4, 5],), 15),
    ("math.add", (1, [2, [3, 4]]), 10),
    ("math.add", (0.1, 0.2), 0.30000000000000004),
    ("math.add", (True, True), 2),
    # subtract flattens one level; one operand comes back unchanged (§9 #15)
    ("math.subtract", (10, 3, 2), 5),
    ("math.subtract", ([10, 3], 2), 5),
    ("math.subtract", (5,), 5),
    ("math.subtract", ("5",), "5"),
    ("math.subtract", ("10", "4"), 6),
    ("math.subtract", (1, U), NAN),
    # multiply folds from 1
    ("math.multiply", (2, 3, 4), 24),
    ("math.multiply", ([5, 4, 3, 2, 1],), 120),
    ("math.multiply", ("3", None), 0),
    ("math.multiply", (INF, 0), NAN),
    # divide: the number 0 as a divisor gives NaN, the string '0' gives Infinity
    ("math.divide", (10, 4), 2.5),
    ("math.divide", (10, 0), NAN),
    ("math.divide", (10, -0.0), NAN),
    ("math.divide", (10, "0"), INF),
    ("math.divide", (-10, "0"), -INF),
    ("math.divide", (0, 5), 0),
    ("math.divide", ([100, 5], 2), 10),
    ("math.divide", (7,), 7),
    ("math.divide", ("abc",), NAN),
    ("math.divide", ("8",), "8"),
    # single-argument Math functions coerce and never raise
    ("math.abs", ("-3",), 3),
    ("math.abs", (None,), 0),
    ("math.abs", (U,), NAN),
    ("math.abs", (-0.0,), 0),
    ("math.acos", (2,), NAN),
    ("math.acosh", (0.5,), NAN),
    ("math.asin", (-1.5,), NAN),
    ("math.atanh", (1,), INF),
    ("math.atanh", (-1,), -INF),
    ("math.atanh", (2,), NAN),
    ("math.cbrt", (-27,), -3),
    ("math.ceil", (-0.5,), -0.0),
    ("math.ceil", (1.1,), 2),
    ("math.ceil", (INF,), INF),
    ("math.floor", (-0.5,), -1),
    ("math.floor", (-0.0,), -0.0),
    ("math.trunc", (-0.9,), -0.0),
    ("math.trunc", ("4.7",), 4),
    ("math.clz32", (1000,), 22),
    ("math.clz32", (0,), 32),
    ("math.clz32", (-1,), 0),
    ("math.clz32", (NAN,), 32),
    ("math.cos", (INF,), NAN),
    ("math.cosh", (1000,), INF),
    ("math.sinh", (-1000,), -INF),
    ("math.exp", (1000,), INF),
    ("math.exp", (-INF,), 0),
    ("math.expm1", (0,), 0),
    ("math.fround", (5.05,), 5.050000190734863),
    ("math.fround", (1e40,), INF),
    ("math.fround", (-1e40,), -INF),
    ("math.hypot", (), 0),
    ("math.hypot", (3, 4), 5),
    ("math.hypot", (NAN, INF), INF),
    ("math.hypot", (NAN, 1), NAN),
    ("math.imul", (0xFFFFFFFF, 5), -5),
    ("math.imul", (3, 4), 12),
    ("math.log", (0,), -INF),
    ("math.log", (-1,), NAN),
    ("math.log10", (1000,), 3),
    ("math.log1p", (-1,), -INF),
    ("math.log1p", (-2,), NAN),
    ("math.log2", (8,), 3),
    ("math.max", (), -INF),
    ("math.min", (), INF),
    ("math.max", (1, "3", 2), 3),
    ("math.max", (1, U), NAN),
    ("math.max", (-0.0, 0), 0),
    ("math.min", (0, -0.0), -0.0),
    ("math.min", (None, 1), 0),
    ("math.max", ([], -1), 0),
    ("math.pow", (0, 0), 1),
    ("math.pow", (NAN, 0), 1),
    ("math.pow", (1, INF), NAN),
    ("math.pow", (-1, -INF), NAN),
    ("math.pow", (-8, 1 / 3), NAN),
    ("math.pow", (10, 400), INF),
    ("math.pow", (-10, 401), -INF),
    ("math.pow", (0, -1), INF),
    ("math.pow", (-0.0, -1), -INF),
    ("math.pow", (-0.0, -2), INF),
    ("math.pow", (2, 0.5), math.sqrt(2)),
    ("math.round", (2.5,), 3),
    ("math.round", (-2.5,), -2),
    ("math.round", (0.49999999999999994,), 0),
    ("math.round", (-0.4,), -0.0),
    ("math.round", ("1.5",), 2),
    ("math.round", (U,), NAN),
    ("math.sign", (-3,), -1),
    ("math.sign", (-0.0,), -0.0),
    ("math.sign", (0,), 0),
    ("math.sign", ("x",), NAN),
    ("math.sqrt", (-1,), NAN),
    ("math.sqrt", (16,), 4),
    ("math.tan", (0,), 0),
    ("math.tanh", (INF,), 1),
    ("math.atan2", (1, None), math.pi / 2),
    ("math.atan2", (U, 1), NAN),
    # number predicates: isFinite/isInteger/isNaN do not coerce, isEven/isOdd do
    ("number.isFinite", (5,), True),
    ("number.isFinite", ("5",), False),
    ("number.isFinite", (INF,), False),
    ("number.isFinite", (None,), False),
    ("number.isEven", ("4",), True),
    ("number.isEven", (None,), True),
    ("number.isEven", (U,), False),
    ("number.isEven", (True,), False),
    ("number.isEven", ([],), True),
    ("number.isEven", (-4,), True),
    ("number.isEven", (INF,), False),
    ("number.isOdd", (2.5,), True),
    ("number.isOdd", (-3,), True),
    ("number.isOdd", ("x",), False),
    ("number.isOdd", (INF,), True),  # Infinity % 2 is NaN, and NaN !== 0
    ("number.isInteger", (5.0,), True),
    ("number.isInteger", ("5",), False),
    ("number.isInteger", (5.5,), False),
    ("number.isInteger", (INF,), False),
    ("number.isNaN", (NAN,), True),
    ("number.isNaN", ("NaN",), False),  # §9 #16: the doc's "true" is wrong
    ("number.isNaN", (U,), False),
    # parseFloat / parseInt
    ("number.parseFloat", ("3.14abc",), 3.14),
    ("number.parseFloat", (" .5e3x",), 500),
    ("number.parseFloat", ("Infinityx",), INF),
    ("number.parseFloat", ("-.5",), -0.5),
    ("number.parseFloat", ("1e",), 1),
    ("number.parseFloat", (None,), NAN),
    ("number.parseFloat", ("",), NAN),
    ("number.parseFloat", ([1.5, 2],), 1.5),
    ("number.parseInt", ("12px",), 12),
    ("number.parseInt", (4.9,), 4),
    ("number.parseInt", (1e21,), 1),
    ("number.parseInt", (0.0000005,), 5),
    ("number.parseInt", ("0x1F",), 31),
    ("number.parseInt", ("0x1F", 16), 31),
    ("number.parseInt", ("0x1F", 10), 0),
    ("number.parseInt", ("101", 2), 5),
    ("number.parseInt", ("z", 36), 35),
    ("number.parseInt", ("1", 37), NAN),
    ("number.parseInt", ("1", 1), NAN),
    ("number.parseInt", ("1", 0), 1),
    ("number.parseInt", ("-0",), -0.0),
    ("number.parseInt", ("  -42abc",), -42),
    ("number.parseInt", ("abc",), NAN),
    ("number.parseInt", (None,), NAN),
    ("number.parseInt", ("123456789012345678901234567890",), 1.2345678901234568e29),
    # formatting
    ("number.toFixed", (1.005, 2), "1.00"),
    ("number.toFixed", (2.5,), "3"),
    ("number.toFixed", (-2.5,), "-3"),
    ("number.toFixed", (1.45, 1), "1.4"),
    ("number.toFixed", (-0.0, 2), "0.00"),
    ("number.toFixed", (-0.0001, 2), "-0.00"),
    ("number.toFixed", (1e21, 2), "1e+21"),
    ("number.toFixed", (NAN, 2), "NaN"),
    ("number.toFixed", (123.456, "1"), "123.5"),
    ("number.toFixed", (0.000001, 7), "0.0000010"),
    ("number.toExponential", (123456, 2), "1.23e+5"),
    ("number.toExponential", (0,), "0e+0"),
    ("number.toExponential", (0, 2), "0.00e+0"),
    ("number.toExponential", (1.5e-10,), "1.5e-10"),
    ("number.toExponential", (-1.25, 1), "-1.3e+0"),
    ("number.toExponential", (INF, 200), "Infinity"),
    ("number.toExponential", (9.99, 1), "1.0e+1"),
    ("number.toPrecision", (123456, 2), "1.2e+5"),
    ("number.toPrecision", (1e-7, 2), "1.0e-7"),
    ("number.toPrecision", (0.00001, 1), "0.00001"),
    ("number.toPrecision", (123.456, 4), "123.5"),
    ("number.toPrecision", (123.456,), "123.456"),
    ("number.toPrecision", (0, 3), "0.00"),
    ("number.toPrecision", (99.99, 3), "100"),
    ("number.toPrecision", (-0.5, 1), "-0.5"),
    # relational helpers, max/min, pow, round
    ("number.gte", (5, "5"), True),
    ("number.gt", ("10", "9"), False),
    ("number.lt", (U, 1), False),
    ("number.lte", (None, 0), True),
    ("number.max", (1, 5, 3), 5),
    ("number.min", (), INF),
    ("number.pow", (2, 10), 1024),
    ("number.round", (-2.5,), -2),
]


@pytest.mark.parametrize(("name", "args", "expected"), CASES,
                         ids=[f"{c[0]}{c[1]!r}"[:80] for c in CASES])
def test_function(assert_call: Any, name: str, args: tuple[Any, ...], expected: Any) -> None:
    assert_call(name, args, expected)


RAISES: list[tuple[str, tuple[Any, ...], type[PipeError], str]] = [
    ("math.subtract", (), PipeError, r"^At least one operand is required\.$"),
    ("math.subtract", ([],), PipeError, "required after flattening"),
    ("math.multiply", (), PipeError, r"^At least one operand is required\.$"),
    ("math.multiply", (2, []), PipeError, r"^At least one operand is required\.$"),
    ("math.divide", (), PipeError, r"^At least one operand is required\.$"),
    ("math.divide", ([], []), PipeError, "required after flattening"),
    ("number.toFixed", ("5", 2), PipeTypeError, "input.toFixed is not a function"),
    ("number.toFixed", (None,), PipeTypeError, "reading 'toFixed'"),
    ("number.toFixed", (1, 101), PipeRangeError, "between 0 and 100"),
    ("number.toFixed", (1, -1), PipeRangeError, "between 0 and 100"),
    ("number.toExponential", (1, -1), PipeRangeError, "between 0 and 100"),
    ("number.toPrecision", (1, 0), PipeRangeError, "between 1 and 100"),
    ("number.toPrecision", (True, 2), PipeTypeError, "toPrecision is not a function"),
]


@pytest.mark.parametrize(("name", "args", "error", "message"), RAISES)
def test_function_raises(name: str, args: tuple[Any, ...], error: type[PipeError],
                         message: str) -> None:
    domain, function = name.split(".")
    with pytest.raises(error, match=message):
        FUNCTIONS[domain][function](*args)


def test_math_random_is_in_the_unit_interval() -> None:
    values = [FUNCTIONS["math"]["random"]() for _ in range(200)]
    assert all(0 <= v < 1 for v in values)
    assert len(set(values)) > 1


def test_integral_results_are_python_ints() -> None:
    # JS cannot tell 5 from 5.0; Python callers (and json.dumps) can, so results normalise
    assert type(FUNCTIONS["math"]["add"](2.5, 2.5)) is int
    assert type(FUNCTIONS["math"]["abs"](-3.0)) is int
    assert type(FUNCTIONS["math"]["sqrt"](2)) is float
    assert math.copysign(1, FUNCTIONS["math"]["ceil"](-0.5)) == -1  # -0 stays a float
