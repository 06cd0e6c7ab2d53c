"""Durations and clock times as schedules write them: `5`, `5m`, `90s`, `1h30m`, `7d`, `14:00-14:10`."""

from __future__ import annotations

import re
from datetime import time, timedelta

_UNITS = {
    "w": 604800,
    "week": 604800,
    "weeks": 604800,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]*)")
_ISO = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


class BadValue(ValueError):
    """A value that does not parse; its message says what was expected."""


def parse_duration(value: object, *, default_unit: str = "m") -> timedelta:
    """Parse `5` (minutes), `5m`, `90s`, `1h`, `1h30m`, `1 h 30 min`, `7d`, `2w`, `PT5M`, `-5m`.

    A bare number means minutes (the unit schedules use for slots); negative values parse so that
    validation can say *why* they are wrong (a reminder after the start).
    """
    if isinstance(value, bool) or value is None:
        raise BadValue(f"expected a duration like 5, 5m, 90s or 1h, got {value!r}")
    if isinstance(value, int | float):
        return timedelta(seconds=float(value) * _UNITS[default_unit])
    text = str(value).strip().lower()
    if not text:
        raise BadValue("expected a duration like 5, 5m, 90s or 1h, got an empty value")
    sign = 1
    if text[0] in "+-":
        sign = -1 if text[0] == "-" else 1
        text = text[1:].strip()
    iso = _ISO.match(text.upper())
    if iso and text.upper() != "P" and any(iso.groups()):
        w, d, h, m, s = (int(g) if g else 0 for g in iso.groups())
        return sign * timedelta(weeks=w, days=d, hours=h, minutes=m, seconds=s)
    total = 0.0
    pos = 0
    parts = 0
    for match in _PART.finditer(text):
        if text[pos : match.start()].strip():
            break
        number, unit = match.groups()
        if unit and unit not in _UNITS:
            raise BadValue(f"unknown unit {unit!r} in duration {value!r} (use s, m, h, d or w)")
        total += float(number) * _UNITS[unit or default_unit]
        pos = match.end()
        parts += 1
    if parts == 0 or text[pos:].strip():
        raise BadValue(f"expected a duration like 5, 5m, 90s or 1h, got {value!r}")
    if total > 366 * 86400:
        raise BadValue(f"duration {value!r} is longer than a year")
    return sign * timedelta(seconds=total)


_CLOCK = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?(?::(\d{2}))?\s*(am|pm)?$")


def parse_clock(text: str) -> time:
    """Parse a wall-clock time: `14:00`, `14.00`, `14h00`, `9:05:30`, `2pm`, `2:30 pm`."""
    raw = text.strip().lower().replace(" ", "")
    match = _CLOCK.match(raw)
    if not match:
        raise BadValue(f"expected a time like 14:00, got {text!r}")
    hour, minute, second, meridiem = match.groups()
    h, m, s = int(hour), int(minute or 0), int(second or 0)
    if minute is None and meridiem is None:
        raise BadValue(f"expected a time like 14:00, got {text!r}")
    if meridiem:
        if not 1 <= h <= 12:
            raise BadValue(f"{text!r}: hour must be 1-12 with am/pm")
        h = h % 12 + (12 if meridiem == "pm" else 0)
    if h == 24 and m == 0 and s == 0:
        raise BadValue(f"{text!r}: write 00:00 (the next day) rather than 24:00")
    if h > 23 or m > 59 or s > 59:
        raise BadValue(f"{text!r} is not a time of day")
    return time(h, m, s)


_RANGE = re.compile(r"^\s*(.+?)\s*(?:-|–|—|to)\s*(.+?)\s*$")


def parse_time_range(value: object) -> tuple[time, time | None]:
    """Parse `14:00-14:10` (also with en dash or `to`) or a single `14:00`."""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        raise BadValue(f"expected a time like 14:00 or 14:00-14:10, got {value!r}")
    text = str(value).strip()
    match = _RANGE.match(text)
    if match and _CLOCK.match(match.group(1).lower().replace(" ", "")):
        return parse_clock(match.group(1)), parse_clock(match.group(2))
    return parse_clock(text), None


def format_duration(delta: timedelta) -> str:
    """`5 min`, `1 h 20 min`, `90 s` -> a short human form."""
    seconds = round(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 60:
        return f"{sign}{seconds} s"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if secs:
        parts.append(f"{secs} s")
    return sign + " ".join(parts)
