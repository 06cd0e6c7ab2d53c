"""Read an iCalendar file into an `Agenda`: the timed events of one day become its items.

A calendar is not a schedule: it spans many days, repeats, mixes all-day entries with meetings and
carries no channels or Slack ids. So one day is chosen (`day`, else the first with a timed event),
recurring events are expanded in bounded windows only (never an open-ended iteration), and a
`--defaults` header fills what a calendar cannot say. Real exports are often a little broken (end
before start, misspelt RRULE parts, custom time zones, missing END lines): each problem becomes a
`Problem` naming the event and its line, and only a file that is not iCalendar at all is
`ScheduleUnreadable`. The `icalendar` package parses; `recurring_ical_events` expands repetitions.
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from icalendar.timezone import is_utc
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from bot.agenda.header import Header, resolve_timezone
from bot.agenda.keys import KeyMaker, slugify
from bot.agenda.localtime import NonexistentTime, local_instant
from bot.agenda.model import Connection, Item
from bot.agenda.problems import Problems, ScheduleUnreadable
from bot.agenda.yaml_loader import LoadResult, build_agenda, read_text
from bot.files import MAX_CALENDAR_BYTES

SCAN_LIMIT = timedelta(days=2 * 366)  # how far past the earliest event the first usable day is looked for
MAX_OCCURRENCES_A_DAY = 200  # a series repeating more often than this on one day is not an agenda
# What malformed calendar data raises from icalendar, dateutil and recurring_ical_events (their own
# errors derive from ValueError); caught per event so that one bad event never hides the others.
BAD_DATA: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    OverflowError,
    KeyError,
    IndexError,
    AttributeError,
)
# The exporter marks its events, so that a round trip drops the whole-webinar envelope event.
PART = "X-WEBINAR-BOT-PART"
KEY = "X-WEBINAR-BOT-KEY"
_PLATFORMS = (
    ("zoom.", "Zoom"),
    ("webex.", "WebEx"),
    ("teams.microsoft.", "Microsoft Teams"),
    ("teams.live.", "Microsoft Teams"),
    ("meet.google.", "Google Meet"),
    ("meet.jit.si", "Jitsi"),
    ("gotomeeting.", "GoToMeeting"),
    ("bigbluebutton", "BigBlueButton"),
)
_TEXT_ESCAPE = re.compile(r"\\([\\;,nN])")  # RFC 5545 TEXT escapes, undone in one pass
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
_CHECKED = ("DTSTART", "DTEND", "DURATION", "RRULE", "RECURRENCE-ID")  # their errors are reported as such
_RRULE_PARTS = (
    "FREQ",
    "UNTIL",
    "COUNT",
    "INTERVAL",
    "BYSECOND",
    "BYMINUTE",
    "BYHOUR",
    "BYDAY",
    "BYMONTHDAY",
    "BYYEARDAY",
    "BYWEEKNO",
    "BYMONTH",
    "BYSETPOS",
    "WKST",
    "RSCALE",
    "SKIP",
)


class _BadEvent(ValueError):
    """One event cannot be used; the message says why, for a moderator."""

    def __init__(self, message: str, prop: str | None = None) -> None:
        super().__init__(message)
        self.prop = prop


# -- where things are in the raw text --------------------------------------------------------------


@dataclass
class _Record:
    """One VEVENT in the raw text: its BEGIN line, its UID and its (unfolded) property lines."""

    begin: int
    uid: str = ""
    props: list[tuple[int, str]] = field(default_factory=list)

    def line_of(self, name: str) -> int:
        for line, content in self.props:
            if _property_name(content) == name:
                return line
        return self.begin

    def line_containing(self, text: str) -> int:
        for line, content in self.props:
            if text and text in content:
                return line
        return self.begin


def _property_name(content: str) -> str:
    return re.split(r"[;:]", content, maxsplit=1)[0].strip().upper()


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Unfolded content lines with the number of the physical line each starts on."""
    start, parts = 0, list[str]()
    for number, physical in enumerate(re.split(r"\r\n|\n|\r", text), start=1):
        if physical[:1] in (" ", "\t") and parts:
            parts.append(physical[1:])
            continue
        if parts:
            yield start, "".join(parts)
        start, parts = number, [physical]
    if parts:
        yield start, "".join(parts)


