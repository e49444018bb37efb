"""``{@bitwise.*}``: JS 32-bit integer operators (ToInt32 operands, shift counts mod 32)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotmesh_pg.pipe.js import UNDEFINED, to_int32, to_uint32

__all__ = ["FUNCTIONS", "wrap_int32"]


def wrap_int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - 2**32 if value >= 2**31 else value


def and_(a: Any = UNDEFINED, b: Any = UNDEFINED, *_: Any) -> int:
    return wrap_int32(to_int32(a) & to_int32(b))


def or_(a: Any = UNDEFINED, b: Any = UNDEFINED, *_: Any) -> int:
    return wrap_int32(to_int32(a) | to_int32(b))


def xor(a: Any = UNDEFINED, b: Any = UNDEFINED, *_: Any) -> int:
    return wrap_int32(to_int32(a) ^ to_int32(b))


def left_shift(a: Any = UNDEFINED, b: Any = UNDEFINED, *_: Any) -> int:
    return wrap_int32(to_int32(a) << (to_uint32(b) & 31))


def right_shift(a: Any = UNDEFINED, b: Any = UNDEFINED, *_: Any) -> int:
    return to_int32(a) >> (to_uint32(b) & 31)


def unsigned_right_shift(a: Any = UNDEFINED, b: Any = UNDEFINED, *_: Any) -> int:
    return to_uint32(a) >> (to_uint32(b) & 31)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "and": and_,
    "or": or_,
    "xor": xor,
    "leftShift": left_shift,
    "rightShift": right_shift,
    "unsignedRightShift": unsigned_right_shift,
}
