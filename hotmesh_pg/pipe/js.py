"""JavaScript value semantics that HotMesh inherits from its runtime.

Mapping results, transition conditions, pipe functions and the serializer all observe JS
rules: a distinct ``undefined``, truthiness where ``[]`` and ``{}`` are true, ToNumber /
ToString coercions, loose and strict equality, and ``JSON.stringify`` output. Python
values stand in for JS values like this:

====================  ==========================================================
JS                    Python
====================  ==========================================================
``undefined``         :data:`UNDEFINED` (falsy, ``repr`` is ``undefined``)
``null``              ``None``
boolean               ``bool`` (never treated as a number, unlike Python)
number                ``int`` or ``float`` (``NaN``/``Infinity`` are floats)
string                ``str`` (positions are UTF-16 units: see :func:`utf16_units`)
Array / object        ``list`` / ``dict`` with ``str`` keys
Date                  :class:`~hotmesh_pg.pipe.jsdate.JSDate`
====================  ==========================================================

Numbers produced by the port are normalised with :func:`num`: integral values in the safe
integer range come back as ``int`` so that Python callers (and ``json.dumps``) see ``5``,
not ``5.0``; JS cannot tell the difference.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, Final, Literal, TypeGuard

from hotmesh_pg.pipe.errors import PipeSyntaxError, PipeTypeError
from hotmesh_pg.pipe.jsdate import JSDate

__all__ = [
    "JS_WHITESPACE",
    "UNDEFINED",
    "JSDate",
    "Undefined",
    "from_utf16_units",
    "get_property",
    "is_array_index",
    "is_nullish",
    "is_number",
    "is_object",
    "join_elements",
    "js_add",
    "js_trim",
    "js_trim_end",
    "js_trim_start",
    "json_parse",
    "json_stringify",
    "loose_equals",
    "num",
    "number_to_string",
    "own_keys",
    "relational",
    "same_value_zero",
    "strict_equals",
    "to_int32",
    "to_integer_or_infinity",
    "to_number",
    "to_primitive",
    "to_property_key",
    "to_string",
    "to_uint32",
    "truthy",
    "typeof",
    "utf16_units",
]


class Undefined:
    """The type of :data:`UNDEFINED`; there is exactly one instance."""

    _instance: Undefined | None = None

    def __new__(cls) -> Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "undefined"

    def __copy__(self) -> Undefined:
        return self

    def __deepcopy__(self, memo: object) -> Undefined:
        return self

    def __reduce__(self) -> str:
        return "UNDEFINED"  # pickles as the module global, so identity survives


UNDEFINED: Final = Undefined()

MAX_SAFE_INTEGER: Final = 2**53 - 1
NAN: Final = math.nan
INF: Final = math.inf

# WhiteSpace and LineTerminator code points of ECMA-262 (Zs included); Python's str.strip
# would also remove \x1c-\x1f and \x85, which JS keeps.
JS_WHITESPACE: Final = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def js_trim(text: str) -> str:
    return text.strip(JS_WHITESPACE)


def js_trim_start(text: str) -> str:
    return text.lstrip(JS_WHITESPACE)


def js_trim_end(text: str) -> str:
    return text.rstrip(JS_WHITESPACE)


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def utf16_units(text: str) -> str:
    """The string as JS indexes it: each astral character becomes two surrogate code points.

    Pipe functions that take or return positions work on this view, so ``'😀'.length``
    is 2 and slicing can split a pair, exactly as in JS.
    """
    if text.isascii() or _ASTRAL.search(text) is None:
        return text

    def pair(match: re.Match[str]) -> str:
        offset = ord(match.group()) - 0x10000
        return chr(0xD800 + (offset >> 10)) + chr(0xDC00 + (offset & 0x3FF))

    return _ASTRAL.sub(pair, text)


def from_utf16_units(text: str) -> str:
    """Back from :func:`utf16_units`: adjacent surrogate pairs become one character again;
    a lone surrogate stays (JS strings may hold one)."""
    if text.isascii() or _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


# -- type tests --------------------------------------------------------------------------------

def is_number(value: object) -> TypeGuard[int | float]:
    """A JS number: ``int`` or ``float`` but not ``bool``."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_nullish(value: object) -> bool:
    return value is None or value is UNDEFINED


def is_object(value: object) -> bool:
    """``typeof value === 'object' && value !== null`` (lists, dicts, dates)."""
    return isinstance(value, list | dict | tuple | JSDate)


def typeof(value: object) -> str:
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if callable(value) and not isinstance(value, type):
        return "function"
    return "object"


