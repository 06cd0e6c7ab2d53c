"""Write an agenda as an RFC 5545 calendar for participants: `webinar-bot ics FILE -o webinar.ics`.

One event holds the whole webinar, with the agenda and the connection details in its description
and an alarm when it is time to connect (`connect_before`); with `items=True` each agenda item
gets its own event too. UIDs derive from the title, date and item keys, never from the clock, so
re-exporting an edited schedule updates the events participants already imported instead of
duplicating them. `now` is passed in (DTSTAMP): the bot never reads the wall clock itself.
The exporter's events carry X-WEBINAR-BOT-PART / -KEY, so the .ics loader can read its own output
back (dropping the whole-webinar event when item events are present, and keeping item keys).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import icalendar

from bot.agenda.durations import format_duration
from bot.agenda.ics_loader import KEY, PART
from bot.agenda.model import Agenda, Item

PRODID = "-//webinar-bot//EN"
_NAMESPACE = uuid.UUID("5b0c3f5e-8a41-4d0e-9a4c-7d1f2e6b9c30")  # webinar-bot's own uuid5 namespace
_TZ_MARGIN = timedelta(days=366)  # the VTIMEZONE covers a year around the webinar: alarms, reminders


def export_ics(agenda: Agenda, now: datetime, items: bool = False) -> bytes:
    """The agenda as an iCalendar file: the webinar (with an alarm), and optionally each item."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (the bot's clock gives UTC instants)")
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    # icalendar does not treat NAME and X- properties as TEXT: without vText, a comma would go unescaped
    # and a newline in a title would break the file.
    calendar.add("NAME", icalendar.vText(agenda.title))
    calendar.add("X-WR-CALNAME", icalendar.vText(agenda.title))
    calendar.add("X-WR-TIMEZONE", icalendar.vText(agenda.timezone))
    stamp = now.astimezone(UTC)
    webinar = _webinar_event(agenda, stamp)
    calendar.add_component(webinar)
    if items:
        for item in agenda.items:
            calendar.add_component(_item_event(agenda, item, stamp, str(webinar["UID"])))
    calendar.add_missing_timezones(first_date=agenda.date - _TZ_MARGIN, last_date=agenda.date + _TZ_MARGIN)
    return bytes(calendar.to_ical())


def webinar_uid(agenda: Agenda) -> str:
    """Stable across exports of one webinar: its title and date, not when it was exported."""
    return f"{uuid.uuid5(_NAMESPACE, f'{agenda.title}|{agenda.date.isoformat()}')}@webinar-bot"


def item_uid(agenda: Agenda, item: Item) -> str:
    return f"{uuid.uuid5(_NAMESPACE, f'{agenda.title}|{agenda.date.isoformat()}|{item.key}')}@webinar-bot"


def _event(
    agenda: Agenda, uid: str, stamp: datetime, start: datetime, end: datetime, title: str
) -> icalendar.Event:
    """The parts every exported event shares: identity, times in the agenda's zone, where to join."""
    event = icalendar.Event()
    event.add("UID", uid)
    event.add("DTSTAMP", stamp)
    event.add("DTSTART", start.astimezone(agenda.tz))
    event.add("DTEND", end.astimezone(agenda.tz))
    event.add("SUMMARY", title)
    connection = agenda.connection
    if connection is not None and connection.url:
        event.add("URL", connection.url)
        event.add("LOCATION", f"{connection.platform} {connection.url}".strip())
        params = {"VALUE": "URI", "FEATURE": "VIDEO"}
        if connection.platform:
            params["LABEL"] = connection.platform
        event.add("CONFERENCE", icalendar.vUri(connection.url), parameters=params)
    elif connection is not None and connection.platform:
        event.add("LOCATION", connection.platform)
    return event


def _webinar_event(agenda: Agenda, stamp: datetime) -> icalendar.Event:
    event = _event(agenda, webinar_uid(agenda), stamp, agenda.start, agenda.end, agenda.title)
    event.add("DESCRIPTION", _webinar_description(agenda))
    event.add(PART, icalendar.vText("webinar"))
    alarm = icalendar.Alarm()
    alarm.add("ACTION", "DISPLAY")
    alarm.add("TRIGGER", -agenda.connect_before)
    when = f"starts in {format_duration(agenda.connect_before)}" if agenda.connect_before else "starts now"
    url = agenda.connection.url if agenda.connection is not None else ""
    alarm.add("DESCRIPTION", f"{agenda.title} {when}: time to connect{f' ({url})' if url else ''}")
    event.add_component(alarm)
    return event


def _item_event(agenda: Agenda, item: Item, stamp: datetime, parent: str) -> icalendar.Event:
    event = _event(agenda, item_uid(agenda, item), stamp, item.start, item.end, item.title)
    lines = [item.description] if item.description else []
    lines.extend(_speaker_lines(agenda, item, indent=""))
    if lines:
        event.add("DESCRIPTION", "\n".join(lines))
    event.add("RELATED-TO", parent, parameters={"RELTYPE": "PARENT"})
    event.add(PART, icalendar.vText("item"))
    event.add(KEY, icalendar.vText(item.key))
    return event


def _speaker(agenda: Agenda, key: str) -> str:
    speaker = agenda.speakers.get(key)
    if speaker is None:
        return key
    return f"{speaker.name} ({speaker.role})" if speaker.role else speaker.name


def _speaker_lines(agenda: Agenda, item: Item, indent: str) -> list[str]:
    lines = []
    if item.speakers:
        lines.append(f"{indent}Speakers: " + "; ".join(_speaker(agenda, k) for k in item.speakers))
    for session in item.sessions:
        names = "; ".join(_speaker(agenda, k) for k in session.speakers)
        lines.append(f"{indent}- {session.title}" + (f": {names}" if names else ""))
    loose = [slot.speaker for slot in item.slots if slot.speaker]
    if loose:
        lines.append(f"{indent}Speakers: " + "; ".join(_speaker(agenda, k) for k in dict.fromkeys(loose)))
    return lines


def _hm(agenda: Agenda, when: datetime, day: date) -> str:
    local = when.astimezone(agenda.tz)
    return f"{local:%H:%M}" if local.date() == day else f"{local:%d %b %H:%M}"


def _webinar_description(agenda: Agenda) -> str:
    """The agenda in plain text, as a calendar shows it: times, titles, speakers, how to connect."""
    start = agenda.start.astimezone(agenda.tz)
    lines = [f"Agenda ({start:%a %d %b %Y}, times in {agenda.timezone}):"]
    for item in agenda.items:
        span = f"{_hm(agenda, item.start, start.date())}-{_hm(agenda, item.end, start.date())}"
        lines.append(f"{span} {item.title}")
        lines.extend(_speaker_lines(agenda, item, indent="    "))
    connection = agenda.connection
    if connection is not None:
        lines.append("")
        how = " ".join(part for part in (connection.platform, connection.url) if part)
        if how:
            lines.append(f"How to join: {how}")
        if agenda.connect_before:
            lines.append(f"Please connect {format_duration(agenda.connect_before)} before the start.")
        if connection.guide_url:
            lines.append(f"Connection guide: {connection.guide_url}")
        if connection.details:
            lines.append(connection.details)
    return "\n".join(lines)
