"""``{@date.*}``: JS ``Date`` methods over HotMesh's forgiving date coercion.

Most functions first turn their argument into a Date with HotMesh's ``getDateInstance``
rule (:func:`date_instance`): an ISO date(-time) string, any other string that
``parseInt`` reads as epoch milliseconds, a Date, or a number; anything else raises
``Invalid date format``. Multi-argument setters and ``UTC`` receive every optional
argument explicitly (as ``undefined`` when the row did not supply it), which makes the
result NaN unless all are given (engine-model §9 #14: Replicate). Local time is UTC.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from hotmesh_pg.pipe.errors import PipeError
from hotmesh_pg.pipe.functions.locale import format_locale
from hotmesh_pg.pipe.functions.number import js_parse_int
from hotmesh_pg.pipe.js import (
    UNDEFINED,
    JSDate,
    is_number,
    num,
    to_integer_or_infinity,
    to_number,
    to_primitive,
    to_string,
    truthy,
)
from hotmesh_pg.pipe.jsdate import (
    MS_PER_DAY,
    date_from_time,
    day,
    hour_from_time,
    make_date,
    make_day,
    make_time,
    min_from_time,
    month_from_time,
    ms_from_time,
    parse_date,
    sec_from_time,
    time_clip,
    week_day,
    year_from_time,
)

__all__ = ["FUNCTIONS", "date_instance", "new_date"]

_ISO_INPUT = re.compile(r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z)?\Z")


def new_date(value: Any) -> JSDate:
    """``new Date(value)`` with one argument."""
    if isinstance(value, JSDate):
        return JSDate(value.time)
    primitive = to_primitive(value)
    if isinstance(primitive, str):
        return JSDate(parse_date(primitive))
    return JSDate(to_number(primitive))


def date_instance(value: Any) -> JSDate:
    """HotMesh's ``DateHandler.getDateInstance``; raises ``PipeError('Invalid date format')``.

    A trap kept from HotMesh: ``'2024-04-23T10:00:00'`` (no ``Z``) is not ISO by its rule,
    so ``parseInt`` reads it as 2024 milliseconds after the epoch.
    """
    if isinstance(value, str):
        if _ISO_INPUT.match(value):
            return JSDate(parse_date(value))
        milliseconds = js_parse_int(value, 10)
        if not math.isnan(milliseconds):
            return JSDate(milliseconds)
    elif isinstance(value, JSDate):
        return value
    elif is_number(value):
        return JSDate(float(value))
    raise PipeError("Invalid date format")


def _result(value: float) -> int | float:
    return num(value)


def _getter(extract: Callable[[float], int]) -> Callable[..., int | float]:
    def get(date: Any = UNDEFINED, *_: Any) -> int | float:
        t = date_instance(date).time
        return math.nan if math.isnan(t) else extract(t)

    get.__name__ = extract.__name__
    return get


def _time_within_day(t: float) -> float:
    return t % MS_PER_DAY


def _store(date: JSDate, value: float) -> int | float:
    date.time = time_clip(value)
    return _result(date.time)


def set_milliseconds(date: Any = UNDEFINED, ms: Any = UNDEFINED, *_: Any) -> int | float:
    target = date_instance(date)
    t, milli = target.time, to_number(ms)
    if math.isnan(t):
        return math.nan
    time = make_time(hour_from_time(t), min_from_time(t), sec_from_time(t), milli)
    return _store(target, make_date(day(t), time))


def set_seconds(date: Any = UNDEFINED, seconds: Any = UNDEFINED, ms: Any = UNDEFINED,
                *_: Any) -> int | float:
    target = date_instance(date)
    t, s, milli = target.time, to_number(seconds), to_number(ms)
    if math.isnan(t):
        return math.nan
    return _store(target, make_date(day(t), make_time(hour_from_time(t), min_from_time(t),
                                                      s, milli)))


def set_minutes(date: Any = UNDEFINED, minutes: Any = UNDEFINED, seconds: Any = UNDEFINED,
                ms: Any = UNDEFINED, *_: Any) -> int | float:
    target = date_instance(date)
    t = target.time
    m, s, milli = to_number(minutes), to_number(seconds), to_number(ms)
    if math.isnan(t):
        return math.nan
    return _store(target, make_date(day(t), make_time(hour_from_time(t), m, s, milli)))


def set_hours(date: Any = UNDEFINED, hours: Any = UNDEFINED, minutes: Any = UNDEFINED,
              seconds: Any = UNDEFINED, ms: Any = UNDEFINED, *_: Any) -> int | float:
    target = date_instance(date)
    t = target.time
    h, m, s, milli = to_number(hours), to_number(minutes), to_number(seconds), to_number(ms)
    if math.isnan(t):
        return math.nan
    return _store(target, make_date(day(t), make_time(h, m, s, milli)))


def set_date(date: Any = UNDEFINED, dom: Any = UNDEFINED, *_: Any) -> int | float:
    target = date_instance(date)
    t, dt = target.time, to_number(dom)
    if math.isnan(t):
        return math.nan
    new_day = make_day(year_from_time(t), month_from_time(t), dt)
    return _store(target, make_date(new_day, _time_within_day(t)))


def set_month(date: Any = UNDEFINED, month: Any = UNDEFINED, dom: Any = UNDEFINED,
              *_: Any) -> int | float:
    target = date_instance(date)
    t, m, dt = target.time, to_number(month), to_number(dom)
    if math.isnan(t):
        return math.nan
    new_day = make_day(year_from_time(t), m, dt)
    return _store(target, make_date(new_day, _time_within_day(t)))


def set_full_year(date: Any = UNDEFINED, year: Any = UNDEFINED, month: Any = UNDEFINED,
                  dom: Any = UNDEFINED, *_: Any) -> int | float:
    target = date_instance(date)
    t = 0.0 if math.isnan(target.time) else target.time  # an invalid date restarts at 0
    y, m, dt = to_number(year), to_number(month), to_number(dom)
    return _store(target, make_date(make_day(y, m, dt), _time_within_day(t)))


def set_time(date: Any = UNDEFINED, time: Any = UNDEFINED, *_: Any) -> int | float:
    target = date_instance(date)
    return _store(target, to_number(time))


def utc(year: Any = UNDEFINED, month: Any = UNDEFINED, dom: Any = UNDEFINED,
        hours: Any = UNDEFINED, minutes: Any = UNDEFINED, seconds: Any = UNDEFINED,
        ms: Any = UNDEFINED, *_: Any) -> int | float:
    y = to_number(year)
    if not math.isnan(y) and 0 <= to_integer_or_infinity(y) <= 99:
        y = 1900 + to_integer_or_infinity(y)
    days = make_day(y, to_number(month), to_number(dom))
    time = make_time(to_number(hours), to_number(minutes), to_number(seconds), to_number(ms))
    return _result(time_clip(make_date(days, time)))


def from_iso_string(text: Any = UNDEFINED, *_: Any) -> JSDate:
    return new_date(text)


def now(*_: Any) -> int:
    return int(JSDate.now().time)


def parse(text: Any = UNDEFINED, *_: Any) -> int | float:
    return _result(parse_date(to_string(text)))


def to_date_string(date: Any = UNDEFINED, *_: Any) -> str:
    return date_instance(date).to_date_string()


def to_iso_string(date: Any = UNDEFINED, *_: Any) -> str:
    return date_instance(date).to_iso_string()


def to_isox_string(date: Any = UNDEFINED, *_: Any) -> str:
    """HotMesh's compact timestamp: ISO text without ``-``, ``:``, ``T`` and ``Z``."""
    instance = date_instance(date) if truthy(date) else JSDate.now()
    return re.sub(r"[:TZ-]", "", instance.to_iso_string())