def num(value: float) -> int | float:
    """Normalise a numeric result: integral, safe, non-negative-zero floats become ``int``."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value if abs(value) <= MAX_SAFE_INTEGER else float(value)
    if value.is_integer() and abs(value) <= MAX_SAFE_INTEGER and not (
        value == 0 and math.copysign(1.0, value) < 0
    ):
        return int(value)
    return value


# -- truthiness and primitive conversion ---------------------------------------------------

def truthy(value: object) -> bool:
    """JS ToBoolean: ``[]`` and ``{}`` are true; ``0``, ``NaN``, ``''``, null, undefined false."""
    if value is None or value is UNDEFINED or value is False:
        return False
    if isinstance(value, str):
        return value != ""
    if is_number(value):
        return not (value == 0 or value != value)
    return True


def to_primitive(value: object, hint: Literal["default", "number", "string"] = "default") -> Any:
    """ToPrimitive for the objects JSON data can hold (Date's default hint is string)."""
    if isinstance(value, JSDate):
        return value.time if hint == "number" else value.to_string()
    if isinstance(value, list | tuple):
        return join_elements(value, ",")
    if isinstance(value, dict):
        return "[object Object]"
    if isinstance(value, str | int | float | bool) or value is None or value is UNDEFINED:
        return value
    if callable(value):
        return "function () { [native code] }"
    return "[object Object]"  # any other Python object behaves as a plain JS object


_DECIMAL = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Infinity)\Z")
_RADIX_PREFIX = {"0x": 16, "0o": 8, "0b": 2}


def string_to_number(text: str) -> float:
    """StringToNumber: trimmed; '' -> 0; 0x/0o/0b literals; decimal or Infinity; else NaN."""
    text = js_trim(text)
    if text == "":
        return 0.0
    radix = _RADIX_PREFIX.get(text[:2].lower())
    if radix is not None:
        try:
            return float(int(text[2:], radix)) if text[2:].isalnum() else NAN
        except ValueError:
            return NAN
    if _DECIMAL.match(text) is None:
        return NAN
    return float(text.replace("Infinity", "inf"))


def to_number(value: object) -> float:
    """ToNumber; never raises (objects that do not convert give NaN)."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            return INF if value > 0 else -INF
    if isinstance(value, float):
        return value
    if value is None:
        return 0.0
    if value is UNDEFINED:
        return NAN
    if isinstance(value, str):
        return string_to_number(value)
    return to_number(to_primitive(value, "number"))


def to_integer_or_infinity(value: object) -> float:
    number = to_number(value)
    if math.isnan(number):
        return 0.0
    if math.isinf(number):
        return number
    return float(math.trunc(number))


def to_uint32(value: object) -> int:
    number = to_number(value)
    if not math.isfinite(number):
        return 0
    return math.trunc(number) % 2**32


def to_int32(value: object) -> int:
    unsigned = to_uint32(value)
    return unsigned - 2**32 if unsigned >= 2**31 else unsigned


def number_to_string(value: float) -> str:
    """Number::toString(10): shortest round-trip digits laid out by JS's rules."""
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) <= MAX_SAFE_INTEGER:
            return str(value)
        value = to_number(value)
    if value != value:
        return "NaN"
    if value == 0:
        return "0"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value < 0:
        return "-" + number_to_string(-value)
    _sign, digit_tuple, exponent = Decimal(repr(float(value))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    assert isinstance(exponent, int)
    # value = 0.digits * 10**n
    n = len(digit_tuple) + exponent
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


_joining: set[int] = set()  # lists being joined right now: a cycle joins as '' (as in JS)


def join_elements(items: Iterable[object], separator: str) -> str:
    """Array.prototype.join: null/undefined elements are empty, a cyclic element is empty."""
    if id(items) in _joining:
        return ""
    _joining.add(id(items))
    try:
        return separator.join("" if is_nullish(item) else to_string(item) for item in items)
    finally:
        _joining.discard(id(items))


def to_string(value: object) -> str:
    """ToString (arrays join with ',', objects are '[object Object]')."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if value is UNDEFINED:
        return "undefined"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if is_number(value):
        return number_to_string(value)
    return to_string(to_primitive(value, "string"))


def to_property_key(value: object) -> str:
    return to_string(value)


_ARRAY_INDEX = re.compile(r"(?:0|[1-9]\d*)\Z")


def is_array_index(key: str) -> bool:
    """A canonical array index ('0', '17'; not '01', '-1', '1.0'), below 2**32 - 1."""
    return _ARRAY_INDEX.match(key) is not None and int(key) < 2**32 - 1


def own_keys(obj: dict[Any, Any]) -> list[str]:
    """A dict's keys in JS order: array-index keys ascending first, then insertion order."""
    keys = [k if isinstance(k, str) else to_property_key(k) for k in obj]
    indices = sorted((k for k in keys if is_array_index(k)), key=int)
    if not indices:
        return keys
    return indices + [k for k in keys if not is_array_index(k)]


def get_property(obj: object, key: object) -> Any:
    """``obj[key]`` for JSON-shaped values; ``UNDEFINED`` for null/undefined and misses.

    Lists and strings answer array indices and ``length``; dicts their own keys; numbers,
    booleans and dates own nothing a YAML map can name.
    """
    if is_nullish(obj):
        return UNDEFINED
    name = key if isinstance(key, str) else to_property_key(key)
    if isinstance(obj, dict):
        if name in obj:
            return obj[name]
        if is_array_index(name) and int(name) in obj:
            return obj[int(name)]
        return UNDEFINED
    if isinstance(obj, str):
        units = utf16_units(obj)
        if name == "length":
            return len(units)
        if is_array_index(name) and int(name) < len(units):
            return from_utf16_units(units[int(name)])
        return UNDEFINED
    if isinstance(obj, list | tuple):
        if name == "length":
            return len(obj)
        if is_array_index(name) and int(name) < len(obj):
            return obj[int(name)]
    return UNDEFINED


# -- operators ---------------------------------------------------------------------------------

def strict_equals(a: object, b: object) -> bool:
    """``a === b``: numbers by value (NaN unequal), objects by identity, bool is not number."""
    if is_number(a) and is_number(b):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, bool) and isinstance(b, bool):
        return a is b
    if a is None or a is UNDEFINED or b is None or b is UNDEFINED:
        return a is b
    if is_object(a) or is_object(b):
        return a is b
    return a is b or (type(a) is type(b) and a == b)