def _scan(text: str) -> tuple[list[_Record], list[str]]:
    """Every VEVENT's place in the text, and the components left open at the end (a cut-off file)."""
    records: list[_Record] = []
    stack: list[str] = []
    for line, content in _logical_lines(text):
        name = _property_name(content)
        value = content.split(":", 1)[1].strip() if ":" in content else ""
        if name == "BEGIN":
            stack.append(value.upper())
            if value.upper() == "VEVENT":
                records.append(_Record(line))
            continue
        if name == "END":
            if stack:
                stack.pop()
            continue
        if stack and stack[-1] == "VEVENT" and records:
            records[-1].props.append((line, content))
            if name == "UID" and not records[-1].uid:
                records[-1].uid = value
    return records, stack


# -- parsing ---------------------------------------------------------------------------------------


@dataclass
class _Parsed:
    calendar: icalendar.Component  # the (first) VCALENDAR, for its X-WR-* properties
    events: list[icalendar.Component]
    records: list[_Record | None]


def _parse(file: str, text: str, problems: Problems) -> _Parsed:
    """The calendar's events with their places; ScheduleUnreadable when it is not iCalendar at all."""
    lines = [(n, c) for n, c in _logical_lines(text) if c.strip()]
    if not lines:
        raise ScheduleUnreadable(file, "is empty: an iCalendar file starts with BEGIN:VCALENDAR")
    first_line, first = lines[0]
    if first.strip().upper() not in ("BEGIN:VCALENDAR", "BEGIN:VEVENT"):
        raise ScheduleUnreadable(
            file,
            f"is not an iCalendar file: it should start with BEGIN:VCALENDAR, not '{_short(first, 40)}'",
            first_line,
        )
    records, unclosed = _scan(text)
    if unclosed:
        ends = [f"END:{name}" for name in reversed(unclosed)]
        problems.warning(
            f"the file ends without {', '.join(ends)} (cut off?); reading what is there", lines[-1][0]
        )
        text = "\r\n".join([text.rstrip("\r\n"), *ends, ""])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            components = icalendar.Calendar.from_ical(text.encode("utf-8"), multiple=True)
        except Exception as exc:  # icalendar's errors on malformed input are not one type
            raise ScheduleUnreadable(file, f"is not valid iCalendar: {_short(str(exc), 160)}") from exc
    for warning in caught:
        problems.warning(f"iCalendar: {_short(str(warning.message), 200)}")
    for component in components:
        for part in component.walk():
            if part.errors and part.name not in ("VEVENT", "VALARM"):
                problems.warning(
                    f"{part.name}: {len(part.errors)} unreadable line(s) ignored "
                    f"({_short(part.errors[0][1], 120)})"
                )
    calendars = [c for c in components if c.name == "VCALENDAR"]
    events: list[icalendar.Component] = []
    for component in components:
        if component.name == "VCALENDAR":
            events.extend(component.walk("VEVENT"))
        elif component.name == "VEVENT":
            events.append(component)
    if not calendars:
        if not events:
            raise ScheduleUnreadable(file, "holds no VCALENDAR: it is not an iCalendar file")
        problems.warning(
            "the file holds bare VEVENTs without BEGIN:VCALENDAR; reading them as a calendar", first_line
        )
    elif len(calendars) > 1:
        problems.warning(f"the file holds {len(calendars)} calendars; reading the events of all of them")
    calendar = calendars[0] if calendars else icalendar.Calendar()
    return _Parsed(calendar, events, _match_records(events, records))


def _match_records(events: list[icalendar.Component], records: list[_Record]) -> list[_Record | None]:
    """The raw-text record of each parsed event: by position, or by UID if the counts differ."""
    if len(records) == len(events):
        return list(records)
    by_uid: dict[str, list[_Record]] = {}
    for record in records:
        by_uid.setdefault(record.uid, []).append(record)
    matched: list[_Record | None] = []
    for event in events:
        candidates = by_uid.get(str(event.get("UID", "")).strip(), [])
        matched.append(candidates.pop(0) if candidates else None)
    return matched


# -- events ----------------------------------------------------------------------------------------


@dataclass
class _Event:
    """A VEVENT component as read, with what the loader needs to talk about it."""

    component: icalendar.Component
    record: _Record | None
    index: int
    summary: str
    uid: str
    start: date | datetime | None = None
    broken: _BadEvent | None = None

    @property
    def line(self) -> int | None:
        return self.record.begin if self.record else None

    def line_of(self, prop: str | None) -> int | None:
        if self.record is None:
            return None
        return self.record.line_of(prop) if prop else self.record.begin

    @property
    def label(self) -> str:
        return _label(self.summary)

    @property
    def timed(self) -> bool:
        return isinstance(self.start, datetime)

    @property
    def recurrence_id(self) -> object:
        try:
            return _read_dt(self.component, "RECURRENCE-ID")
        except _BadEvent:
            return None

    @property
    def repeats(self) -> bool:
        return any(name in self.component for name in ("RRULE", "RDATE"))


