"""Table-driven edge cases from engine-model §3.4 (date): coercion, getters, setters,
formatting. Local time is UTC in the port."""

from __future__ import annotations

import math
import time
from typing import Any

import pytest

from hotmesh_pg.pipe import UNDEFINED, JSDate, PipeError, PipeRangeError, PipeTypeError
from hotmesh_pg.pipe.functions import FUNCTIONS

U = UNDEFINED
NAN = math.nan
T = 1713875696789  # 2024-04-23T12:34:56.789Z, a Tuesday
ISO = "2024-04-23T12:34:56.789Z"

CASES: list[tuple[str, tuple[Any, ...], Any]] = [
    # the D(x) coercion
    ("date.getTime", (T,), T),
    ("date.getTime", (ISO,), T),
    ("date.getTime", ("2024-04-23",), 1713830400000),  # date-only is UTC midnight
    ("date.getTime", ("2024-04-23T10:00:00",), 2024),  # no 'Z': parseInt reads 2024 ms
    ("date.getTime", (str(T),), T),
    ("date.getTime", ("1713875696789abc",), T),
    ("date.getTime", (JSDate(5),), 5),
    ("date.getTime", (NAN,), NAN),
    ("date.getTime", (8.64e15 + 1,), NAN),
    ("date.getTime", ("2024-02-30",), 1709251200000),  # rolls into March, as V8
    ("date.valueOf", (T,), T),
    # getters
    ("date.getDate", (T,), 23),
    ("date.getDay", (T,), 2),
    ("date.getFullYear", (T,), 2024),
    ("date.getHours", (T,), 12),
    ("date.getMilliseconds", (T,), 789),
    ("date.getMinutes", (T,), 34),
    ("date.getMonth", (T,), 3),
    ("date.getSeconds", (T,), 56),
    ("date.getTimezoneOffset", (T,), 0),
    ("date.getUTCDate", (ISO,), 23),
    ("date.getUTCDay", (0,), 4),
    ("date.getUTCFullYear", (-1,), 1969),
    ("date.getUTCHours", (-1,), 23),
    ("date.getUTCMilliseconds", (-1,), 999),
    ("date.getUTCMinutes", (T,), 34),
    ("date.getUTCMonth", (T,), 3),
    ("date.getUTCSeconds", (T,), 56),
    ("date.getFullYear", (NAN,), NAN),
    ("date.getTimezoneOffset", (NAN,), NAN),
    ("date.getUTCFullYear", (-62198755200000,), -1),
    # setters: multi-argument ones are NaN unless every argument is supplied (§9 #14)
    ("date.setMilliseconds", (T, 0), T - 789),
    ("date.setUTCMilliseconds", (T, 1000), T - 789 + 1000),
    ("date.setSeconds", (T, 0), NAN),
    ("date.setSeconds", (T, 0, 0), T - 56789),
    ("date.setUTCSeconds", (T, 0, 0), T - 56789),
    ("date.setMinutes", (T, 0), NAN),
    ("date.setMinutes", (T, 0, 0), NAN),
    ("date.setMinutes", (T, 0, 0, 0), 1713873600000),
    ("date.setUTCMinutes", (T, 0, 0, 0), 1713873600000),
    ("date.setHours", (T, 0), NAN),
    ("date.setHours", (T, 0, 0, 0, 0), 1713830400000),
    ("date.setUTCHours", (T, 24, 0, 0, 0), 1713916800000),
    ("date.setDate", (T, 1), T - 22 * 86400000),
    ("date.setUTCDate", (T, 0), 1711888496789),  # day 0 is the last day of March
    ("date.setMonth", (T, 0), NAN),
    ("date.setMonth", (T, 0, 23), 1706013296789),
    ("date.setUTCMonth", (T, 12, 1), 1735734896789),
    ("date.setFullYear", (T, 2020), NAN),
    ("date.setFullYear", (T, 2020, 3, 23), 1587645296789),
    ("date.setUTCFullYear", (T, 2020, 1, 30), 1583066096789),
    ("date.setFullYear", (NAN, 2020, 0, 1), 1577836800000),  # invalid restarts at 0
    ("date.setSeconds", (NAN, 1, 1), NAN),
    ("date.setTime", (T, 0), 0),
    ("date.setTime", (T, "5"), 5),
    ("date.setTime", (T, 8.64e15 + 1), NAN),
    ("date.UTC", (2024, 3, 23, 12, 34, 56, 789), T),
    ("date.UTC", (2024, 3), NAN),
    ("date.UTC", (99, 0, 1, 0, 0, 0, 0), 915148800000),  # two-digit years are 19xx
    ("date.UTC", (2024, 14, 40, 25, 61, 61, 1001), 1744250522001),
    # parsing
    ("date.parse", (ISO,), T),
    ("date.parse", ("2024-04-23T12:34:56.789+02:00",), T - 7200000),
    ("date.parse", ("Tue Apr 23 2024 12:34:56 GMT+0000 (Coordinated Universal Time)",),
     T - 789),
    ("date.parse", ("Tue, 23 Apr 2024 12:34:56 GMT",), T - 789),
    ("date.parse", ("April 23, 2024",), 1713830400000),
    ("date.parse", ("4/23/2024 10:00 PM",), 1713909600000),
    ("date.parse", ("nonsense",), NAN),
    ("date.parse", ("0",), 946684800000),  # V8: a lone 0 is the year 2000
    ("date.parse", ("12",), 1007164800000),  # a lone 1..12 is a month of 2001
    ("date.parse", ("13",), NAN),
    ("date.parse", ("0.5",), 957139200000),  # year 2000, May
    ("date.parse", ("abc 5",), 988675200000),  # unknown words before a number are skipped
    ("date.parse", ("5 abc",), NAN),
    ("date.parse", (None,), NAN),
    ("date.parse", ("2024-13-01",), NAN),
    ("date.parse", ("+275760-09-13T00:00:00Z",), 8.64e15),
    ("date.parse", ("+275760-09-13T00:00:00.001Z",), NAN),
    # formatting
    ("date.toDateString", (T,), "Tue Apr 23 2024"),
    ("date.toDateString", (NAN,), "Invalid Date"),
    ("date.toISOString", (T,), ISO),
    ("date.toISOString", (-62198755200000,), "-000001-01-01T00:00:00.000Z"),
    ("date.toISOString", (253402300800000,), "+010000-01-01T00:00:00.000Z"),
    ("date.toISOXString", (T,), "20240423123456.789"),
    ("date.toJSON", (T,), ISO),
    ("date.toJSON", (NAN,), None),
    ("date.toString", (T,), "Tue Apr 23 2024 12:34:56 GMT+0000 (Coordinated Universal Time)"),
    ("date.toString", (NAN,), "Invalid Date"),
    ("date.toLocaleString", (T,), "4/23/2024, 12:34:56 PM"),
    ("date.toLocaleString", (T, "en-US"), "4/23/2024, 12:34:56 PM"),
    ("date.toLocaleString", (0, "en-US"), "1/1/1970, 12:00:00 AM"),
    ("date.toLocaleString", (T, "en-US", {"timeZone": "America/New_York"}),
     "4/23/2024, 8:34:56 AM"),
    ("date.toLocaleString", (T, "en-US", {"timeZone": "Asia/Kolkata",
                                          "timeZoneName": "short"}),
     "4/23/2024, 6:04:56 PM GMT+5:30"),
    ("date.toLocaleString", (T, "en-US", {"dateStyle": "full", "timeStyle": "long"}),
     "Tuesday, April 23, 2024 at 12:34:56 PM UTC"),
    ("date.toLocaleString", (T, "en-US", {"hour12": False}), "4/23/2024, 12:34:56"),
    ("date.toLocaleString", (T, "en-GB"), "23/04/2024, 12:34:56"),
    ("date.toLocaleString", (T, "de-DE"), "23.4.2024, 12:34:56"),
    ("date.toLocaleString", (NAN, "en-US"), "Invalid Date"),
    ("date.toLocaleDateString", (T,), "4/23/2024"),
    ("date.toLocaleDateString", (T, "en-US", {"month": "long", "day": "numeric"}),
     "April 23"),
    ("date.toLocaleDateString", (T, "en-US", {"weekday": "short", "year": "numeric",
                                              "month": "short", "day": "numeric"}),
     "Tue, Apr 23, 2024"),
    ("date.toLocaleDateString", (T, "en-US", {"dateStyle": "medium"}), "Apr 23, 2024"),
    ("date.toLocaleDateString", (T, "en-US", {"year": "2-digit", "month": "2-digit",
                                              "day": "2-digit"}), "04/23/24"),
    ("date.toLocaleTimeString", (T,), "12:34:56 PM"),
    ("date.toLocaleTimeString", (T, "en-US", {"hour": "2-digit", "minute": "2-digit"}),
     "12:34 PM"),
    ("date.toLocaleTimeString", (T, "en-US", {"timeStyle": "short"}), "12:34 PM"),
    ("date.toLocaleTimeString", (0, "en-US", {"hourCycle": "h23"}), "00:00:00"),
    ("date.toLocaleTimeString", (T, "en-US", {"timeZone": "America/Chicago",
                                              "timeZoneName": "long"}),
     "7:34:56 AM Central Daylight Time"),
    ("date.toLocaleTimeString", (T, "en-US", {"timeZone": "Europe/London",
                                              "timeZoneName": "short"}), "1:34:56 PM GMT+1"),
    ("date.toLocaleTimeString", (T, "en-US", {"fractionalSecondDigits": 2,
                                              "second": "numeric", "minute": "numeric"}),
     "34:56.78"),
]


