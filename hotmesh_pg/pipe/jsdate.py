"""JavaScript ``Date``: a mutable box around epoch milliseconds, with ECMAScript's date math.

HotMesh maps and pipe functions hand ``Date`` objects around (``{@symbol.date}``,
``date.set*`` mutate them), so a plain ``datetime`` would lose both the identity and the
NaN "Invalid Date" state. All arithmetic follows ECMA-262 §21.4.1 with integer maths, so
years far outside ``datetime``'s 1..9999 behave as in JS. "Local time" is UTC: HotMesh's
containers run in UTC and the port documents that choice (engine-model §0).
"""

from __future__ import annotations

import math
import re
import time as _time
from typing import Final

__all__ = [
    "MS_PER_DAY",
    "JSDate",
    "date_from_time",
    "day",
    "hour_from_time",
    "make_date",
    "make_day",
    "make_time",
    "min_from_time",
    "month_from_time",
    "ms_from_time",
    "parse_date",
    "sec_from_time",
    "time_clip",
    "week_day",
    "year_from_time",
]

NAN: Final = math.nan
MS_PER_SECOND: Final = 1000
MS_PER_MINUTE: Final = 60_000
MS_PER_HOUR: Final = 3_600_000
MS_PER_DAY: Final = 86_400_000
MAX_TIME: Final = 8.64e15  # ms either side of the epoch a Date can hold

WEEKDAYS: Final = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)


def _trunc(value: float) -> float:
    """ToIntegerOrInfinity for an already-numeric value (NaN -> 0)."""
    if math.isnan(value):
        return 0.0
    if math.isinf(value):
        return value
    return float(math.trunc(value))


# -- proleptic Gregorian calendar on day numbers (day 0 = 1970-01-01) -----------------------

def _days_from_civil(year: int, month: int, dom: int) -> int:
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5 + dom - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(days: int) -> tuple[int, int, int]:
    days += 719468
    era = days // 146097
    doe = days - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    dom = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, dom


