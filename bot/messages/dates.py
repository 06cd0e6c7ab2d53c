"""Instants as `Time` runs: each platform may show them in the reader's own zone; the fallback text is
the webinar's local time (`14:00 CEST`), for platforms and clients that cannot."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from bot.chat.message import Time

FALLBACK_FORMATS = {
    "time": "%H:%M",
    "datetime": "%a %d %b %Y %H:%M",
    "date": "%A %d %B %Y",
}


def local_text(ts: int, tz: tzinfo, strftime: str) -> str:
    local = datetime.fromtimestamp(ts, UTC).astimezone(tz)
    zone = local.tzname() or ""
    return f"{local.strftime(strftime)} {zone}".strip() if "%H" in strftime else local.strftime(strftime)


def time_run(ts: int, tz: tzinfo, style: str = "time") -> Time:
    """A `Time` for `ts` in one of the styles time, datetime, date, with the local fallback."""
    return Time(datetime.fromtimestamp(int(ts), UTC), style, local_text(int(ts), tz, FALLBACK_FORMATS[style]))
