"""``{@number.*}``: ``Number`` statics, ``parseInt``/``parseFloat`` and number formatting.

``isFinite``/``isInteger``/``isNaN`` do not coerce (``Number.isNaN('NaN')`` is false;
engine-model §9 #16, Replicate), ``isEven``/``isOdd`` do. ``toFixed``, ``toExponential``
and ``toPrecision`` round the exact binary value half away from zero, as JS does, by going
through ``Decimal``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from hotmesh_pg.pipe.errors import PipeRangeError
from hotmesh_pg.pipe.functions import math as _math
from hotmesh_pg.pipe.functions.methods import no_method
from hotmesh_pg.pipe.js import (
    UNDEFINED,
    is_number,
    js_trim_start,
    num,
    number_to_string,
    relational,
    to_int32,
    to_integer_or_infinity,
    to_number,
    to_string,
)

__all__ = ["FUNCTIONS", "js_parse_float", "js_parse_int"]


def is_finite(value: Any = UNDEFINED, *_: Any) -> bool:
    return is_number(value) and math.isfinite(value)


def is_even(value: Any = UNDEFINED, *_: Any) -> bool:
    number = to_number(value)
    return not math.isnan(number) and _math.js_mod(number, 2) == 0


def is_odd(value: Any = UNDEFINED, *_: Any) -> bool:
    number = to_number(value)
    # Infinity % 2 is NaN, and NaN !== 0, so isOdd(Infinity) is true in HotMesh
    return not math.isnan(number) and _math.js_mod(number, 2) != 0


def is_integer(value: Any = UNDEFINED, *_: Any) -> bool:
    return is_number(value) and math.isfinite(value) and float(value).is_integer()


def is_nan(value: Any = UNDEFINED, *_: Any) -> bool:
    return is_number(value) and math.isnan(value)


_FLOAT_PREFIX = re.compile(r"[+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")


def js_parse_float(value: Any) -> float:
    match = _FLOAT_PREFIX.match(js_trim_start(to_string(value)))
    if match is None:
        return math.nan
    return float(match.group().replace("Infinity", "inf"))


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
# enough digits for any double written out in full (5e-324 has 751 significant digits)
_EXACT = Context(prec=1200, rounding=ROUND_HALF_UP, Emin=-2000, Emax=2000)


def js_parse_int(value: Any, radix: Any = UNDEFINED) -> float:
    text = js_trim_start(to_string(value))
    sign = 1
    if text[:1] in ("+", "-"):
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    base = to_int32(radix)
    strip_prefix = True
    if base != 0:
        if not 2 <= base <= 36:
            return math.nan
        strip_prefix = base == 16
    else:
        base = 10
    if strip_prefix and text[:2].lower() == "0x":
        text = text[2:]
        base = 16
    valid = _DIGITS[:base]
    end = 0
    while end < len(text) and text[end].isascii() and text[end].lower() in valid:
        end += 1
    if end == 0:
        return math.nan
    magnitude = int(text[:end], base)
    try:
        result = float(magnitude)
    except OverflowError:
        result = math.inf
    return math.copysign(result, sign) if result == 0 else sign * result


def parse_float(value: Any = UNDEFINED, *_: Any) -> float | int:
    return num(js_parse_float(value))


def parse_int(value: Any = UNDEFINED, radix: Any = UNDEFINED, *_: Any) -> float | int:
    return num(js_parse_int(value, radix))


def _this_number(value: Any, method: str) -> float:
    if not is_number(value):
        raise no_method(value, method)
    return float(value)


def _digits_argument(value: Any, low: int, high: int, message: str) -> int:
    digits = to_integer_or_infinity(value)
    if not math.isfinite(digits) or not low <= digits <= high:
        raise PipeRangeError(message)
    return int(digits)


def to_fixed(value: Any = UNDEFINED, digits: Any = UNDEFINED, *_: Any) -> str:
    x = _this_number(value, "toFixed")
    places = _digits_argument(digits, 0, 100,
                              "toFixed() digits argument must be between 0 and 100")
    if math.isnan(x):
        return "NaN"
    if abs(x) >= 1e21:
        return number_to_string(x)
    if x == 0:
        x = 0.0  # (-0).toFixed() prints no sign
    exact = Decimal(x).quantize(Decimal(1).scaleb(-places), context=_EXACT)
    return f"{exact:f}"


def _scientific(x: float, significant: int | None) -> tuple[str, int]:
    """Digits and decimal exponent of |x|: shortest round-trip, or ``significant`` digits."""
    x = abs(x)
    if x == 0:
        return "0" * (significant or 1), 0
    if significant is None:
        _sign, digit_tuple, exponent = Decimal(repr(x)).as_tuple()
        assert isinstance(exponent, int)
        digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
        return digits, len(digit_tuple) + exponent - 1
    exact = Decimal(x)
    e = exact.adjusted()
    scaled = exact.scaleb(significant - 1 - e, _EXACT).quantize(Decimal(1), context=_EXACT)
    if scaled >= Decimal(10) ** significant:  # rounding carried into a new digit
        e += 1
        scaled = exact.scaleb(significant - 1 - e, _EXACT).quantize(Decimal(1), context=_EXACT)
    return str(int(scaled)), e


def _exponential_text(negative: bool, digits: str, e: int) -> str:
    mantissa = digits if len(digits) == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{'-' if negative else ''}{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def to_exponential(value: Any = UNDEFINED, fraction_digits: Any = UNDEFINED, *_: Any) -> str:
    x = _this_number(value, "toExponential")
    places = to_integer_or_infinity(fraction_digits)
    if not math.isfinite(x):
        return number_to_string(x)
    if not 0 <= places <= 100:
        raise PipeRangeError("toExponential() argument must be between 0 and 100")
    significant = None if fraction_digits is UNDEFINED else int(places) + 1
    digits, e = _scientific(x, significant)
    return _exponential_text(x < 0, digits, e)


def to_precision(value: Any = UNDEFINED, precision: Any = UNDEFINED, *_: Any) -> str:
    x = _this_number(value, "toPrecision")
    if precision is UNDEFINED:
        return number_to_string(x)
    p = to_integer_or_infinity(precision)
    if not math.isfinite(x):
        return number_to_string(x)
    if not 1 <= p <= 100:
        raise PipeRangeError("toPrecision() argument must be between 1 and 100")
    digits, e = _scientific(x, int(p))
    sign = "-" if x < 0 else ""
    if e < -6 or e >= p:
        return _exponential_text(x < 0, digits, e)
    if e == p - 1:
        return sign + digits
    if e >= 0:
        return f"{sign}{digits[:e + 1]}.{digits[e + 1:]}"
    return f"{sign}0.{'0' * (-(e + 1))}{digits}"


def gte(a: Any = UNDEFINED, b: Any = UNDEFINED, *_: Any) -> bool:
    return relational(a, b, ">=")


def lte(a: Any = UNDEFINED, b: Any = UNDEFINED, *_: Any) -> bool:
    return relational(a, b, "<=")


def gt(a: Any = UNDEFINED, b: Any = UNDEFINED, *_: Any) -> bool:
    return relational(a, b, ">")


def lt(a: Any = UNDEFINED, b: Any = UNDEFINED, *_: Any) -> bool:
    return relational(a, b, "<")


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "isFinite": is_finite,
    "isEven": is_even,
    "isOdd": is_odd,
    "isInteger": is_integer,
    "isNaN": is_nan,
    "parseFloat": parse_float,
    "parseInt": parse_int,
    "toFixed": to_fixed,
    "toExponential": to_exponential,
    "toPrecision": to_precision,
    "gte": gte,
    "lte": lte,
    "gt": gt,
    "lt": lt,
    "max": _math.js_max,
    "min": _math.js_min,
    "pow": _math.FUNCTIONS["pow"],
    "round": _math.FUNCTIONS["round"],
}
