"""``{@math.*}``: JS ``Math`` plus HotMesh's variadic add/subtract/multiply/divide.

Every operand goes through ToNumber (``null`` -> 0, ``undefined`` -> NaN) and nothing
raises for domain errors or overflow: the results are NaN and ±Infinity as in JS. Signed
zero is kept where JS keeps it (``ceil(-0.5)`` is ``-0``).
"""

from __future__ import annotations

import math
import random as _random
import struct
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from hotmesh_pg.pipe.errors import PipeError
from hotmesh_pg.pipe.js import (
    UNDEFINED,
    is_number,
    js_add,
    num,
    to_number,
    to_uint32,
)

__all__ = ["FUNCTIONS", "js_max", "js_min", "js_mod", "js_pow", "js_round"]

NAN = math.nan
INF = math.inf

Number = int | float


def _is_negative_zero(x: float) -> bool:
    return x == 0 and math.copysign(1.0, x) < 0


def _unary(operation: Callable[[float], float]) -> Callable[..., Number]:
    """Wrap a float function so it coerces its argument and maps Python errors to JS values."""
    def apply(x: Any = UNDEFINED, *_: Any) -> Number:
        value = to_number(x)
        if math.isnan(value):
            return NAN
        try:
            return num(operation(value))
        except ValueError:
            return NAN
        except OverflowError:
            return INF

    apply.__name__ = operation.__name__
    return apply


def _keep_zero(operation: Callable[[float], float]) -> Callable[[float], float]:
    """Rounding that returns -0 for negative inputs that round to zero, and passes ±inf."""
    def apply(x: float) -> float:
        if not math.isfinite(x):
            return x
        result = float(operation(x))
        if result == 0 and (x < 0 or _is_negative_zero(x)):
            return -0.0
        return result

    return apply


def js_round(x: float) -> float:
    """Math.round: nearest integer, ties toward +Infinity (not Python's banker's rounding)."""
    if not math.isfinite(x) or x.is_integer():
        return x
    floor = math.floor(x)
    result = float(floor + 1 if x - floor >= 0.5 else floor)
    if result == 0 and x < 0:
        return -0.0
    return result


def js_pow(base: float, exponent: float) -> float:
    """Number::exponentiate (``**``), which differs from C pow for NaN and ±1 ** ±Infinity."""
    if math.isnan(exponent):
        return NAN
    if exponent == 0:
        return 1.0
    if math.isnan(base):
        return NAN
    if abs(base) == 1 and math.isinf(exponent):
        return NAN
    odd_integer = exponent.is_integer() and math.isfinite(exponent) and exponent % 2 == 1
    try:
        return math.pow(base, exponent)
    except ZeroDivisionError:
        return -INF if _is_negative_zero(base) and odd_integer else INF
    except ValueError:
        if base == 0:  # math.pow(0, negative) raises; JS gives ±Infinity
            return -INF if _is_negative_zero(base) and odd_integer else INF
        return NAN
    except OverflowError:
        return -INF if base < 0 and odd_integer else INF


def js_mod(a: float, b: float) -> float:
    """``a % b`` (sign of the dividend; NaN for x % 0 and Infinity % x)."""
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or b == 0:
        return NAN
    if math.isinf(b) or a == 0:
        return a
    return math.fmod(a, b)


def js_max(*values: Any) -> Number:
    result = -INF
    saw_nan = False
    for value in values:
        number = to_number(value)  # every argument is coerced, even after a NaN
        if math.isnan(number):
            saw_nan = True
        elif number > result or (number == 0 and result == 0 and not _is_negative_zero(number)):
            result = number
    return NAN if saw_nan else num(result)


def js_min(*values: Any) -> Number:
    result = INF
    saw_nan = False
    for value in values:
        number = to_number(value)
        if math.isnan(number):
            saw_nan = True
        elif number < result or (number == 0 and result == 0 and _is_negative_zero(number)):
            result = number
    return NAN if saw_nan else num(result)


def add(*operands: Any) -> Any:
    # Fix (§9 #3): HotMesh recursed through `this`, which a pipe call leaves unbound, so
    # list operands threw; the port sums them recursively everywhere.
    total: Any = 0
    for operand in operands:
        total = js_add(total, add(*operand) if isinstance(operand, list) else operand)
    return total


def _flatten_once(operands: tuple[Any, ...]) -> list[Any]:
    if not operands:
        raise PipeError("At least one operand is required.")
    flat: list[Any] = []
    for operand in operands:
        if isinstance(operand, list):
            flat.extend(operand)
        else:
            flat.append(operand)
    if not flat:
        raise PipeError("At least one operand is required after flattening.")
    return flat


def subtract(*operands: Any) -> Any:
    flat = _flatten_once(operands)
    if len(flat) == 1:
        return flat[0]  # Replicate (§9 #15): a single operand comes back as it is
    result = to_number(flat[0])
    for operand in flat[1:]:
        result -= to_number(operand)
    return num(result)