@pytest.mark.parametrize(("name", "args", "expected"), CASES,
                         ids=[f"{c[0]}{c[1]!r}"[:80] for c in CASES])
def test_function(assert_call: Any, name: str, args: tuple[Any, ...], expected: Any) -> None:
    assert_call(name, args, expected)


@pytest.mark.parametrize("value", [None, U, True, [], {}, "nonsense", "  "])
def test_values_that_are_not_dates_raise_invalid_date_format(value: Any) -> None:
    with pytest.raises(PipeError, match=r"^Invalid date format$"):
        FUNCTIONS["date"]["getTime"](value)


RAISES: list[tuple[str, tuple[Any, ...], type[PipeError], str]] = [
    ("date.toISOString", (NAN,), PipeRangeError, "Invalid time value"),
    ("date.toISOXString", (JSDate(NAN),), PipeRangeError, "Invalid time value"),
    ("date.toLocaleString", (T, "en_US"), PipeRangeError, "Incorrect locale information"),
    ("date.toLocaleString", (T, "en-US", {"timeZone": "Mars/Base"}), PipeRangeError,
     "Invalid time zone specified: Mars/Base"),
    ("date.toLocaleString", (T, "en-US", None), PipeTypeError, "Cannot convert"),
    ("date.toLocaleString", (T, None), PipeTypeError, "Cannot convert"),
    ("date.toLocaleString", (T, "1", None), PipeTypeError, "Cannot convert"),
    ("date.toLocaleString", (T, ""), PipeRangeError, "Incorrect locale information"),
    ("date.toLocaleString", (T, [1]), PipeTypeError, "Language ID should be string"),
    ("date.toLocaleString", (T, "en-US", {"dateStyle": "full", "hour": "numeric"}),
     PipeTypeError, "Can't set option hour when dateStyle is used"),
    ("date.toLocaleString", (T, "en-US", {"dateStyle": "huge"}), PipeRangeError,
     "out of range"),
    ("date.toLocaleDateString", (T, "en-US", {"timeStyle": "short"}), PipeTypeError,
     "Invalid option : timeStyle"),
]