def _label(summary: str) -> str:
    return f'event "{_short(summary, 60)}"' if summary else "untitled event"


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(component: icalendar.Component, name: str) -> str:
    """A property as text; NAME and X- properties (X-WR-CALNAME...) come raw from icalendar: unescape."""
    value = component.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return ""
    if isinstance(value, icalendar.vUnknown):
        return _TEXT_ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), str(value)).strip()
    return str(value).strip()


def _read_dt(component: icalendar.Component, name: str) -> date | datetime | None:
    """A DATE or DATE-TIME property's value; _BadEvent when it is there but unreadable."""
    prop = component.get(name)
    if isinstance(prop, list):
        prop = prop[0] if prop else None
    if prop is None:
        return None
    try:
        value = prop.dt
    except BAD_DATA as exc:
        raise _BadEvent(f"{name} cannot be read ({_cause(exc)})", name) from exc
    if isinstance(value, date):
        return value
    raise _BadEvent(f"{name} must be a date or a date and time, not '{_short(str(prop), 40)}'", name)


def _read_duration(component: icalendar.Component) -> timedelta | None:
    prop = component.get("DURATION")
    if prop is None:
        return None
    try:
        value = prop.dt
    except BAD_DATA as exc:
        raise _BadEvent(f"DURATION cannot be read ({_cause(exc)})", "DURATION") from exc
    if not isinstance(value, timedelta):
        raise _BadEvent(
            f"DURATION must be a duration such as PT1H, not '{_short(str(prop), 40)}'", "DURATION"
        )
    if value < timedelta(0):
        raise _BadEvent(f"DURATION {prop.to_ical().decode()} is negative", "DURATION")
    return value


def _cause(exc: BaseException) -> str:
    """icalendar's message without its preamble about broken properties."""
    message = str(exc)
    if "): " in message and message.startswith("Cannot access"):
        message = message.split("): ", 1)[1]
    return _short(message, 120)


def _read_events(parsed: _Parsed, problems: Problems) -> list[_Event]:
    """Every VEVENT with its start; what icalendar had to skip is reported, once per event."""
    events = []
    for index, (component, record) in enumerate(zip(parsed.events, parsed.records, strict=True)):
        event = _Event(component, record, index, _text(component, "SUMMARY"), _text(component, "UID"))
        for prop, message in component.errors:
            if prop in _CHECKED:
                continue
            line = record.line_of(prop) if (record and prop) else None
            if record and not prop:
                quoted = re.search(r"'([^']{4,})'", message)
                line = record.line_containing(quoted.group(1)) if quoted else record.begin
            what = f"{prop} could not be read" if prop else "a line could not be read"
            problems.warning(f"{what} and is ignored ({_short(message, 120)})", line, event.label)
        try:
            event.start = _read_dt(component, "DTSTART")
        except _BadEvent as exc:
            event.broken = exc
        _repair_rrule(event, problems)
        events.append(event)
    return events


def _repair_rrule(event: _Event, problems: Problems) -> None:
    """Exchange's CDO writes `BYDAY=MO, TU`: spaces no RRULE may hold. Read it without them."""
    rule = event.component.get("RRULE")
    if not isinstance(rule, icalendar.vBroken) or not re.search(r"\s", str(rule)):
        return
    try:
        repaired = icalendar.vRecur.from_ical(re.sub(r"\s+", "", str(rule)))
    except BAD_DATA:
        return
    event.component.pop("RRULE")
    event.component.add("RRULE", repaired)
    problems.warning(
        "RRULE contains spaces, which RFC 5545 does not allow; read without them",
        event.line_of("RRULE"),
        event.label,
    )


# -- time zones ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Zones:
    display: tzinfo  # the agenda's zone: its day, its wall-clock times
    name: str
    floating: tzinfo  # where times without a zone are


def _iana(tzid: str) -> tuple[tzinfo, str] | None:
    for candidate in (tzid, WINDOWS_TO_OLSON.get(tzid.strip(), "")):
        if not candidate:
            continue
        try:
            tz, name, _ = resolve_timezone(candidate)
        except ValueError:
            continue
        return tz, name
    return None