def multiply(*operands: Any) -> Any:
    # Fix (§9 #3) as for add; an empty nested list still raises, as HotMesh's recursion did
    if not operands:
        raise PipeError("At least one operand is required.")
    product = 1.0
    for operand in operands:
        factor = multiply(*operand) if isinstance(operand, list) else operand
        product = product * to_number(factor)
    return num(product)


def divide(*operands: Any) -> Any:
    flat = _flatten_once(operands)
    result: Any = flat[0]
    for operand in flat[1:]:
        if is_number(operand) and operand == 0:
            result = NAN  # HotMesh's own rule: dividing by the number 0 gives NaN
            continue
        dividend, divisor = to_number(result), to_number(operand)
        if divisor == 0:
            result = NAN if dividend == 0 or math.isnan(dividend) else math.copysign(
                INF, dividend) * math.copysign(1.0, divisor)
        else:
            result = dividend / divisor
    if math.isnan(to_number(result)):  # global isNaN coerces
        return NAN
    return num(result) if is_number(result) else result


def _cbrt(x: float) -> float:
    """Correctly rounded cube root; libm's may be an ulp off where V8 is exact (-27 -> -3)."""
    if x == 0 or not math.isfinite(x):
        return x
    guess = math.cbrt(x)
    exact = Fraction(x)
    candidates = (math.nextafter(guess, -INF), guess, math.nextafter(guess, INF))
    return min(candidates, key=lambda c: abs(Fraction(c) ** 3 - exact))


def _fround(x: float) -> float:
    try:
        return float(struct.unpack("f", struct.pack("f", x))[0])
    except OverflowError:
        return math.copysign(INF, x)


def _sign(x: float) -> float:
    if x == 0:
        return x
    return 1.0 if x > 0 else -1.0


def _cosh(x: float) -> float:
    try:
        return math.cosh(x)
    except OverflowError:
        return INF


def _sinh(x: float) -> float:
    try:
        return math.sinh(x)
    except OverflowError:
        return math.copysign(INF, x)


def _log(operation: Callable[[float], float], zero_at: float = 0.0) -> Callable[[float], float]:
    def apply(x: float) -> float:
        if x == zero_at:
            return -INF
        if x < zero_at:
            return NAN
        return operation(x)

    apply.__name__ = operation.__name__
    return apply


def _atanh(x: float) -> float:
    if abs(x) == 1:
        return math.copysign(INF, x)
    return math.atanh(x)


def atan2(y: Any = UNDEFINED, x: Any = UNDEFINED, *_: Any) -> Number:
    return num(math.atan2(to_number(y), to_number(x)))


def clz32(x: Any = UNDEFINED, *_: Any) -> int:
    return 32 - to_uint32(x).bit_length()


def hypot(*values: Any) -> Number:
    numbers = [to_number(v) for v in values]
    if any(math.isinf(n) for n in numbers):
        return INF
    return num(math.hypot(*numbers))


def imul(a: Any = UNDEFINED, b: Any = UNDEFINED, *_: Any) -> int:
    product = (to_uint32(a) * to_uint32(b)) % 2**32
    return product - 2**32 if product >= 2**31 else product


def pow_(x: Any = UNDEFINED, y: Any = UNDEFINED, *_: Any) -> Number:
    return num(js_pow(to_number(x), to_number(y)))


def random(*_: Any) -> float:
    return _random.random()


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "add": add,
    "subtract": subtract,
    "multiply": multiply,
    "divide": divide,
    "abs": _unary(math.fabs),
    "acos": _unary(math.acos),
    "acosh": _unary(math.acosh),
    "asin": _unary(math.asin),
    "asinh": _unary(math.asinh),
    "atan": _unary(math.atan),
    "atan2": atan2,
    "atanh": _unary(_atanh),
    "cbrt": _unary(_cbrt),
    "ceil": _unary(_keep_zero(math.ceil)),
    "clz32": clz32,
    "cos": _unary(math.cos),
    "cosh": _unary(_cosh),
    "exp": _unary(math.exp),
    "expm1": _unary(math.expm1),
    "floor": _unary(_keep_zero(math.floor)),
    "fround": _unary(_fround),
    "hypot": hypot,
    "imul": imul,
    "log": _unary(_log(math.log)),
    "log10": _unary(_log(math.log10)),
    "log1p": _unary(_log(math.log1p, -1.0)),
    "log2": _unary(_log(math.log2)),
    "max": js_max,
    "min": js_min,
    "pow": pow_,
    "random": random,
    "round": _unary(js_round),
    "sign": _unary(_sign),
    "sin": _unary(math.sin),
    "sinh": _unary(_sinh),
    "sqrt": _unary(math.sqrt),
    "tan": _unary(math.tan),
    "tanh": _unary(math.tanh),
    "trunc": _unary(_keep_zero(math.trunc)),
}
