"""A small ``Intl.DateTimeFormat`` for ``date.toLocale*String``.

HotMesh runs these on Node's full ICU. The port formats ``en-US`` (the default locale)
exactly as ICU does, apart from using a plain space before AM/PM (engine-model §3.4), and
honours the ``timeZone``, ``hour12``/``hourCycle``, component (``year``, ``month``,
``day``, ``weekday``, ``hour``, ``minute``, ``second``, ``fractionalSecondDigits``,
``timeZoneName``) and ``dateStyle``/``timeStyle`` options. Other locales are best-effort:
their numeric date order, separators and 12/24-hour clock are known for the common
ones, while month and weekday names stay English.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hotmesh_pg.pipe.errors import PipeRangeError, PipeTypeError
from hotmesh_pg.pipe.js import UNDEFINED, is_nullish, to_string, truthy
from hotmesh_pg.pipe.jsdate import (
    date_from_time,
    hour_from_time,
    make_date,
    make_day,
    min_from_time,
    month_from_time,
    ms_from_time,
    sec_from_time,
    week_day,
    year_from_time,
)

__all__ = ["format_locale"]

Required = Literal["any", "date", "time"]

MONTH_NAMES: Final = ("January", "February", "March", "April", "May", "June", "July",
                      "August", "September", "October", "November", "December")
WEEKDAY_NAMES: Final = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                        "Saturday")


@dataclass(frozen=True)
class _Locale:
    numeric: str  # order and separators of a numeric date: tokens y, M, MM, d, dd
    hour12: bool  # the locale's own clock (h12) or a 24-hour one (h23)
    pad_hour24: bool  # 'HH' rather than 'H' on a 24-hour clock
    joiner: str  # between date and time
    am: str = "AM"
    pm: str = "PM"
    period_first: str | None = None  # day period before the time, with this separator


_LOCALES: Final[dict[str, _Locale]] = {
    "en-US": _Locale("M/d/y", True, True, ", "),
    "en-GB": _Locale("dd/MM/y", False, True, ", ", "am", "pm"),
    "en-AU": _Locale("dd/MM/y", True, True, ", ", "am", "pm"),
    "en-CA": _Locale("y-MM-dd", True, True, ", ", "a.m.", "p.m."),
    "en-IN": _Locale("d/M/y", True, True, ", ", "am", "pm"),
    "de-DE": _Locale("d.M.y", False, True, ", "),
    "fr-FR": _Locale("dd/MM/y", False, True, " "),
    "es-ES": _Locale("d/M/y", False, False, ", ", "a. m.", "p. m."),
    "es-MX": _Locale("d/M/y", True, False, ", ", "a.m.", "p.m."),
    "it-IT": _Locale("dd/MM/y", False, True, ", "),
    "pt-BR": _Locale("dd/MM/y", False, True, ", "),
    "nl-NL": _Locale("d-M-y", False, True, ", ", "a.m.", "p.m."),
    "sv-SE": _Locale("y-MM-dd", False, True, " ", "fm", "em"),
    "ja-JP": _Locale("y/M/d", False, False, " ", "午前", "午後", ""),
    "zh-CN": _Locale("y/M/d", False, True, " ", "上午", "下午", ""),
    "ko-KR": _Locale("y. M. d.", True, True, " ", "AM", "PM", " "),
    "ru-RU": _Locale("dd.MM.y", False, True, ", "),
}
_LANGUAGE_DEFAULTS: Final = {tag.split("-")[0]: tag for tag in reversed(list(_LOCALES))}
_TAG: Final = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*\Z")

_DATE_FIELDS: Final = ("weekday", "year", "month", "day")
_TIME_FIELDS: Final = ("dayPeriod", "hour", "minute", "second", "fractionalSecondDigits")


def _resolve_locale(locales: Any) -> _Locale:
    if locales is None:
        raise PipeTypeError("Cannot convert undefined or null to object")
    if isinstance(locales, list):
        if any(not isinstance(tag, str | dict | list) for tag in locales):
            raise PipeTypeError("Language ID should be string or object.")
        tags = [to_string(tag) for tag in locales]
    elif isinstance(locales, str):
        tags = [locales]
    else:
        tags = []
    for tag in tags:
        if _TAG.match(tag) is None:
            raise PipeRangeError("Incorrect locale information provided")
    for tag in tags:
        parts = tag.split("-")
        language = parts[0].lower()
        region = next((p.upper() for p in parts[1:] if len(p) == 2), None)
        if region and f"{language}-{region}" in _LOCALES:
            return _LOCALES[f"{language}-{region}"]
        if language in _LANGUAGE_DEFAULTS:
            return _LOCALES[_LANGUAGE_DEFAULTS[language]]
    return _LOCALES["en-US"]


def _options(options: Any, required: Required) -> dict[str, Any]:
    if options is UNDEFINED:
        chosen: dict[str, Any] = {}
    elif options is None:
        raise PipeTypeError("Cannot convert undefined or null to object")
    elif isinstance(options, dict):
        chosen = {k: v for k, v in options.items() if v is not UNDEFINED}
    else:
        chosen = {}
    if required == "date" and "timeStyle" in chosen:
        raise PipeTypeError("Invalid option : timeStyle")
    if required == "time" and "dateStyle" in chosen:
        raise PipeTypeError("Invalid option : dateStyle")
    styled = "dateStyle" in chosen or "timeStyle" in chosen
    if styled:
        for field in (*_DATE_FIELDS, *_TIME_FIELDS):
            if field in chosen:
                raise PipeTypeError(f"Can't set option {field} when "
                                    f"{'dateStyle' if 'dateStyle' in chosen else 'timeStyle'}"
                                    " is used")
        return chosen
    need_date = required in ("any", "date") and not any(f in chosen for f in _DATE_FIELDS)
    need_time = required in ("any", "time") and not any(f in chosen for f in _TIME_FIELDS)
    if required == "any":
        need_date = need_time = need_date and need_time
    if need_date:
        chosen.update(year="numeric", month="numeric", day="numeric")
    if need_time:
        chosen.update(hour="numeric", minute="numeric", second="numeric")
    return chosen


def _zone(options: dict[str, Any]) -> ZoneInfo | None:
    name = options.get("timeZone", UNDEFINED)
    if is_nullish(name):
        return None
    text = to_string(name)
    if text.upper() in ("UTC", "GMT", "ETC/UTC", "ETC/GMT"):
        return None
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise PipeRangeError(f"Invalid time zone specified: {text}") from None


# en-US shows these abbreviations; every other zone is written as a GMT offset
_US_ZONE_NAMES: Final = {
    "EST": "Eastern Standard Time", "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time", "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time", "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time", "PDT": "Pacific Daylight Time",
    "AKST": "Alaska Standard Time", "AKDT": "Alaska Daylight Time",
    "HST": "Hawaii-Aleutian Standard Time", "HDT": "Hawaii-Aleutian Daylight Time",
    "AST": "Atlantic Standard Time", "ADT": "Atlantic Daylight Time",
}
# long names ICU gives common zones outside the US, keyed by (abbreviation, region)
_LONG_ZONE_NAMES: Final = {
    ("GMT", "Europe"): "Greenwich Mean Time", ("BST", "Europe"): "British Summer Time",
    ("IST", "Europe"): "Irish Standard Time",
    ("WET", "Europe"): "Western European Standard Time",
    ("WEST", "Europe"): "Western European Summer Time",
    ("CET", "Europe"): "Central European Standard Time",
    ("CEST", "Europe"): "Central European Summer Time",
    ("EET", "Europe"): "Eastern European Standard Time",
    ("EEST", "Europe"): "Eastern European Summer Time",
    ("MSK", "Europe"): "Moscow Standard Time",
    ("IST", "Asia"): "India Standard Time", ("JST", "Asia"): "Japan Standard Time",
    ("KST", "Asia"): "Korean Standard Time", ("CST", "Asia"): "China Standard Time",
    ("HKT", "Asia"): "Hong Kong Standard Time", ("PKT", "Asia"): "Pakistan Standard Time",
    ("AEST", "Australia"): "Australian Eastern Standard Time",
    ("AEDT", "Australia"): "Australian Eastern Daylight Time",
    ("ACST", "Australia"): "Australian Central Standard Time",
    ("ACDT", "Australia"): "Australian Central Daylight Time",
    ("AWST", "Australia"): "Australian Western Standard Time",
    ("NZST", "Pacific"): "New Zealand Standard Time",
    ("NZDT", "Pacific"): "New Zealand Daylight Time",
    ("SAST", "Africa"): "South Africa Standard Time", ("CAT", "Africa"): "Central Africa Time",
    ("EAT", "Africa"): "East Africa Time", ("WAT", "Africa"): "West Africa Standard Time",
}
# zones whose tz abbreviation is only an offset ('-03') but that ICU names in full
_ZONE_KEY_NAMES: Final = {
    "America/Sao_Paulo": "Brasilia Standard Time",
    "America/Argentina/Buenos_Aires": "Argentina Standard Time",
    "America/Bogota": "Colombia Standard Time", "America/Lima": "Peru Standard Time",
    "Asia/Dubai": "Gulf Standard Time", "Asia/Singapore": "Singapore Standard Time",
    "Asia/Bangkok": "Indochina Time", "Asia/Ho_Chi_Minh": "Indochina Time",
}
_UTC_NAMES: Final = ("UTC", "Coordinated Universal Time")
ZoneNames = tuple[str, str]  # short, long


def _offset_and_name(t: float, zone: ZoneInfo | None) -> tuple[int, ZoneNames]:
    """Offset in ms and the short/long zone names at epoch ms ``t``."""
    if zone is None:
        return 0, _UTC_NAMES
    year = year_from_time(t)
    if not 2 <= year <= 9999:
        # datetime stops at 1..9999; the zone's rules at the same date of the nearest
        # representable year stand in, as ICU extends the first and last rules
        stand_in = max(2, min(9999, year))
        month, dom = month_from_time(t) + 1, min(date_from_time(t), 28)
        t = float(make_date(make_day(stand_in, month - 1, dom), t % 86_400_000))
    try:
        moment = datetime.fromtimestamp(t / 1000, UTC).astimezone(zone)
    except (OverflowError, ValueError, OSError):
        return 0, _UTC_NAMES
    offset = moment.utcoffset()
    offset_ms = 0 if offset is None else int(offset.total_seconds() * 1000)
    abbreviation = moment.tzname() or ""
    key = zone.key
    if abbreviation in _US_ZONE_NAMES and key.startswith(("America/", "US/", "Pacific/Hon")):
        return offset_ms, (abbreviation, _US_ZONE_NAMES[abbreviation])
    total_seconds = abs(offset_ms) // 1000
    hours, rest = divmod(total_seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    sign = "+" if offset_ms >= 0 else "-"
    if offset_ms == 0:
        short = "GMT"
        generic = "GMT"
    else:
        tail = f":{minutes:02d}" + (f":{seconds:02d}" if seconds else "")
        short = f"GMT{sign}{hours}" + (tail if minutes or seconds else "")
        generic = f"GMT{sign}{hours:02d}{tail}"
    named = (_LONG_ZONE_NAMES.get((abbreviation, key.split("/")[0]))
             or _ZONE_KEY_NAMES.get(key))
    return offset_ms, (short, named or generic)


def _numeric_date(locale: _Locale, opts: dict[str, Any], t: float) -> str:
    values = {
        "y": _year(opts.get("year"), t),
        "M": _two(opts.get("month"), month_from_time(t) + 1, "M" if "MM" not in locale.numeric
                  else "MM"),
        "d": _two(opts.get("day"), date_from_time(t), "d" if "dd" not in locale.numeric
                  else "dd"),
    }
    tokens = re.findall(r"y|MM|M|dd|d|[^yMd]+", locale.numeric)
    out: list[str] = []
    pending_sep = ""
    printed_last = False
    for token in tokens:
        key = token[0]
        if key in "yMd":
            field = {"y": "year", "M": "month", "d": "day"}[key]
            printed_last = field in opts
            if printed_last:
                if out:
                    out.append(pending_sep)
                out.append(values[key])
            pending_sep = ""
        else:
            pending_sep = token
    if pending_sep and printed_last:
        out.append(pending_sep.rstrip())  # ko-KR ends its dates with '.'
    return "".join(out)


def _year(style: Any, t: float) -> str:
    year = year_from_time(t)
    if year <= 0:
        year = 1 - year  # ICU shows the era year: astronomical -1 is 2 BC
    return f"{year % 100:02d}" if style == "2-digit" else str(year)


def _two(style: Any, value: int, token: str) -> str:
    return f"{value:02d}" if style == "2-digit" or len(token) == 2 else str(value)


def _text_date(opts: dict[str, Any], t: float) -> str:
    month_style = opts.get("month")
    month = MONTH_NAMES[month_from_time(t)]
    if month_style == "short":
        month = month[:3]
    elif month_style == "narrow":
        month = month[0]
    day = _two(opts.get("day"), date_from_time(t), "d") if "day" in opts else ""
    year = _year(opts.get("year"), t) if "year" in opts else ""
    text = month
    if day:
        text += f" {day}"
    if year:
        text += f", {year}" if day else f" {year}"
    return text


def _weekday(style: Any, t: float) -> str:
    name = WEEKDAY_NAMES[week_day(t)]
    if style == "long":
        return name
    return name[0] if style == "narrow" else name[:3]


def _date_part(locale: _Locale, opts: dict[str, Any], t: float) -> str:
    parts: list[str] = []
    if any(f in opts for f in ("year", "month", "day")):
        if opts.get("month") in ("long", "short", "narrow"):
            parts.append(_text_date(opts, t))
        else:
            parts.append(_numeric_date(locale, opts, t))
    if "weekday" in opts:
        parts.insert(0, _weekday(opts["weekday"], t))
    return ", ".join(parts)


def _hour_cycle(locale: _Locale, opts: dict[str, Any]) -> str:
    if "hour12" in opts:
        # ICU quirks kept by Node: a 12-hour locale asked for hour12:false counts 1..24,
        # a 24-hour locale asked for hour12:true counts 0..11
        if truthy(opts["hour12"]):
            return "h12" if locale.hour12 else "h11"
        return "h24" if locale.hour12 else "h23"
    cycle = opts.get("hourCycle")
    if cycle in ("h11", "h12", "h23", "h24"):
        return str(cycle)
    return "h12" if locale.hour12 else "h23"


def _time_part(locale: _Locale, opts: dict[str, Any], t: float, zone_name: ZoneNames) -> str:
    pieces: list[str] = []
    cycle = _hour_cycle(locale, opts)
    twelve = cycle in ("h11", "h12")
    hour = hour_from_time(t)
    if "hour" in opts:
        if twelve:
            shown = hour % 12 if cycle == "h11" else hour % 12 or 12
            padded = opts["hour"] == "2-digit" and cycle == "h12"
            pieces.append(f"{shown:02d}" if padded else str(shown))
        else:
            shown = hour or 24 if cycle == "h24" else hour
            padded = locale.pad_hour24 or opts["hour"] == "2-digit"
            pieces.append(f"{shown:02d}" if padded else str(shown))
    if "minute" in opts:
        minute = min_from_time(t)
        pieces.append(f"{minute:02d}" if pieces or opts["minute"] == "2-digit" else str(minute))
    if "second" in opts:
        second = sec_from_time(t)
        pieces.append(f"{second:02d}" if pieces or opts["second"] == "2-digit" else str(second))
    text = ":".join(pieces)
    digits = opts.get("fractionalSecondDigits")
    if isinstance(digits, int) and 1 <= digits <= 3:
        text += "." + f"{ms_from_time(t):03d}"[:digits]
    if "hour" in opts and twelve:
        period = locale.am if hour < 12 else locale.pm
        if locale.period_first is None:
            text = f"{text} {period}"
        else:
            text = f"{period}{locale.period_first}{text}"
    zone_style = opts.get("timeZoneName")
    if zone_style is not None and text:
        text += f" {zone_name[1] if zone_style == 'long' else zone_name[0]}"
    return text


_DATE_STYLES: Final = {
    "full": {"weekday": "long", "month": "long", "day": "numeric", "year": "numeric"},
    "long": {"month": "long", "day": "numeric", "year": "numeric"},
    "medium": {"month": "short", "day": "numeric", "year": "numeric"},
    "short": {"month": "numeric", "day": "numeric", "year": "2-digit"},
}
_TIME_STYLES: Final = {
    "full": {"hour": "numeric", "minute": "2-digit", "second": "2-digit",
             "timeZoneName": "long"},
    "long": {"hour": "numeric", "minute": "2-digit", "second": "2-digit",
             "timeZoneName": "short"},
    "medium": {"hour": "numeric", "minute": "2-digit", "second": "2-digit"},
    "short": {"hour": "numeric", "minute": "2-digit"},
}


def _style(table: dict[str, dict[str, str]], name: Any, option: str) -> dict[str, str]:
    if name not in table:
        raise PipeRangeError(f"Value {to_string(name)} out of range for Intl.DateTimeFormat"
                             f" options property {option}")
    return dict(table[name])


def _joiner(locale: _Locale, opts: dict[str, Any]) -> str:
    """ICU's glue between date and time, which depends on how wordy the date is."""
    if locale is not _LOCALES["en-US"]:
        return locale.joiner
    if opts.get("month") == "long":
        return " at "
    if not any(f in opts for f in ("year", "month", "day")):
        return " "  # a weekday alone joins the time with a space
    return locale.joiner