def _zones(parsed: _Parsed, events: list[_Event], defaults: Header | None, problems: Problems) -> _Zones:
    """Defaults' timezone, else X-WR-TIMEZONE, else the first timed event's zone, else UTC."""
    x_wr: tuple[tzinfo, str] | None = None
    x_wr_name = _text(parsed.calendar, "X-WR-TIMEZONE")
    if x_wr_name:
        try:
            tz, name, note = resolve_timezone(x_wr_name)
            x_wr = (tz, name)
            if note:
                problems.warning(f"X-WR-TIMEZONE: {note}")
        except ValueError as exc:
            problems.warning(f"X-WR-TIMEZONE: {exc}; ignoring it")
    if defaults is not None and defaults.tz is not None and defaults.timezone:
        chosen: tuple[tzinfo, str] = (defaults.tz, defaults.timezone)
    elif x_wr is not None:
        chosen = x_wr
    else:
        chosen = _zone_of_first_event(events, problems) or (ZoneInfo("UTC"), "UTC")
    floating = x_wr[0] if x_wr is not None else chosen[0]
    return _Zones(chosen[0], chosen[1], floating)


def _zone_of_first_event(events: list[_Event], problems: Problems) -> tuple[tzinfo, str] | None:
    for event in events:
        start = event.start
        if event.broken or not isinstance(start, datetime) or start.tzinfo is None:
            continue
        if is_utc(start):
            continue  # a UTC time says nothing about where the webinar is
        tzid = str(getattr(event.component.get("DTSTART"), "params", {}).get("TZID", ""))
        key = str(getattr(start.tzinfo, "key", ""))
        known = _iana(key) if key else None
        known = known or (_iana(tzid) if tzid else None)
        if known is not None:
            return known
        return _fixed_offset_zone(tzid or str(start.tzname()), start, event, problems)
    return None


def _fixed_offset_zone(tzid: str, start: datetime, event: _Event, problems: Problems) -> tuple[tzinfo, str]:
    """A custom VTIMEZONE without an IANA name: its instants are right, but it needs a name to show."""
    offset = start.utcoffset() or timedelta(0)
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    whole = rest == 0 and hours != 0 and -12 <= hours <= 14
    name = f"Etc/GMT{-hours:+d}" if whole else "UTC"  # IANA's Etc zones count the other way round
    problems.warning(
        f"time zone '{tzid}' has no IANA name: event times are read from its VTIMEZONE and stay right, "
        f"but the agenda is shown in {name} (UTC{_offset(offset)} without daylight saving time); set "
        "'timezone:' in a --defaults file to choose the zone",
        event.line_of("DTSTART"),
        event.label,
    )
    return ZoneInfo(name), name


def _offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _instant(value: datetime, floating: tzinfo) -> tuple[datetime, str | None]:
    """The UTC instant of a calendar time (floating times are in `floating`); NonexistentTime in a gap."""
    return local_instant(value.date(), value.time(), value.tzinfo or floating)


# -- series and occurrences ------------------------------------------------------------------------


@dataclass
class _Series:
    """The events sharing one UID: a single event, or a master with its RECURRENCE-ID overrides."""

    events: list[_Event]

    @property
    def master(self) -> _Event:
        return next((e for e in self.events if e.recurrence_id is None), self.events[0])

    @property
    def recurring(self) -> bool:
        return len(self.events) > 1 or self.master.repeats

    def source_of(self, occurrence: icalendar.Component) -> _Event:
        """The override an occurrence comes from, else the master (for its line and name)."""
        rid = getattr(occurrence.get("RECURRENCE-ID"), "dt", None)
        for event in self.events:
            if event.recurrence_id is not None and rid is not None and event.recurrence_id == rid:
                return event
        return self.master

    def earliest(self) -> date | datetime:
        starts = [e.start for e in self.events if e.start is not None]
        return min(starts, key=_as_date)

    def query(self) -> Any:
        calendar = icalendar.Calendar()
        for event in self.events:
            calendar.add_component(event.component)
        return recurring_ical_events.of(calendar)