def same_value_zero(a: object, b: object) -> bool:
    """SameValueZero (``includes``): like ``===`` except NaN equals NaN."""
    if is_number(a) and is_number(b) and a != a and b != b:
        return True
    return strict_equals(a, b)


def loose_equals(a: object, b: object) -> bool:
    """``a == b`` (IsLooselyEqual)."""
    if is_nullish(a) or is_nullish(b):
        return is_nullish(a) and is_nullish(b)
    if typeof(a) == typeof(b) and is_object(a) == is_object(b):
        return strict_equals(a, b)
    if isinstance(a, bool):
        return loose_equals(to_number(a), b)
    if isinstance(b, bool):
        return loose_equals(a, to_number(b))
    if is_number(a) and isinstance(b, str):
        return a == to_number(b)
    if isinstance(a, str) and is_number(b):
        return to_number(a) == b
    if is_object(a) and not is_object(b):
        return loose_equals(to_primitive(a), b)
    if is_object(b) and not is_object(a):
        return loose_equals(a, to_primitive(b))
    return False


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-be", "surrogatepass")


def relational(a: object, b: object, op: Literal["<", ">", "<=", ">="]) -> bool:
    """``a < b`` etc.: strings compare by UTF-16 code units, anything else as numbers."""
    pa, pb = to_primitive(a, "number"), to_primitive(b, "number")
    if isinstance(pa, str) and isinstance(pb, str):
        x: Any = _utf16(pa) if not pa.isascii() else pa
        y: Any = _utf16(pb) if not pb.isascii() else pb
        if type(x) is not type(y):
            x, y = _utf16(pa), _utf16(pb)
    else:
        x, y = to_number(pa), to_number(pb)
        if x != x or y != y:
            return False
    if op == "<":
        return bool(x < y)
    if op == ">":
        return bool(x > y)
    if op == "<=":
        return bool(x <= y)
    return bool(x >= y)


_PLAIN_NUMBERS: Final = (int, float)


def js_add(a: object, b: object) -> Any:
    """Binary ``+``: string concatenation when either primitive is a string."""
    if type(a) in _PLAIN_NUMBERS and type(b) in _PLAIN_NUMBERS:  # the common case, fast
        return num(to_number(a) + to_number(b))
    pa, pb = to_primitive(a), to_primitive(b)
    if isinstance(pa, str) or isinstance(pb, str):
        return to_string(pa) + to_string(pb)
    return num(to_number(pa) + to_number(pb))


# -- JSON ----------------------------------------------------------------------------------------

_JSON_ESCAPES = {
    '"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
}
_JSON_NEEDS_ESCAPE = re.compile('[\x00-\x1f"\\\\\ud800-\udfff]')


def json_quote(text: str) -> str:
    """QuoteJSONString: short escapes, \\u00XX for controls and lone surrogates, no ASCII-only."""
    def escape(match: re.Match[str]) -> str:
        char = match.group()
        return _JSON_ESCAPES.get(char) or f"\\u{ord(char):04x}"

    return '"' + _JSON_NEEDS_ESCAPE.sub(escape, text) + '"'


