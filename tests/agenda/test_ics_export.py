"""Exporting an agenda as an iCalendar file for participants, and reading it back."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bot.agenda.ics_export import PRODID, export_ics
from bot.agenda.ics_loader import load_ics
from bot.agenda.load import load_schedule
from bot.agenda.model import Agenda

from support import SEED_WEBINAR

NOW = datetime(2018, 10, 1, 9, 30, tzinfo=UTC)
ZURICH = ZoneInfo("Europe/Zurich")
HOSTILE = '<!channel> Q&A, part 1; "live"\nsecond line: BEGIN:VEVENT \\ done'


@pytest.fixture(scope="module")
def seed() -> Agenda:
    result = load_schedule(SEED_WEBINAR)
    assert result.agenda is not None
    return result.agenda


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def test_the_calendar_has_the_rfc_5545_header_and_the_agenda_zone(seed: Agenda) -> None:
    calendar = parse(export_ics(seed, NOW))
    assert str(calendar["PRODID"]) == PRODID == "-//webinar-bot//EN"
    assert (str(calendar["VERSION"]), str(calendar["CALSCALE"]), str(calendar["METHOD"])) == (
        "2.0",
        "GREGORIAN",
        "PUBLISH",
    )
    escaped_title = seed.title.replace(",", "\\,").encode()
    assert calendar["X-WR-CALNAME"].to_ical() == calendar["NAME"].to_ical() == escaped_title
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Zurich"
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Zurich"]
    assert calendar.get_missing_tzids() == set()


def test_one_event_holds_the_webinar_from_its_first_to_its_last_item(seed: Agenda) -> None:
    (webinar,) = parse(export_ics(seed, NOW)).events
    assert webinar.start == datetime(2018, 10, 23, 14, tzinfo=ZURICH)
    assert webinar.start.astimezone(UTC) == datetime(2018, 10, 23, 12, tzinfo=UTC)
    assert webinar["DTSTART"].params["TZID"] == "Europe/Zurich"
    assert webinar.end == datetime(2018, 10, 23, 17, 15, tzinfo=ZURICH)
    assert str(webinar["SUMMARY"]) == seed.title
    assert webinar["DTSTAMP"].dt == NOW
    assert str(webinar["URL"]) == "https://ilo.webex.com/"
    conference = webinar["CONFERENCE"]
    assert str(conference) == "https://ilo.webex.com/" and conference.params["FEATURE"] == "VIDEO"


def test_the_description_lists_the_agenda_speakers_and_how_to_connect(seed: Agenda) -> None:
    (webinar,) = parse(export_ics(seed, NOW)).events
    description = str(webinar["DESCRIPTION"])
    assert "14:00-14:10 Welcoming remarks" in description
    assert "17:00-17:15 Closing remarks" in description
    assert "Isabel Ortiz (Director of Social Protection, ILO)" in description
    assert "Christina Behrendt" in description  # a speaker of a thematic session
    assert "How to join: WebEx https://ilo.webex.com/" in description
    assert "http://workers.social-protection.org" in description


def test_an_alarm_fires_connect_before_the_start(seed: Agenda) -> None:
    (webinar,) = parse(export_ics(seed, NOW)).events
    (alarm,) = webinar.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].dt == -timedelta(minutes=30)
    assert alarm["TRIGGER"].to_ical() == b"-PT30M"
    assert "time to connect" in str(alarm["DESCRIPTION"])


def test_the_alarm_follows_connect_before(seed: Agenda) -> None:
    (webinar,) = parse(export_ics(replace(seed, connect_before=timedelta(minutes=10)), NOW)).events
    assert webinar.walk("VALARM")[0]["TRIGGER"].to_ical() == b"-PT10M"


def test_with_items_each_agenda_item_gets_its_own_event(seed: Agenda) -> None:
    events = parse(export_ics(seed, NOW, items=True)).events
    assert len(events) == 1 + len(seed.items)
    webinar, *items = events
    assert [str(e["SUMMARY"]) for e in items] == [i.title for i in seed.items]
    assert [(e.start, e.end) for e in items] == [(i.start, i.end) for i in seed.items]
    assert all(str(e["RELATED-TO"]) == str(webinar["UID"]) for e in items)
    assert not any(e.walk("VALARM") for e in items)
    assert len({str(e["UID"]) for e in events}) == len(events)


def test_uids_are_stable_across_exports_and_dtstamp_is_the_given_now(seed: Agenda) -> None:
    first = parse(export_ics(seed, NOW, items=True)).events
    later = parse(export_ics(seed, NOW + timedelta(days=3), items=True)).events
    assert [str(e["UID"]) for e in first] == [str(e["UID"]) for e in later]
    assert all(e["UID"].endswith("@webinar-bot") for e in first)
    assert later[0]["DTSTAMP"].dt == NOW + timedelta(days=3)
    other = parse(export_ics(replace(seed, date=date(2018, 11, 20)), NOW)).events
    assert str(other[0]["UID"]) != str(first[0]["UID"])


def test_hostile_text_survives_escaping(seed: Agenda, tmp_path: Path) -> None:
    first = replace(seed.items[0], title=HOSTILE, description=HOSTILE)
    agenda = replace(seed, title=HOSTILE, items=(first, *seed.items[1:]))
    data = export_ics(agenda, NOW, items=True)
    calendar = parse(data)
    assert str(calendar.events[0]["SUMMARY"]) == HOSTILE
    assert str(calendar.events[1]["SUMMARY"]) == HOSTILE
    assert str(calendar.events[1]["DESCRIPTION"]).startswith(HOSTILE)
    assert len(calendar.events) == 1 + len(seed.items)  # the text could not open a component
    unfolded = data.replace(b"\r\n ", b"")
    escaped = b'<!channel> Q&A\\, part 1\\; "live"\\nsecond line: BEGIN:VEVENT \\\\ done'
    assert b"\r\nSUMMARY:" + escaped + b"\r\n" in unfolded
    assert b"\r\nX-WR-CALNAME:" + escaped + b"\r\n" in unfolded  # icalendar leaves X- properties raw
    path = tmp_path / "hostile.ics"
    path.write_bytes(data)
    loaded = load_ics(path).agenda
    assert loaded is not None and loaded.title == HOSTILE and loaded.items[0].title == HOSTILE


def test_now_must_be_an_aware_instant(seed: Agenda) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        export_ics(seed, datetime(2018, 10, 1, 9, 30))


def test_round_trip_items_come_back_with_their_titles_instants_and_keys(seed: Agenda, tmp_path: Path) -> None:
    path = tmp_path / "webinar.ics"
    path.write_bytes(export_ics(seed, NOW, items=True))
    result = load_ics(path, day=date(2018, 10, 23))
    assert not [str(p) for p in result.problems if p.is_error]
    agenda = result.agenda
    assert agenda is not None
    assert [(i.title, i.start, i.end) for i in agenda.items] == [
        (i.title, i.start, i.end) for i in seed.items
    ]
    assert [i.key for i in agenda.items] == [i.key for i in seed.items]
    assert (agenda.title, agenda.timezone, agenda.date) == (seed.title, "Europe/Zurich", date(2018, 10, 23))
    assert agenda.connection is not None and agenda.connection.url == "https://ilo.webex.com/"


def test_round_trip_without_items_gives_one_item_for_the_whole_webinar(seed: Agenda, tmp_path: Path) -> None:
    path = tmp_path / "webinar.ics"
    path.write_bytes(export_ics(seed, NOW))
    agenda = load_ics(path).agenda
    assert agenda is not None
    (item,) = agenda.items
    assert (item.title, item.start, item.end) == (seed.title, seed.start, seed.end)


def test_an_agenda_read_from_a_calendar_with_a_custom_zone_exports_and_reads_back(tmp_path: Path) -> None:
    source = tmp_path / "court.ics"
    source.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VTIMEZONE\r\nTZID:UTC+11\r\n"
        "BEGIN:STANDARD\r\nDTSTART:20170101T000000\r\nTZOFFSETFROM:+1100\r\nTZOFFSETTO:+1100\r\n"
        "END:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:m@tests\r\nSUMMARY:Match\r\n"
        "DTSTART;TZID=UTC+11:20170228T230000\r\nDTEND;TZID=UTC+11:20170228T233000\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n",
        encoding="utf-8",
    )
    agenda = load_ics(source).agenda
    assert agenda is not None
    path = tmp_path / "out.ics"
    path.write_bytes(export_ics(agenda, NOW, items=True))
    again = load_ics(path, day=agenda.date).agenda
    assert again is not None and again.timezone == agenda.timezone == "Etc/GMT-11"
    assert [(i.title, i.start, i.end) for i in again.items] == [
        (i.title, i.start, i.end) for i in agenda.items
    ]