def day(t: float) -> int:
    return int(t // MS_PER_DAY)


def _civil(t: float) -> tuple[int, int, int]:
    return _civil_from_days(day(t))


def year_from_time(t: float) -> int:
    return _civil(t)[0]


def month_from_time(t: float) -> int:
    """Month 0..11, as JS counts them."""
    return _civil(t)[1] - 1


def date_from_time(t: float) -> int:
    return _civil(t)[2]


def week_day(t: float) -> int:
    return (day(t) + 4) % 7


def hour_from_time(t: float) -> int:
    return int(t // MS_PER_HOUR) % 24


def min_from_time(t: float) -> int:
    return int(t // MS_PER_MINUTE) % 60


def sec_from_time(t: float) -> int:
    return int(t // MS_PER_SECOND) % 60


def ms_from_time(t: float) -> int:
    return int(t % MS_PER_SECOND)


def make_time(hour: float, minute: float, sec: float, ms: float) -> float:
    if not _finite(hour, minute, sec, ms):
        return NAN
    return (_trunc(hour) * MS_PER_HOUR + _trunc(minute) * MS_PER_MINUTE
            + _trunc(sec) * MS_PER_SECOND + _trunc(ms))


def make_day(year: float, month: float, dom: float) -> float:
    if not _finite(year, month, dom):
        return NAN
    y, m, dt = _trunc(year), _trunc(month), _trunc(dom)
    ym = y + math.floor(m / 12)
    if abs(ym) > 400_000:  # far beyond what TimeClip keeps; avoid huge integer work
        return NAN
    mn = int(m % 12)
    return float(_days_from_civil(int(ym), mn + 1, 1)) + dt - 1


def make_date(days: float, time_in_day: float) -> float:
    if not _finite(days, time_in_day):
        return NAN
    tv = days * MS_PER_DAY + time_in_day
    return tv if math.isfinite(tv) else NAN


def time_clip(t: float) -> float:
    if not math.isfinite(t) or abs(t) > MAX_TIME:
        return NAN
    return _trunc(t) + 0.0  # + 0.0 turns -0 into +0


# -- formatting --------------------------------------------------------------------------------

def _year_text(year: int, iso: bool) -> str:
    if 0 <= year <= 9999:
        return f"{year:04d}"
    if iso:
        return f"{'+' if year > 0 else '-'}{abs(year):06d}"
    return f"-{abs(year):04d}" if year < 0 else str(year)


def _iso(t: float) -> str:
    y, m, d = _civil(t)
    return (f"{_year_text(y, True)}-{m:02d}-{d:02d}T{hour_from_time(t):02d}:"
            f"{min_from_time(t):02d}:{sec_from_time(t):02d}.{ms_from_time(t):03d}Z")


class JSDate:
    """A JS ``Date``: ``time`` is epoch milliseconds (an integral float) or NaN if invalid.

    Equality is identity, as for JS objects; compare ``.time`` for value equality.
    """

    __slots__ = ("time",)

    def __init__(self, time: float = NAN) -> None:
        self.time = time_clip(float(time))

    @classmethod
    def now(cls) -> JSDate:
        return cls(float(_time.time_ns() // 1_000_000))

    @classmethod
    def parse(cls, text: str) -> JSDate:
        """``new Date(text)``: an invalid Date (NaN) when the text is not a date."""
        return cls(parse_date(text))

    @property
    def valid(self) -> bool:
        return not math.isnan(self.time)

    def value_of(self) -> float:
        return self.time

    def to_iso_string(self) -> str:
        """``toISOString``; raises ``PipeRangeError('Invalid time value')`` when invalid."""
        if not self.valid:
            from hotmesh_pg.pipe.errors import PipeRangeError

            raise PipeRangeError("Invalid time value")
        return _iso(self.time)

    def to_json(self) -> str | None:
        return _iso(self.time) if self.valid else None

    def to_date_string(self) -> str:
        if not self.valid:
            return "Invalid Date"
        t = self.time
        y, m, d = _civil(t)
        return f"{WEEKDAYS[week_day(t)]} {MONTHS[m - 1]} {d:02d} {_year_text(y, False)}"

    def to_time_string(self) -> str:
        if not self.valid:
            return "Invalid Date"
        t = self.time
        return (f"{hour_from_time(t):02d}:{min_from_time(t):02d}:{sec_from_time(t):02d} "
                "GMT+0000 (Coordinated Universal Time)")

    def to_string(self) -> str:
        if not self.valid:
            return "Invalid Date"
        return f"{self.to_date_string()} {self.to_time_string()}"

    def __repr__(self) -> str:
        return f"JSDate({self.to_json() or 'Invalid Date'})"


# -- parsing -----------------------------------------------------------------------------------

_ISO = re.compile(  # V8 also takes a lowercase t/z and an offset without its colon
    r"([+-]\d{6}|\d{4})(?:-(\d{2})(?:-(\d{2}))?)?"
    r"(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?([Zz]|[+-]\d{2}:?\d{2})?)?\Z"
)


def _parse_iso(text: str) -> float | None:
    """ECMA-262 date-time string format; None when the text is not in that format."""
    match = _ISO.match(text)
    if match is None:
        return None
    ys, ms_, ds, hs, mins, ss, frac, zone = match.groups()
    if ys == "-000000":
        return NAN
    year, month, dom = int(ys), int(ms_ or 1), int(ds or 1)
    hour, minute, sec = int(hs or 0), int(mins or 0), int(ss or 0)
    milli = int((frac or "0")[:3].ljust(3, "0"))
    if not (1 <= month <= 12 and 1 <= dom <= 31 and minute <= 59 and sec <= 59):
        return NAN
    if hour > 24 or (hour == 24 and (minute or sec or milli)):
        return NAN
    days = make_day(year, month - 1, dom)
    tv = make_date(days, make_time(hour, minute, sec, milli))
    if zone and zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        oh, om = int(zone[1:3]), int(zone[-2:])
        if oh > 23 or om > 59:
            return NAN
        tv -= sign * (oh * MS_PER_HOUR + om * MS_PER_MINUTE)
    # date-only forms are UTC, date-time forms without offset are local time = UTC here
    return time_clip(tv)


_MONTH_WORDS = {name.lower(): i for i, name in enumerate(MONTHS)}
_WEEKDAY_WORDS = {name.lower() for name in WEEKDAYS}
_LEGACY_TOKEN = re.compile(
    r"(?P<time>\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?)"
    r"|(?P<offset>[+-]\d{1,2}(?::?\d{2})?)"
    r"|(?P<num>\d+)"
    r"|(?P<word>[A-Za-z]+\.?)"
    r"|(?P<sep>[\s,/\-.]+)"
)


def _parse_legacy(text: str) -> float:
    """The forms V8's fallback parser is mostly used for.

    ``Tue Apr 23 2024 12:34:56 GMT+0000 (…)``, ``Tue, 23 Apr 2024 12:34:56 GMT``,
    ``April 23, 2024``, ``4/23/2024 10:00 PM``, ``2024/04/23``. Anything else is NaN.
    """
    text = re.sub(r"\([^)]*\)", " ", text).strip()
    numbers: list[int] = []
    month: int | None = None
    clock: tuple[int, int, int, int] | None = None
    offset_ms: int | None = None
    meridiem: str | None = None
    pos = 0
    while pos < len(text):
        match = _LEGACY_TOKEN.match(text, pos)
        if match is None:
            return NAN
        pos = match.end()
        kind = match.lastgroup
        value = match.group()
        if kind == "time":
            parts = value.split(":")
            sec_part = parts[2] if len(parts) > 2 else "0"
            whole, _, frac = sec_part.partition(".")
            clock = (int(parts[0]), int(parts[1]), int(whole), int(frac[:3].ljust(3, "0")))
        elif kind == "offset":
            if clock is None and offset_ms is None:  # a '-' between date numbers
                numbers.append(int(value[1:]))
                continue
            digits = value[1:].replace(":", "")
            hh, mm = (int(digits), 0) if len(digits) <= 2 else (int(digits[:-2]), int(digits[-2:]))
            offset_ms = (1 if value[0] == "+" else -1) * (hh * MS_PER_HOUR + mm * MS_PER_MINUTE)
        elif kind == "num":
            numbers.append(int(value))
        elif kind == "word":
            word = value.rstrip(".").lower()
            glued = not value.endswith(".") and pos < len(text) and text[pos].isdigit()
            if glued and word[:3] not in _MONTH_WORDS:
                return NAN  # V8 rejects a word glued to a number, months excepted
            if word in ("am", "pm"):
                meridiem = word
            elif word in ("z", "ut", "utc", "gmt"):
                offset_ms = 0
            elif word == "t" and numbers:
                continue
            elif word[:3] in _MONTH_WORDS and month is None:
                month = _MONTH_WORDS[word[:3]]
            elif word[:3] in _WEEKDAY_WORDS:
                continue
            elif numbers or clock is not None:
                return NAN  # V8 skips unknown words only before the first number
            else:
                continue
    # V8 fills a missing year with 2001 and reads a lone small number as a month
    if month is not None:
        if len(numbers) == 1:
            (a,) = numbers
            year, dom = (a, 1) if a > 31 else (2001, a)
        elif len(numbers) == 2:
            a, b = numbers
            year, dom = (a, b) if a > 31 else (b, a)
        else:
            return NAN
    elif len(numbers) == 3:
        a, b, c = numbers
        if a > 31:
            year, month, dom = a, b - 1, c
        else:
            month, dom, year = a - 1, b, c
    elif len(numbers) == 2:
        a, b = numbers
        if 1 <= a <= 12:
            month, dom, year = a - 1, b, 2001
        elif a == 0 or a > 31:
            year, month, dom = a, b - 1, 1
        else:
            return NAN
    elif len(numbers) == 1:
        (a,) = numbers
        if 1 <= a <= 12:
            year, month, dom = 2001, a - 1, 1
        elif 13 <= a <= 31:
            return NAN
        else:
            year, month, dom = a, 0, 1
    else:
        return NAN
    if year < 50:
        year += 2000
    elif year < 100:
        year += 1900
    hour, minute, sec, milli = clock or (0, 0, 0, 0)
    if meridiem is not None:
        if hour > 12:
            return NAN
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if not (0 <= month <= 11 and 1 <= dom <= 31 and hour <= 24 and minute <= 59 and sec <= 59):
        return NAN
    tv = make_date(make_day(year, month, dom), make_time(hour, minute, sec, milli))
    return time_clip(tv - (offset_ms or 0))


def parse_date(text: str) -> float:
    """``Date.parse(text)``: epoch ms, NaN when the text is not a recognised date."""
    text = text.strip()
    iso = _parse_iso(text)
    if iso is not None:
        return iso
    return _parse_legacy(text)
