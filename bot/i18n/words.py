"""`Words`: one reader's language: its short strings (gettext) and how it writes times, dates and
durations (Babel, never by hand).

A view takes the reader's `Words` as `w` and writes `w("Register")`; `w.plural(...)` picks a plural
form; `w.time(...)`, `w.date(...)`, `w.duration(...)` format. The extraction keywords are `w` and
`plural` (see the Makefile's `messages` target).
"""

from __future__ import annotations

import gettext
from datetime import datetime, timedelta, tzinfo
from typing import Literal

from babel.dates import format_date, format_datetime, format_time
from babel.lists import format_list
from babel.units import format_unit

from bot.i18n.languages import Language, language


def N_(message: str) -> str:
    """Marks a string for the catalogues where it is defined, translated later where it is shown
    (`w(SORRY)`); it returns the string unchanged."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a singular and plural pair for the catalogues, chosen later by a count."""
    return singular, plural


class Words:
    def __init__(self, code: str, translations: gettext.NullTranslations | None = None) -> None:
        self.language: Language = language(code)
        self.code = self.language.code
        self._translations = translations or gettext.NullTranslations()

    def __call__(self, message: str) -> str:
        return self._translations.gettext(message)

    def plural(self, singular: str, plural: str, count: int) -> str:
        return self._translations.ngettext(singular, plural, count)

    def __repr__(self) -> str:
        return f"Words({self.code!r})"

    # -- times, dates, durations -----------------------------------------------------------------

    def time(self, when: datetime, tz: tzinfo | None = None) -> str:
        """`14:30`, `14 h 30`, `14:30` (with the zone's abbreviation when `tz` is given)."""
        local = when.astimezone(tz) if tz is not None else when
        text = format_time(local, self.language.time_pattern, locale=self.language.locale)
        zone = local.tzname() if tz is not None else None
        return f"{text} {zone}" if zone else text

    def date(self, when: datetime, tz: tzinfo | None = None, weekday: bool = False) -> str:
        """`23 October 2018`, `23 octobre 2018`, `23 de octubre de 2018` (`weekday`: the full form)."""
        local = when.astimezone(tz) if tz is not None else when
        return format_date(local, "full" if weekday else "long", locale=self.language.locale)

    def short_date(self, when: datetime, tz: tzinfo | None = None) -> str:
        """`12 Oct`, `12 oct.`: a day in running text ("confirmed in chat on 12 Oct")."""
        local = when.astimezone(tz) if tz is not None else when
        return format_datetime(local, "d MMM", locale=self.language.locale)

    def datetime(self, when: datetime, tz: tzinfo | None = None) -> str:
        """`Tuesday, 23 October 2018, 14:00 CEST`: a date and a time."""
        return f"{self.date(when, tz, weekday=True)}, {self.time(when, tz)}"

    def duration(self, delta: timedelta | float, short: bool = False) -> str:
        """`1 hour and 30 minutes`, `1 heure et 30 minutes`, `5 minutos`; `short`: `1 h, 30 min`.

        Days, hours, minutes and seconds, each a CLDR unit joined by the language's list pattern:
        Babel's `format_timedelta` rounds to one unit (90 minutes would be "2 hours")."""
        seconds = round(delta.total_seconds() if isinstance(delta, timedelta) else float(delta))
        sign = "-" if seconds < 0 else ""
        seconds = abs(seconds)
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, secs = divmod(rest, 60)
        length: Literal["short", "long"] = "short" if short else "long"
        units = (("day", days), ("hour", hours), ("minute", minutes), ("second", secs))
        parts = [
            format_unit(value, f"duration-{unit}", length=length, locale=self._unit_locale(short))
            for unit, value in units
            if value
        ] or [format_unit(0, "duration-second", length=length, locale=self._unit_locale(short))]
        if len(parts) == 1:
            return sign + parts[0]
        if short:
            return sign + ", ".join(parts)
        return sign + format_list(parts, style="standard", locale=self.language.locale)

    def _unit_locale(self, short: bool) -> str:
        # British English abbreviates "5 mins"; the short forms the bot shows are "5 min" everywhere.
        return "en" if short and self.code == "en" else self.language.locale

    def number(self, value: int) -> str:
        from babel.numbers import format_decimal

        return format_decimal(value, locale=self.language.locale)