@pytest.mark.parametrize(("name", "args", "error", "message"), RAISES)
def test_function_raises(name: str, args: tuple[Any, ...], error: type[PipeError],
                         message: str) -> None:
    domain, function = name.split(".")
    with pytest.raises(error, match=message):
        FUNCTIONS[domain][function](*args)


def test_setters_mutate_a_date_object_but_not_a_number() -> None:
    date = JSDate(T)
    assert FUNCTIONS["date"]["setUTCDate"](date, 1) == date.time
    assert FUNCTIONS["date"]["getUTCDate"](date) == 1
    assert FUNCTIONS["date"]["getUTCDate"](T) == 23  # a number makes a throwaway Date


def test_now_and_nullary_iso_x_string() -> None:
    before = time.time_ns() // 1_000_000
    now = FUNCTIONS["date"]["now"]()
    assert before <= now <= time.time_ns() // 1_000_000
    text = FUNCTIONS["date"]["toISOXString"]()
    assert len(text) == 18 and text[14] == "."
    assert FUNCTIONS["date"]["toISOXString"](1) == "19700101000000.001"
    # 0 and NaN are falsy, so HotMesh formats "now" for them as well
    assert FUNCTIONS["date"]["toISOXString"](0)[:4] == text[:4]


def test_from_iso_string_uses_the_general_parser() -> None:
    from_iso = FUNCTIONS["date"]["fromISOString"]
    assert from_iso(ISO).time == T
    assert from_iso("April 23, 2024").time == 1713830400000
    assert not from_iso("nope").valid
    assert from_iso(5).time == 5
    assert not from_iso(U).valid
    copied = JSDate(7)
    assert from_iso(copied) is not copied and from_iso(copied).time == 7
