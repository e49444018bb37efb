"""``{@string.*}``: JS ``String.prototype`` methods as HotMesh's StringHandler calls them.

The input must be a string: null/undefined and non-strings raise the TypeError JS raises
for a missing method. JS duck typing is kept where it exists: a list input works for
``slice``, ``indexOf``, ``lastIndexOf`` and ``includes`` (Array methods of the same name),
and ``concat`` joins its arguments without a receiver. Positions count UTF-16 units, as
in JS, so an astral character is two positions and can be split.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from hotmesh_pg.pipe.errors import PipeRangeError, PipeSyntaxError
from hotmesh_pg.pipe.functions import array as _array
from hotmesh_pg.pipe.functions.methods import clamp_position, no_method, relative_index
from hotmesh_pg.pipe.js import (
    JS_WHITESPACE,
    UNDEFINED,
    from_utf16_units,
    is_nullish,
    is_number,
    js_trim,
    js_trim_end,
    js_trim_start,
    relational,
    same_value_zero,
    to_integer_or_infinity,
    to_string,
    utf16_units,
)

__all__ = ["FUNCTIONS", "MAX_STRING_LENGTH", "js_regex"]

MAX_STRING_LENGTH = 2**29 - 24  # V8's limit; longer results throw RangeError


def _str(value: Any, method: str, param: str = "input") -> str:
    """The receiver string as JS indexes it (UTF-16 units, see ``utf16_units``)."""
    if not isinstance(value, str):
        raise no_method(value, method, param)
    return utf16_units(value)


def _arg(value: Any) -> str:
    return utf16_units(to_string(value))


def _check_length(size: int) -> None:
    if size > MAX_STRING_LENGTH:
        raise PipeRangeError("Invalid string length")


def split(input: Any = UNDEFINED, delimiter: Any = UNDEFINED, *_: Any) -> list[str]:
    text = _str(input, "split")
    if delimiter is UNDEFINED:
        return [from_utf16_units(text)]
    separator = _arg(delimiter)
    pieces = list(text) if separator == "" else text.split(separator)
    return [from_utf16_units(piece) for piece in pieces]


def char_at(input: Any = UNDEFINED, index: Any = UNDEFINED, *_: Any) -> str:
    text = _str(input, "charAt")
    position = to_integer_or_infinity(index)
    return from_utf16_units(text[int(position)]) if 0 <= position < len(text) else ""


def concat(*strings: Any) -> str:
    # HotMesh joins the arguments (Array#join), so null/undefined become ''
    return "".join("" if is_nullish(item) else to_string(item) for item in strings)


def includes(input: Any = UNDEFINED, search: Any = UNDEFINED, position: Any = UNDEFINED,
             *_: Any) -> bool:
    if isinstance(input, list):
        start = relative_index(position, len(input))
        return any(same_value_zero(item, search) for item in input[start:])
    text = _str(input, "includes")
    return text.find(_arg(search), clamp_position(position, len(text))) != -1


def index_of(input: Any = UNDEFINED, search: Any = UNDEFINED, from_index: Any = UNDEFINED,
             *_: Any) -> int:
    if isinstance(input, list):
        return int(_array.index_of(input, search, from_index))
    return _array.string_index_of(_str(input, "indexOf"), search, from_index)


def last_index_of(input: Any = UNDEFINED, search: Any = UNDEFINED,
                  from_index: Any = UNDEFINED, *_: Any) -> int:
    if isinstance(input, list):
        return int(_array.last_index_of(input, search, from_index))
    return _array.string_last_index_of(_str(input, "lastIndexOf"), search, from_index)


def slice_(input: Any = UNDEFINED, start: Any = UNDEFINED, end: Any = UNDEFINED,
           *_: Any) -> Any:
    if not isinstance(input, str | list):
        raise no_method(input, "slice")
    return _array.slice_(input, start, end)


def _whole(value: Any, method: str) -> str:
    """The receiver as characters, for methods that never count positions."""
    if not isinstance(value, str):
        raise no_method(value, method)
    return value


def to_lower_case(input: Any = UNDEFINED, *_: Any) -> str:
    return _whole(input, "toLowerCase").lower()


def to_upper_case(input: Any = UNDEFINED, *_: Any) -> str:
    return _whole(input, "toUpperCase").upper()


def trim(input: Any = UNDEFINED, *_: Any) -> str:
    return js_trim(_whole(input, "trim"))


def trim_start(input: Any = UNDEFINED, *_: Any) -> str:
    return js_trim_start(_whole(input, "trimStart"))


def trim_end(input: Any = UNDEFINED, *_: Any) -> str:
    return js_trim_end(_whole(input, "trimEnd"))


def _padding(text: str, max_length: Any, pad_string: Any) -> str:
    target = to_integer_or_infinity(max_length)
    if target <= len(text):
        return ""
    filler = " " if pad_string is UNDEFINED else _arg(pad_string)
    if filler == "":
        return ""
    _check_length(int(target) if math.isfinite(target) else MAX_STRING_LENGTH + 1)
    needed = int(target) - len(text)
    return (filler * (needed // len(filler) + 1))[:needed]


def pad_start(input: Any = UNDEFINED, max_length: Any = UNDEFINED,
              pad_string: Any = UNDEFINED, *_: Any) -> str:
    text = _str(input, "padStart")
    return from_utf16_units(_padding(text, max_length, pad_string) + text)


def pad_end(input: Any = UNDEFINED, max_length: Any = UNDEFINED,
            pad_string: Any = UNDEFINED, *_: Any) -> str:
    text = _str(input, "padEnd")
    return from_utf16_units(text + _padding(text, max_length, pad_string))


_SUBSTITUTION = re.compile(r"\$([$&`'])")


def replace(input: Any = UNDEFINED, search: Any = UNDEFINED, replacement: Any = UNDEFINED,
            *_: Any) -> str:
    """First literal occurrence only (a YAML string is never a RegExp)."""
    text = _str(input, "replace")
    needle = _arg(search)
    position = text.find(needle)
    if position == -1:
        return from_utf16_units(text)
    before, after = text[:position], text[position + len(needle):]
    parts = {"$": "$", "&": needle, "`": before, "'": after}
    substituted = _SUBSTITUTION.sub(lambda m: parts[m.group(1)], _arg(replacement))
    return from_utf16_units(before + substituted + after)


_JS_SPACE_CLASS = re.escape(JS_WHITESPACE)


def _translate_regex(pattern: str, multiline: bool) -> str:
    """Rewrite the JS-only parts of a pattern; everything else is shared syntax."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            pair = pattern[i:i + 2]
            if pair == "\\s":
                out.append(_JS_SPACE_CLASS if in_class else f"[{_JS_SPACE_CLASS}]")
            elif pair == "\\S" and not in_class:
                out.append(f"[^{_JS_SPACE_CLASS}]")
            elif pair == "\\k" and not in_class:
                end = pattern.find(">", i)
                if pattern[i + 2:i + 3] == "<" and end != -1:
                    out.append(f"(?P={pattern[i + 3:end]})")
                    i = end + 1
                    continue
                out.append(pair)
            else:
                out.append(pair)
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$" and not multiline:
            char = "\\Z"  # JS '$' never matches before a final newline
        elif pattern.startswith("(?<", i) and pattern[i + 3:i + 4] not in ("=", "!"):
            char = "(?P<"
            i += 2
        out.append(char)
        i += 1
    return "".join(out)