Replacer = Callable[[str, Any], Any]


class _Stringifier:
    def __init__(self, replacer: object, space: object) -> None:
        self.function: Replacer | None = None
        self.allow: list[str] | None = None
        if callable(replacer):
            self.function = replacer
        elif isinstance(replacer, list):
            allow: list[str] = []
            for item in replacer:
                if isinstance(item, str) or is_number(item):
                    key = to_string(item)
                    if key not in allow:
                        allow.append(key)
            self.allow = allow
        # V8 lays out lines whenever the space argument is a positive number or a
        # non-empty string, even when the indent itself is empty (space 0.5)
        if is_number(space):
            self.gap = " " * int(max(0, min(10, to_integer_or_infinity(space))))
            self.pretty = space > 0
        elif isinstance(space, str):
            self.gap = space[:10]
            self.pretty = bool(self.gap)
        else:
            self.gap = ""
            self.pretty = False
        self.indent = ""
        self.stack: list[int] = []

    def property(self, key: str, value: object) -> str | None:
        if isinstance(value, JSDate):
            value = value.to_json()
        if self.function is not None:
            value = self.function(key, value)
        if value is None:
            return "null"
        if value is True:
            return "true"
        if value is False:
            return "false"
        if isinstance(value, str):
            return json_quote(value)
        if is_number(value):
            return to_string(value) if math.isfinite(value) else "null"
        if isinstance(value, list | tuple):
            return self.array(value)
        if isinstance(value, dict):
            return self.object(value)
        if value is UNDEFINED or callable(value):
            return None
        return "{}"

    def _enter(self, value: object) -> None:
        if id(value) in self.stack:
            raise PipeTypeError("Converting circular structure to JSON")
        self.stack.append(id(value))

    def _wrap(self, parts: list[str], open_: str, close: str, stepback: str) -> str:
        if not parts:
            return open_ + close
        if not self.pretty:
            return open_ + ",".join(parts) + close
        separator = ",\n" + self.indent
        return f"{open_}\n{self.indent}{separator.join(parts)}\n{stepback}{close}"

    def object(self, value: dict[Any, Any]) -> str:
        self._enter(value)
        stepback = self.indent
        self.indent += self.gap
        keys = self.allow if self.allow is not None else own_keys(value)
        colon = ": " if self.pretty else ":"
        parts = []
        for key in keys:
            if key not in value:
                if self.allow is None and is_array_index(key) and int(key) in value:
                    item = value[int(key)]
                else:
                    continue
            else:
                item = value[key]
            text = self.property(key, item)
            if text is not None:
                parts.append(json_quote(key) + colon + text)
        result = self._wrap(parts, "{", "}", stepback)
        self.stack.pop()
        self.indent = stepback
        return result

    def array(self, value: list[Any] | tuple[Any, ...]) -> str:
        self._enter(value)
        stepback = self.indent
        self.indent += self.gap
        parts = []
        for index, item in enumerate(value):
            text = self.property(str(index), item)
            parts.append("null" if text is None else text)
        result = self._wrap(parts, "[", "]", stepback)
        self.stack.pop()
        self.indent = stepback
        return result


def json_stringify(value: object, replacer: object = UNDEFINED,
                   space: object = UNDEFINED) -> str | Undefined:
    """``JSON.stringify``; returns :data:`UNDEFINED` where JS returns ``undefined``.

    Raises ``PipeTypeError`` for circular structures.
    """
    stringifier = _Stringifier(replacer, space)
    wrapper = {"": value}
    text = stringifier.property("", wrapper[""])
    return UNDEFINED if text is None else text


def _reject_constant(name: str) -> Any:
    raise ValueError(f"Unexpected token '{name[0]}'")


def _parse_int(text: str) -> int | float:
    value = int(text)
    if value == 0 and text.startswith("-"):
        return -0.0
    return value if abs(value) <= MAX_SAFE_INTEGER else float(text)


def _parse_float(text: str) -> int | float:
    return num(float(text))


def json_parse(text: object) -> Any:
    """``JSON.parse(ToString(text))``; raises ``PipeSyntaxError`` on invalid JSON."""
    source = to_string(text)
    try:
        return json.loads(source, parse_int=_parse_int, parse_float=_parse_float,
                          parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(source):
            raise PipeSyntaxError("Unexpected end of JSON input") from None
        raise PipeSyntaxError(
            f"Unexpected token '{source[exc.pos]}', {source[:30]!r} is not valid JSON"
            f" (position {exc.pos})"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise PipeSyntaxError(f"{exc}, {source[:30]!r} is not valid JSON") from None
