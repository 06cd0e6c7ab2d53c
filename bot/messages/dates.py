"""Instants as `Time` runs: each platform may show them in the reader's own zone; the fallback text is
the webinar's local time written the way the reader's language writes it (`14:00 CEST`,
`14 h 00 CEST`), for platforms and clients that cannot."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from bot.chat.message import Time
from bot.i18n.words import Words

STYLES = ("time", "datetime", "date")


def local_text(ts: int, tz: tzinfo, style: str, words: Words) -> str:
    when = datetime.fromtimestamp(ts, UTC)
    if style == "time":
        return words.time(when, tz)
    if style == "datetime":
        return words.datetime(when, tz)
    return words.date(when, tz, weekday=True)


def time_run(ts: int, tz: tzinfo, style: str, words: Words) -> Time:
    """A `Time` for `ts` in one of the styles time, datetime, date, with the local fallback."""
    if style not in STYLES:
        raise ValueError(f"unknown time style {style!r}")
    return Time(datetime.fromtimestamp(int(ts), UTC), style, local_text(int(ts), tz, style, words))