def js_regex(pattern: str, flags: str = "") -> re.Pattern[str]:
    """Compile JS regular-expression source with Python's ``re``.

    ``\\d``, ``\\w`` and ``\\b`` are ASCII as in JS, ``\\s`` is JS whitespace, named groups
    and backreferences are translated, and ``$`` only matches at the very end without the
    ``m`` flag. Invalid sources raise ``PipeSyntaxError``.
    """
    py_flags = re.ASCII
    if "i" in flags:
        py_flags |= re.IGNORECASE
    if "m" in flags:
        py_flags |= re.MULTILINE
    if "s" in flags:
        py_flags |= re.DOTALL
    try:
        return re.compile(_translate_regex(pattern, "m" in flags), py_flags)
    except (re.error, RecursionError, OverflowError) as exc:
        raise PipeSyntaxError(f"Invalid regular expression: /{pattern}/: {exc}") from None


def search(input: Any = UNDEFINED, regexp: Any = UNDEFINED, *_: Any) -> int:
    text = _str(input, "search")
    pattern = "(?:)" if regexp is UNDEFINED else _arg(regexp)
    match = js_regex(pattern).search(text)
    return -1 if match is None else match.start()


def substring(input: Any = UNDEFINED, start: Any = UNDEFINED, end: Any = UNDEFINED,
              *_: Any) -> str:
    text = _str(input, "substring")
    first = clamp_position(start, len(text))
    last = clamp_position(end, len(text), default=len(text))
    return from_utf16_units(text[min(first, last):max(first, last)])


def starts_with(input: Any = UNDEFINED, search: Any = UNDEFINED, position: Any = UNDEFINED,
                *_: Any) -> bool:
    text = _str(input, "startsWith", "str")
    return text.startswith(_arg(search), clamp_position(position, len(text)))


def ends_with(input: Any = UNDEFINED, search: Any = UNDEFINED, length: Any = UNDEFINED,
              *_: Any) -> bool:
    text = _str(input, "endsWith", "str")
    end = clamp_position(length, len(text), default=len(text))
    return text[:end].endswith(_arg(search))


def repeat(input: Any = UNDEFINED, count: Any = UNDEFINED, *_: Any) -> str:
    # HotMesh's own guard comes before the method (and its message differs from V8's)
    if relational(count, 0, "<") or (is_number(count) and count == math.inf):
        raise PipeRangeError("Invalid repeat count. Must be a positive finite number.")
    text = _str(input, "repeat", "str")
    times = to_integer_or_infinity(count)
    if times < 0 or math.isinf(times):
        raise PipeRangeError(f"Invalid count value: {to_string(times)}")
    if not text or times == 0:
        return ""
    _check_length(len(text) * int(times))
    return from_utf16_units(text * int(times))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "split": split,
    "charAt": char_at,
    "concat": concat,
    "includes": includes,
    "indexOf": index_of,
    "lastIndexOf": last_index_of,
    "slice": slice_,
    "toLowerCase": to_lower_case,
    "toUpperCase": to_upper_case,
    "trim": trim,
    "trimStart": trim_start,
    "trimEnd": trim_end,
    "padStart": pad_start,
    "padEnd": pad_end,
    "replace": replace,
    "search": search,
    "substring": substring,
    "startsWith": starts_with,
    "endsWith": ends_with,
    "repeat": repeat,
}