@dataclass
class _Occurrence:
    """One happening of an event: the expanded component and its own start and end."""

    event: _Event  # where it is written (the override, or the master)
    component: icalendar.Component
    start: date | datetime
    end: date | datetime | None

    @property
    def cancelled(self) -> bool:
        return _text(self.component, "STATUS").upper() == "CANCELLED"

    @property
    def summary(self) -> str:
        return _text(self.component, "SUMMARY") or self.event.summary


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _end_of(component: icalendar.Component, start: date | datetime) -> date | datetime | None:
    """DTEND, else DTSTART + DURATION, else None (RFC 5545: a timed event then ends when it starts)."""
    end = _read_dt(component, "DTEND")
    if end is not None:
        return end
    duration = _read_duration(component)
    if duration is None:
        return None
    try:
        return start + duration
    except OverflowError as exc:
        raise _BadEvent("DURATION goes past the end of the calendar (year 9999)", "DURATION") from exc


def _check(event: _Event, floating: tzinfo) -> None:
    """Raise _BadEvent for what makes an event unusable: unreadable end, end before start, bad RRULE."""
    if event.broken is not None:
        raise event.broken
    start = event.start
    assert start is not None
    rrule = event.component.get("RRULE")
    for rule in rrule if isinstance(rrule, list) else [rrule] if rrule is not None else []:
        if isinstance(rule, icalendar.vBroken):
            raise _BadEvent(
                f"RRULE '{_short(str(rule), 60)}' cannot be read ({_cause(rule.parse_error)})", "RRULE"
            )
        unknown = [part for part in rule if part.upper() not in _RRULE_PARTS]
        if unknown:
            close = difflib.get_close_matches(unknown[0].upper(), _RRULE_PARTS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise _BadEvent(f"RRULE has an unknown part '{unknown[0]}'{hint}", "RRULE")
        if str(rule.get("FREQ", [""])[0]).upper() == "SECONDLY":
            raise _BadEvent("RRULE repeats it every second: that is not an agenda", "RRULE")
    if not isinstance(start, datetime):
        return
    end = _end_of(event.component, start)
    if isinstance(end, datetime):
        try:
            begins, _ = _instant(start, floating)
            ends, _ = _instant(end, floating)
        except NonexistentTime:
            return  # reported with the occurrence, on the chosen day
        if ends < begins:
            prop = "DTEND" if "DTEND" in event.component else "DURATION"
            raise _BadEvent(
                f"ends at {end:%Y-%m-%d %H:%M}, before it starts at {start:%Y-%m-%d %H:%M} "
                f"({prop} before DTSTART)",
                prop,
            )


def _occurrences(series: _Series, start: datetime, stop: datetime) -> list[_Occurrence]:
    """The series' occurrences starting roughly between `start` and `stop` (the caller filters)."""
    if not series.recurring:
        event = series.master
        assert event.start is not None
        return [_Occurrence(event, event.component, event.start, _end_of(event.component, event.start))]
    found = []
    for component in series.query().between(start, stop):
        occurrence_start = _read_dt(component, "DTSTART")
        if occurrence_start is None:
            continue
        source = series.source_of(component)
        found.append(_Occurrence(source, component, occurrence_start, _end_of(component, occurrence_start)))
    if len(found) > 3 * MAX_OCCURRENCES_A_DAY:
        raise _BadEvent(f"repeats {len(found)} times in three days: that is not an agenda", "RRULE")
    return found


def _first_timed(series: _Series, limit: date) -> date | datetime | None:
    """The first timed, not cancelled occurrence of a series, if any before `limit`."""
    if not series.recurring:
        master = series.master
        if master.timed and _text(master.component, "STATUS").upper() != "CANCELLED":
            return master.start
        return None
    for component in series.query().after(series.earliest()):
        occurrence_start = _read_dt(component, "DTSTART")
        if occurrence_start is None:
            continue
        if _as_date(occurrence_start) > limit:
            return None
        if isinstance(occurrence_start, datetime) and _text(component, "STATUS").upper() != "CANCELLED":
            return occurrence_start
    return None


# -- the loader ------------------------------------------------------------------------------------


@dataclass
class _Day:
    """What the calendar holds on the chosen day, sorted out."""

    timed: list[tuple[_Occurrence, datetime, datetime]] = field(default_factory=list)
    all_day: list[_Occurrence] = field(default_factory=list)
    cancelled: list[_Occurrence] = field(default_factory=list)


class _CalendarReader:
    """Reads one calendar; one instance per file (it keeps that file's problems and zones)."""

    def __init__(self, path: Path, defaults: Header | None, problems: Problems) -> None:
        self.path = path
        self.defaults = defaults
        self.problems = problems
        utc = ZoneInfo("UTC")
        self.zones = _Zones(utc, "UTC", utc)  # until the calendar says otherwise

    def load(self, text: str, day: date | None) -> LoadResult:
        parsed = _parse(str(self.path), text, self.problems)
        events = _read_events(parsed, self.problems)
        self.zones = _zones(parsed, events, self.defaults, self.problems)
        series, broken = self._series(events)
        first_day, timed_count = self._first_day(series, broken)
        explicit = day is not None or (self.defaults is not None and self.defaults.date is not None)
        chosen = day or (self.defaults.date if self.defaults is not None else None) or first_day
        on_day = self._on_day(series, chosen, broken) if chosen is not None else _Day()
        self._report_broken(broken, chosen)
        items = self._items(on_day, chosen) if chosen is not None else []
        if not items:
            self._nothing_usable(events, broken, chosen, explicit, first_day, timed_count, on_day)
            return LoadResult(None, self.problems.items, self.problems.omitted)
        assert chosen is not None
        header = self._header(parsed, items, chosen, on_day)
        agenda = build_agenda(header, tuple(items), self.problems, str(self.path))
        return LoadResult(agenda, self.problems.items, self.problems.omitted)

    # -- sorting events out ---------------------------------------------------------------------

    def _series(self, events: list[_Event]) -> tuple[list[_Series], list[tuple[_Event, _BadEvent, bool]]]:
        """Group events by UID; set aside (to report later) those that cannot be used."""
        no_start = [e for e in events if e.start is None and e.broken is None]
        if len(no_start) == 1:
            self.problems.warning(
                "has no DTSTART and cannot be placed in time: ignored", no_start[0].line, no_start[0].label
            )
        elif no_start:
            self.problems.warning(
                f"{len(no_start)} events have no DTSTART and cannot be placed in time: ignored",
                no_start[0].line,
            )
        groups: dict[str, list[_Event]] = {}
        for event in events:
            if event.start is None and event.broken is None:
                continue
            key = event.uid or f"#{event.index}"
            masters = [e for e in groups.get(key, []) if e.recurrence_id is None]
            if masters and event.recurrence_id is None:
                key = f"{key}#{event.index}"  # two events sharing a UID: keep both
            groups.setdefault(key, []).append(event)
        series: list[_Series] = []
        broken: list[tuple[_Event, _BadEvent, bool]] = []
        for members in groups.values():
            group = _Series(members)
            kept: list[_Event] = []
            for event in members:
                try:
                    _check(event, self.zones.floating)
                except _BadEvent as exc:
                    broken.append((event, exc, group.recurring))
                    if event is group.master:
                        kept = []
                        break
                    continue
                kept.append(event)
            if kept:
                series.append(_Series(kept))
        return series, broken

    def _first_day(
        self, series: list[_Series], broken: list[tuple[_Event, _BadEvent, bool]]
    ) -> tuple[date | None, int]:
        """The first day (in the agenda's zone) with a timed, not cancelled occurrence; bounded scan."""
        timed = [s for s in series if s.master.timed]
        if not timed:
            return None, 0
        earliest = min(_as_date(s.earliest()) for s in timed)
        limit = earliest + SCAN_LIMIT
        best: date | None = None
        for group in sorted(timed, key=lambda s: _as_date(s.earliest())):
            if best is not None and _as_date(group.earliest()) > best + timedelta(days=1):
                break  # every later series starts after the best day found
            try:
                first = _first_timed(group, limit)
            except BAD_DATA as exc:
                broken.append((group.master, _bad(exc), True))
                series.remove(group)
                continue
            if not isinstance(first, datetime):
                continue
            try:
                instant, _ = _instant(first, self.zones.floating)
            except NonexistentTime:
                instant = first.replace(tzinfo=first.tzinfo or self.zones.floating)
            local = instant.astimezone(self.zones.display).date()
            best = local if best is None else min(best, local)
        return best, len(timed)

    def _on_day(self, series: list[_Series], day: date, broken: list[tuple[_Event, _BadEvent, bool]]) -> _Day:
        found = _Day()
        window = (
            datetime.combine(day - timedelta(days=1), time()),
            datetime.combine(day + timedelta(days=2), time()),
        )
        for group in list(series):
            try:
                occurrences = _occurrences(group, *window)
            except BAD_DATA as exc:
                broken.append((group.master, _bad(exc), group.recurring))
                continue
            for occurrence in occurrences:
                self._sort_occurrence(occurrence, day, found)
        return found

    def _sort_occurrence(self, occurrence: _Occurrence, day: date, found: _Day) -> None:
        start, end = occurrence.start, occurrence.end
        if not isinstance(start, datetime):
            last = _as_date(end) if end is not None and _as_date(end) > start else start + timedelta(days=1)
            if start <= day < last:
                (found.cancelled if occurrence.cancelled else found.all_day).append(occurrence)
            return
        label = _label(occurrence.summary)
        try:
            begins, note = _instant(start, self.zones.floating)
        except NonexistentTime as exc:
            local = start.replace(tzinfo=start.tzinfo or self.zones.floating).astimezone(self.zones.display)
            if local.date() == day:
                self.problems.error(str(exc), occurrence.event.line_of("DTSTART"), label)
            return
        if begins.astimezone(self.zones.display).date() != day:
            return
        if occurrence.cancelled:
            found.cancelled.append(occurrence)
            return
        if note:
            self.problems.warning(note, occurrence.event.line_of("DTSTART"), label)
        if end is None:
            ends = begins
        elif not isinstance(end, datetime):
            self.problems.warning(
                f"DTEND is a date without a time ({end.isoformat()}) while DTSTART has one: taking midnight",
                occurrence.event.line_of("DTEND"),
                label,
            )
            ends, _ = _instant(datetime.combine(end, time(), start.tzinfo), self.zones.floating)
        else:
            try:
                ends, note = _instant(end, self.zones.floating)
            except NonexistentTime as exc:
                self.problems.error(str(exc), occurrence.event.line_of("DTEND"), label)
                return
            if note:
                self.problems.warning(note, occurrence.event.line_of("DTEND"), label)
        found.timed.append((occurrence, begins, ends))

    def _report_broken(self, broken: list[tuple[_Event, _BadEvent, bool]], day: date | None) -> None:
        """Errors for unusable events that may fall on the day; warnings for those plainly elsewhere."""
        for event, exc, recurring in broken:
            where = event.line_of(exc.prop)
            start = event.start
            elsewhere = None
            if not recurring and day is not None and start is not None and _as_date(start) != day:
                elsewhere = _as_date(start)
            if not event.timed and start is not None:
                self.problems.warning(f"{exc}; this all-day event is ignored anyway", where, event.label)
            elif elsewhere is not None:
                self.problems.warning(
                    f"{exc} (it is on {elsewhere.isoformat()}, not {day}: left out)", where, event.label
                )
            else:
                self.problems.error(f"{exc}: left out", where, event.label)

    # -- items ----------------------------------------------------------------------------------

    def _items(self, found: _Day, day: date) -> list[Item]:
        for occurrence in found.all_day:
            self.problems.warning(
                f"is an all-day event on {day}: ignored (agenda items need a start time)",
                occurrence.event.line,
                _label(occurrence.summary),
            )
        for occurrence in found.cancelled:
            self.problems.warning(
                f"is cancelled on {day}: skipped", occurrence.event.line, _label(occurrence.summary)
            )
        timed = found.timed
        if any(_text(o.component, PART).lower() == "item" for o, _, _ in timed):
            timed = [t for t in timed if _text(t[0].component, PART).lower() != "webinar"]
        timed.sort(key=lambda t: (t[1], t[2], t[0].summary))
        keys = KeyMaker()
        items = []
        for occurrence, begins, ends in timed:
            title = occurrence.summary
            if not title:
                title = "(untitled event)"
                self.problems.warning(
                    "has no SUMMARY: called '(untitled event)'", occurrence.event.line, "untitled event"
                )
            explicit = _text(occurrence.component, KEY)
            key = keys.take(slugify(explicit, explicit) if explicit else slugify(title))
            items.append(
                Item(
                    key=key,
                    title=title,
                    start=begins.astimezone(UTC),
                    end=ends.astimezone(UTC),
                    description=_text(occurrence.component, "DESCRIPTION"),
                    line=occurrence.event.line,
                    anchored=True,
                )
            )
        return items

    def _nothing_usable(
        self,
        events: list[_Event],
        broken: list[tuple[_Event, _BadEvent, bool]],
        day: date | None,
        explicit: bool,
        first_day: date | None,
        timed_count: int,
        found: _Day,
    ) -> None:
        if not events:
            self.problems.error("the calendar has no events")
            return
        if explicit and day is not None:
            if found.cancelled and not found.timed:
                self.problems.error(f"no timed events left on {day}: every one is cancelled")
            elif first_day is not None:
                noun = "timed event" if timed_count == 1 else "timed events"
                self.problems.error(
                    f"no timed events on {day} (the calendar has {timed_count} {noun}, "
                    f"the first on {first_day.isoformat()}; choose the day with --date)"
                )
            else:
                self.problems.error(f"no timed events on {day} (the calendar has no usable timed events)")
            return
        all_day = sum(1 for e in events if e.start is not None and not e.timed)
        if broken:
            self.problems.error("the calendar has no usable timed events (see the errors above)")
        elif all_day:
            noun = "all-day event" if all_day == 1 else "all-day events"
            self.problems.error(
                f"the calendar has no timed events, only {all_day} {noun}, which an agenda cannot use"
            )
        else:
            self.problems.error("the calendar has no timed events")

    # -- header ---------------------------------------------------------------------------------

    def _header(self, parsed: _Parsed, items: list[Item], day: date, found: _Day) -> Header:
        """What the calendar says about the webinar, completed by the defaults (whose timezone won)."""
        calendar = parsed.calendar
        own = Header()
        own.title = _text(calendar, "X-WR-CALNAME") or _text(calendar, "NAME") or None
        if own.title is None and len(items) == 1:
            own.title = items[0].title
        own.description = _text(calendar, "X-WR-CALDESC") or None
        own.timezone, own.tz = self.zones.name, self.zones.display
        own.date = day
        own.connection = _connection(o.component for o, _, _ in found.timed)
        header = own if self.defaults is None else own.merged(self.defaults)
        header.timezone, header.tz = self.zones.name, self.zones.display
        if header.title is None:
            header.title = f"Calendar: {self.path.stem}"
        if self.defaults is not None:
            _forget_defaults_lines(header, self.defaults)
        return header


def _forget_defaults_lines(header: Header, defaults: Header) -> None:
    """Line numbers from the defaults file would be reported against the .ics; drop them.

    The defaults file's own problems are reported, with its name, when it is read.
    """
    if defaults.reminders is not None and header.reminders is defaults.reminders:
        header.reminder_ats = dict(defaults.reminder_ats)  # Header.merged keeps only the calendar's
    header.lines = {}
    header.speakers = {key: replace(s, line=None) for key, s in header.speakers.items()}
    if header.reminders is not None:
        header.reminders = tuple(replace(r, line=None) for r in header.reminders)


def _bad(exc: Exception) -> _BadEvent:
    """A _BadEvent for whatever expanding a series raised (recurring_ical_events, dateutil)."""
    if isinstance(exc, _BadEvent):
        return exc
    message = _short(str(exc), 160)
    if isinstance(exc, recurring_ical_events.BadRuleStringFormat):
        return _BadEvent(f"RRULE cannot be read ({message})", "RRULE")
    return _BadEvent(f"its repetitions cannot be worked out ({message})", "RRULE")


def _connection(components: Iterable[icalendar.Component]) -> Connection | None:
    """RFC 7986 CONFERENCE (video first), else URL, else a LOCATION that is a web address."""
    urls: list[str] = []
    for component in components:
        conferences = component.get("CONFERENCE")
        conferences = conferences if isinstance(conferences, list) else [conferences] if conferences else []
        ranked = sorted(
            conferences, key=lambda c: "VIDEO" not in str(getattr(c, "params", {}).get("FEATURE"))
        )
        urls.extend(str(c).strip() for c in ranked)
        urls.append(_text(component, "URL"))
        urls.append(_text(component, "LOCATION"))
    url = next((u for u in urls if _URL.match(u)), None)
    if url is None:
        return None
    host = (urlparse(url).hostname or "").lower()
    platform = next((name for needle, name in _PLATFORMS if needle in host), "")
    return Connection(platform=platform, url=url)


def load_ics(
    path: Path, defaults: Header | None = None, day: date | None = None, text: str | None = None
) -> LoadResult:
    """Load the timed events of one day of an iCalendar file as an agenda.

    `day` (else the defaults' `date`, else the first day with a timed event in the agenda's zone)
    picks the events; `defaults` fills channels, speakers, moderators... and its `timezone` wins.
    Raises ScheduleUnreadable when the file cannot be read or is not iCalendar.
    """
    source = read_text(path, "calendar", MAX_CALENDAR_BYTES) if text is None else text.removeprefix("\ufeff")
    return _CalendarReader(path, defaults, Problems(str(path))).load(source, day)