def to_json(date: Any = UNDEFINED, *_: Any) -> str | None:
    return date_instance(date).to_json()


def to_locale_date_string(date: Any = UNDEFINED, locales: Any = UNDEFINED,
                          options: Any = UNDEFINED, *_: Any) -> str:
    return format_locale(date_instance(date).time, locales, options, "date")


def to_locale_string(date: Any = UNDEFINED, locales: Any = UNDEFINED,
                     options: Any = UNDEFINED, *_: Any) -> str:
    return format_locale(date_instance(date).time, locales, options, "any")


def to_locale_time_string(date: Any = UNDEFINED, locales: Any = UNDEFINED,
                          options: Any = UNDEFINED, *_: Any) -> str:
    return format_locale(date_instance(date).time, locales, options, "time")


def to_string_(date: Any = UNDEFINED, *_: Any) -> str:
    return date_instance(date).to_string()


def value_of(date: Any = UNDEFINED, *_: Any) -> int | float:
    return _result(date_instance(date).time)


def _zero_offset(t: float) -> int:
    return 0  # local time is UTC in the port


_GETTERS: dict[str, Callable[[float], int]] = {
    "getDate": date_from_time,
    "getDay": week_day,
    "getFullYear": year_from_time,
    "getHours": hour_from_time,
    "getMilliseconds": ms_from_time,
    "getMinutes": min_from_time,
    "getMonth": month_from_time,
    "getSeconds": sec_from_time,
    "getTime": int,
    "getTimezoneOffset": _zero_offset,
    "getUTCDate": date_from_time,
    "getUTCDay": week_day,
    "getUTCFullYear": year_from_time,
    "getUTCHours": hour_from_time,
    "getUTCMilliseconds": ms_from_time,
    "getUTCMinutes": min_from_time,
    "getUTCMonth": month_from_time,
    "getUTCSeconds": sec_from_time,
}

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "fromISOString": from_iso_string,
    "now": now,
    "parse": parse,
    **{name: _getter(extract) for name, extract in _GETTERS.items()},
    "setMilliseconds": set_milliseconds,
    "setMinutes": set_minutes,
    "setMonth": set_month,
    "setSeconds": set_seconds,
    "setTime": set_time,
    "setUTCDate": set_date,
    "setUTCFullYear": set_full_year,
    "setUTCHours": set_hours,
    "setUTCMilliseconds": set_milliseconds,
    "setUTCMinutes": set_minutes,
    "setUTCMonth": set_month,
    "setUTCSeconds": set_seconds,
    "setDate": set_date,
    "setFullYear": set_full_year,
    "setHours": set_hours,
    "toDateString": to_date_string,
    "toISOString": to_iso_string,
    "toISOXString": to_isox_string,
    "toJSON": to_json,
    "toLocaleDateString": to_locale_date_string,
    "toLocaleString": to_locale_string,
    "toLocaleTimeString": to_locale_time_string,
    "toString": to_string_,
    "UTC": utc,
    "valueOf": value_of,
}
