"""Duration strings (``"5 seconds"``, ``"1 month"``) to seconds, strictly.

HotMesh used the ``ms`` package, which returns NaN for anything it does not know (and had
no months); here garbage raises ``ValueError`` naming the string.
"""

from __future__ import annotations

import math
import re

__all__ = ["parse_duration"]

_UNITS_S: dict[str, float] = {}
for _names, _seconds in (
    (("ms", "msec", "msecs", "millisecond", "milliseconds"), 0.001),
    (("s", "sec", "secs", "second", "seconds"), 1.0),
    (("m", "min", "mins", "minute", "minutes"), 60.0),
    (("h", "hr", "hrs", "hour", "hours"), 3600.0),
    (("d", "day", "days"), 86400.0),
    (("w", "wk", "wks", "week", "weeks"), 604800.0),
    (("mo", "month", "months"), 30 * 86400.0),
    (("y", "yr", "yrs", "year", "years"), 365.25 * 86400.0),
):
    for _name in _names:
        _UNITS_S[_name] = _seconds

_DURATION_RE = re.compile(r"^\s*(-?(?:\d+(?:\.\d*)?|\.\d+))\s*([a-z]*)\s*$", re.IGNORECASE)


def parse_duration(value: str | int | float) -> float:
    """Seconds for a duration string or number (numbers are already seconds).

    A bare number string (``"90"``) is milliseconds, as in ``ms``. Raises ``ValueError``
    naming the value for anything unparseable, negative or not finite.
    """
    if isinstance(value, bool):
        raise ValueError(f"sleep_for duration {value!r} is not a duration")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        match = _DURATION_RE.match(value)
        if not match:
            raise ValueError(f"sleep_for duration {value!r} does not parse (e.g. '5 seconds')")
        amount, unit = float(match.group(1)), match.group(2).lower()
        if unit == "":
            seconds = amount / 1000.0
        elif unit in _UNITS_S:
            seconds = amount * _UNITS_S[unit]
        else:
            raise ValueError(f"sleep_for duration {value!r} has an unknown unit {unit!r}")
    else:
        raise ValueError(f"sleep_for duration {value!r} ({type(value).__name__}) is not a duration")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"sleep_for duration {value!r} must be a finite, non-negative time")
    return seconds