def format_locale(time: float, locales: Any, options: Any, required: Required) -> str:
    """``toLocaleString`` (``any``), ``toLocaleDateString`` (``date``), ``…TimeString``."""
    if math.isnan(time):
        return "Invalid Date"
    if options is None:  # V8 converts the options before it looks at the locales
        raise PipeTypeError("Cannot convert undefined or null to object")
    # '' is not a language tag (RangeError); V8 sometimes lets it through a formatter
    # cached under '' by an earlier default-locale call, which the port does not mimic
    locale = _resolve_locale(locales)
    opts = _options(options, required)
    zone = _zone(opts)
    offset_ms, zone_name = _offset_and_name(time, zone)
    local = time + offset_ms
    if "dateStyle" in opts or "timeStyle" in opts:
        date_style, time_style = opts.get("dateStyle"), opts.get("timeStyle")
        hour_opts: dict[str, Any] = {k: opts[k] for k in ("hour12", "hourCycle") if k in opts}
        date_text = (_date_part(locale, _style(_DATE_STYLES, date_style, "dateStyle"), local)
                     if date_style is not None else "")
        time_text = (_time_part(locale, {**_style(_TIME_STYLES, time_style, "timeStyle"),
                                         **hour_opts}, local, zone_name)
                     if time_style is not None else "")
        if date_text and time_text:
            joiner = " at " if date_style in ("full", "long") else locale.joiner
            return f"{date_text}{joiner}{time_text}"
        return date_text or time_text
    date_text = _date_part(locale, opts, local)
    time_text = _time_part(locale, opts, local, zone_name)
    if date_text and time_text:
        return f"{date_text}{_joiner(locale, opts)}{time_text}"
    if not time_text and opts.get("timeZoneName") is not None:
        return f"{date_text}, {zone_name[1] if opts['timeZoneName'] == 'long' else zone_name[0]}"
    return date_text or time_text
