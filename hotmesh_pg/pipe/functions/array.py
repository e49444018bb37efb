"""``{@array.*}``: JS ``Array.prototype`` methods as HotMesh's ArrayHandler calls them.

HotMesh forwards optional parameters explicitly, even when the YAML row did not supply
them, so ``lastIndexOf`` without ``fromIndex`` only looks at index 0 and ``splice`` without
``deleteCount`` removes nothing (engine-model §9 #12 and #13: Replicate). Strings work
where JS duck typing lets them (``slice``, ``indexOf``, ``lastIndexOf``, ``concat``).
Mutating methods change the list they are given, which is the live job data.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Callable
from typing import Any

from hotmesh_pg.pipe import integrity
from hotmesh_pg.pipe.functions.methods import clamp_position, no_method, relative_index
from hotmesh_pg.pipe.js import (
    UNDEFINED,
    from_utf16_units,
    get_property,
    is_nullish,
    join_elements,
    relational,
    strict_equals,
    to_integer_or_infinity,
    to_number,
    to_string,
    truthy,
    utf16_units,
)

__all__ = ["FUNCTIONS", "locale_compare", "string_index_of", "string_last_index_of"]


def _list(array: Any, method: str) -> list[Any]:
    if not isinstance(array, list):
        raise no_method(array, method, "array")
    return array


def _mutable(array: list[Any], key: str, adding: bool = False, removing: bool = False) -> None:
    integrity.check_mutable(array, key, adding=adding, removing=removing)


def get(array: Any = UNDEFINED, index: Any = UNDEFINED, *_: Any) -> Any:
    # JS: array?.[index || 0]
    return get_property(array, index if truthy(index) else 0)


def length(array: Any = UNDEFINED, *_: Any) -> Any:
    return get_property(array, "length")


def concat(array1: Any = UNDEFINED, array2: Any = UNDEFINED, *_: Any) -> Any:
    if isinstance(array1, str):
        return array1 + to_string(array2)
    first = _list(array1, "concat")
    return [*first, *array2] if isinstance(array2, list) else [*first, array2]


def string_index_of(text: str, search: Any, position: Any) -> int:
    """``String.prototype.indexOf`` in UTF-16 units."""
    units = utf16_units(text)
    return units.find(utf16_units(to_string(search)), clamp_position(position, len(units)))


def string_last_index_of(text: str, search: Any, position: Any) -> int:
    """``String.prototype.lastIndexOf`` in UTF-16 units (undefined position = the end)."""
    text = utf16_units(text)
    needle = utf16_units(to_string(search))
    number = to_number(position)
    start = len(text) if math.isnan(number) else clamp_position(number, len(text))
    return text.rfind(needle, 0, start + len(needle))


def index_of(array: Any = UNDEFINED, search: Any = UNDEFINED, from_index: Any = UNDEFINED,
             *_: Any) -> int:
    if isinstance(array, str):
        return string_index_of(array, search, from_index)
    items = _list(array, "indexOf")
    start = relative_index(from_index, len(items))
    for i in range(start, len(items)):
        if strict_equals(items[i], search):
            return i
    return -1


def join(array: Any = UNDEFINED, separator: Any = UNDEFINED, *_: Any) -> str:
    items = _list(array, "join")
    sep = "," if separator is UNDEFINED else to_string(separator)
    return join_elements(items, sep)


def last_index_of(array: Any = UNDEFINED, search: Any = UNDEFINED,
                  from_index: Any = UNDEFINED, *_: Any) -> int:
    if isinstance(array, str):
        return string_last_index_of(array, search, from_index)
    items = _list(array, "lastIndexOf")
    if not items:
        return -1
    # Replicate (§9 #12): HotMesh passes fromIndex even when absent, so undefined -> 0.
    n = to_integer_or_infinity(from_index)
    if n == -math.inf:
        return -1
    k = int(min(n, len(items) - 1)) if n >= 0 else int(len(items) + n)
    for i in range(k, -1, -1):
        if strict_equals(items[i], search):
            return i
    return -1


def pop(array: Any = UNDEFINED, *_: Any) -> Any:
    items = _list(array, "pop")
    if not items:
        return UNDEFINED
    _mutable(items, str(len(items) - 1), removing=True)
    return items.pop()


def push(array: Any = UNDEFINED, *items: Any) -> Any:
    target = _list(array, "push")
    if items:
        _mutable(target, str(len(target)), adding=True)
    target.extend(items)
    return target


def reverse(array: Any = UNDEFINED, *_: Any) -> Any:
    items = _list(array, "reverse")
    if len(items) > 1:
        _mutable(items, "0")
    items.reverse()
    return items


def shift(array: Any = UNDEFINED, *_: Any) -> Any:
    items = _list(array, "shift")
    if not items:
        return UNDEFINED
    _mutable(items, "0", removing=True)
    return items.pop(0)


def slice_(array: Any = UNDEFINED, start: Any = UNDEFINED, end: Any = UNDEFINED,
           *_: Any) -> Any:
    if not isinstance(array, str | list):
        raise no_method(array, "slice", "array")
    items = utf16_units(array) if isinstance(array, str) else array
    size = len(items)
    first = relative_index(start, size)
    last = relative_index(end, size, default=size)
    piece = items[first:max(first, last)]
    return from_utf16_units(piece) if isinstance(piece, str) else piece


# ICU's root collation: whitespace, punctuation and symbols (in this order for ASCII),
# then currency, digits and letters. Letters compare case-blind first, accents second
# (position by position), case last (lowercase first).
_ASCII_VARIABLE_ORDER = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$"
_ACCENT_ORDER = {  # DUCET's secondary order for the common combining marks
    "\u0301": 1, "\u0300": 2, "\u0306": 3, "\u0302": 4, "\u030c": 5, "\u030a": 6,
    "\u0308": 7, "\u030b": 8, "\u0303": 9, "\u0307": 10, "\u0327": 11, "\u0328": 12,
    "\u0304": 13,
}
_STROKE = 50  # letters ICU sorts as a variant of a base letter ('ø' after 'ö')
_LETTER_VARIANTS = {"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ħ": "h",
                    "Ħ": "H", "ı": "i", "ŧ": "t", "Ŧ": "T"}


def _primary_class(char: str) -> tuple[int, int]:
    position = _ASCII_VARIABLE_ORDER.find(char)
    if position != -1:
        return 1, position
    category = unicodedata.category(char)
    if char.isspace() or category.startswith("Z"):
        return 0, ord(char)
    if category.startswith("P"):
        return 1, 100 + ord(char)
    if category == "Sc":
        return 3, ord(char)
    if category.startswith("S"):
        return 2, ord(char)
    if category.startswith("N"):
        return 4, 0
    if category.startswith("L"):
        return 5, 0
    return 6, ord(char)


def _collation_key(text: str) -> tuple[Any, ...]:
    primary: list[tuple[int, int, str]] = []
    secondary: list[tuple[int, ...]] = []
    tertiary: list[int] = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char):
            if secondary:
                secondary[-1] += (_ACCENT_ORDER.get(char, 20 + ord(char) % 1000),)
            continue
        variant = _LETTER_VARIANTS.get(char)
        base = variant or char
        for folded in base.casefold():
            primary.append((*_primary_class(folded), folded))
            secondary.append((_STROKE,) if variant else ())
            tertiary.append(1 if char.isupper() else 0)
        if char == "ß":
            tertiary[-1] = tertiary[-2] = 2  # 'ss' < 'ß' on the last level
    return tuple(primary), tuple(secondary), tuple(tertiary), text


def locale_compare(a: str, b: str) -> int:
    """An approximation of ICU ``localeCompare`` (root locale) without PyICU.

    Case-insensitive first (``'a' < 'B'``), accents next, lowercase before uppercase on
    ties; punctuation before digits before letters. Exact for ASCII words, close for the
    rest.
    """
    ka, kb = _collation_key(a), _collation_key(b)
    return (ka > kb) - (ka < kb)


def _ascending(a: Any, b: Any) -> int:
    if strict_equals(a, b):
        return 0
    if is_nullish(a):
        return -1
    if is_nullish(b):
        return 1
    if isinstance(a, str) and isinstance(b, str):
        return locale_compare(a, b)
    return -1 if relational(a, b, "<") else 1


def _descending(a: Any, b: Any) -> int:
    if strict_equals(a, b):
        return 0
    if is_nullish(a):
        return 1
    if is_nullish(b):
        return -1
    if isinstance(a, str) and isinstance(b, str):
        return locale_compare(b, a)
    return -1 if relational(a, b, ">") else 1


def sort(array: Any = UNDEFINED, order: Any = UNDEFINED, *_: Any) -> Any:
    items = _list(array, "sort")
    # the TS default parameter turns an explicit undefined into 'ASCENDING'; any other
    # value (null included) sorts descending
    ascending = order is UNDEFINED or order == "ASCENDING"
    compare = _ascending if ascending else _descending
    # JS moves undefined elements to the end without consulting the comparator
    defined = [item for item in items if item is not UNDEFINED]
    if len(items) > 1:
        _mutable(items, "0")
    defined.sort(key=functools.cmp_to_key(compare))
    items[:] = defined + [UNDEFINED] * (len(items) - len(defined))
    return items


def splice(array: Any = UNDEFINED, start: Any = UNDEFINED, delete_count: Any = UNDEFINED,
           *items: Any) -> list[Any]:
    target = _list(array, "splice")
    size = len(target)
    first = relative_index(start, size)
    # Replicate (§9 #13): deleteCount is always forwarded, so a missing one means 0.
    count = int(min(max(to_integer_or_infinity(delete_count), 0), size - first))
    if count or items:
        _mutable(target, str(first), adding=len(items) > count, removing=count > len(items))
    removed = target[first:first + count]
    target[first:first + count] = list(items)
    return removed


def unshift(array: Any = UNDEFINED, *items: Any) -> int:
    target = _list(array, "unshift")
    if items:
        _mutable(target, "0", adding=True)
    target[:0] = list(items)
    return len(target)  # Replicate (§9 #13): the new length, not the list the docs promise


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "get": get,
    "length": length,
    "concat": concat,
    "indexOf": index_of,
    "join": join,
    "lastIndexOf": last_index_of,
    "pop": pop,
    "push": push,
    "reverse": reverse,
    "shift": shift,
    "slice": slice_,
    "sort": sort,
    "splice": splice,
    "unshift": unshift,
}
