"""Reading iCalendar files: which events of which day become agenda items, at which instants."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.agenda.header import Header, resolve_timezone
from bot.agenda.ics_loader import load_ics
from bot.agenda.load import read_defaults
from bot.agenda.model import Agenda, Speaker
from bot.agenda.problems import Problem, ScheduleUnreadable
from bot.agenda.yaml_loader import LoadResult

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ics"

ZURICH_VTIMEZONE = """\
BEGIN:VTIMEZONE
TZID:Europe/Zurich
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19810329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19961027T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


def calendar(body: str, head: str = "") -> str:
    """A VCALENDAR around `body` (dedented), with CRLF line ends as RFC 5545 wants."""
    text = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//tests//EN\n" + textwrap.dedent(head)
    text += textwrap.dedent(body) + "END:VCALENDAR\n"
    return text.replace("\n", "\r\n")


def event(summary: str, start: str, end: str | None = None, extra: str = "", uid: str | None = None) -> str:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid or summary.lower().replace(' ', '-')}@tests",
        f"SUMMARY:{summary}",
        f"DTSTART{start}",
    ]
    if end is not None:
        lines.append(f"DTEND{end}")
    lines.extend(line for line in textwrap.dedent(extra).splitlines() if line.strip())
    lines.append("END:VEVENT")
    return "\n".join(lines) + "\n"


def load(tmp_path: Path, text: str, name: str = "webinar.ics", **kwargs: object) -> LoadResult:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return load_ics(path, **kwargs)  # type: ignore[arg-type]


def ok(result: LoadResult) -> Agenda:
    errors = [str(p) for p in result.problems if p.is_error]
    assert not errors, errors
    assert result.agenda is not None
    return result.agenda


def messages(result: LoadResult, errors_only: bool = False) -> list[str]:
    return [str(p) for p in result.problems if p.is_error or not errors_only]


def only(problems: list[Problem], needle: str) -> Problem:
    found = [p for p in problems if needle in p.message]
    assert len(found) == 1, [str(p) for p in problems]
    return found[0]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# -- end of an event ---------------------------------------------------------------------------------


def test_dtend_gives_the_end_of_the_item(tmp_path: Path) -> None:
    agenda = ok(load(tmp_path, calendar(event("Talk", ":20181023T120000Z", ":20181023T123000Z"))))
    (item,) = agenda.items
    assert (item.start, item.end) == (utc(2018, 10, 23, 12), utc(2018, 10, 23, 12, 30))
    assert item.anchored and item.title == "Talk" and item.key == "talk"


def test_duration_gives_the_end_when_there_is_no_dtend(tmp_path: Path) -> None:
    agenda = ok(load(tmp_path, calendar(event("Talk", ":20181023T120000Z", extra="DURATION:PT1H15M"))))
    assert agenda.items[0].end == utc(2018, 10, 23, 13, 15)


def test_an_event_with_neither_dtend_nor_duration_ends_when_it_starts(tmp_path: Path) -> None:
    result = load(tmp_path, calendar(event("Doors open", ":20181023T120000Z")))
    agenda = ok(result)
    assert agenda.items[0].end == agenda.items[0].start == utc(2018, 10, 23, 12)


def test_items_are_sorted_by_start_with_unique_keys_and_the_line_of_their_begin(tmp_path: Path) -> None:
    text = calendar(
        event("Q&A", ":20181023T130000Z", ":20181023T133000Z", uid="b")
        + event("Talk", ":20181023T120000Z", ":20181023T123000Z", uid="a")
        + event("Talk", ":20181023T123000Z", ":20181023T130000Z", uid="c")
    )
    agenda = ok(load(tmp_path, text))
    # "a" is a stop word for keys: "Q&A" becomes "q"
    assert [(i.key, i.title) for i in agenda.items] == [("talk", "Talk"), ("talk-2", "Talk"), ("q", "Q&A")]
    lines = text.split("\r\n")
    assert [lines[i.line - 1] for i in agenda.items if i.line] == ["BEGIN:VEVENT"] * 3
    first_line = agenda.items[0].line
    assert first_line is not None and lines[first_line + 1] == "SUMMARY:Talk"


def test_end_before_start_is_an_error_naming_the_event_and_the_rest_still_loads(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        calendar(
            event("Backwards", ";TZID=Europe/Zurich:20181023T143000", ";TZID=Europe/Zurich:20181023T140000")
            + event("Fine", ";TZID=Europe/Zurich:20181023T150000", ";TZID=Europe/Zurich:20181023T160000"),
            head=ZURICH_VTIMEZONE,
        ),
    )
    error = only([p for p in result.problems if p.is_error], "DTEND before DTSTART")
    assert error.item == 'event "Backwards"'
    assert error.line is not None and error.file.endswith("webinar.ics")
    assert result.agenda is not None and [i.title for i in result.agenda.items] == ["Fine"]


def test_an_overflowing_duration_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    forever = event("Forever", ":20240101T000000Z", extra="DURATION:P999999999999999999W")
    result = load(tmp_path, calendar(forever))
    error = only(result.problems, "DURATION cannot be read")
    assert error.is_error and error.item == 'event "Forever"'
    assert result.agenda is None


# -- time zones --------------------------------------------------------------------------------------


def test_vtimezone_and_tzid_give_instants_and_the_agenda_zone(tmp_path: Path) -> None:
    agenda = ok(
        load(
            tmp_path,
            calendar(
                event("Talk", ";TZID=Europe/Zurich:20181023T140000", ";TZID=Europe/Zurich:20181023T141000"),
                head=ZURICH_VTIMEZONE,
            ),
        )
    )
    assert agenda.timezone == "Europe/Zurich" and agenda.date == date(2018, 10, 23)
    assert agenda.items[0].start == utc(2018, 10, 23, 12)


def test_a_windows_tzid_maps_to_its_iana_zone(tmp_path: Path) -> None:
    vtimezone = ZURICH_VTIMEZONE.replace("TZID:Europe/Zurich", "TZID:W. Europe Standard Time")
    agenda = ok(
        load(
            tmp_path,
            calendar(
                event(
                    "Talk",
                    ";TZID=W. Europe Standard Time:20181023T140000",
                    ";TZID=W. Europe Standard Time:20181023T150000",
                ),
                head=vtimezone,
            ),
        )
    )
    assert agenda.timezone == "Europe/Berlin"
    assert agenda.items[0].start == utc(2018, 10, 23, 12)


def test_a_custom_vtimezone_without_an_iana_name_keeps_instants_and_says_so(tmp_path: Path) -> None:
    vtimezone = """\
        BEGIN:VTIMEZONE
        TZID:Court time
        BEGIN:STANDARD
        DTSTART:20170101T000000
        TZOFFSETFROM:+1100
        TZOFFSETTO:+1100
        END:STANDARD
        END:VTIMEZONE
        """
    result = load(
        tmp_path,
        calendar(
            event("Match", ";TZID=Court time:20170228T230000", ";TZID=Court time:20170228T233000"),
            head=vtimezone,
        ),
    )
    agenda = ok(result)
    assert agenda.items[0].start == utc(2017, 2, 28, 12)
    assert agenda.timezone == "Etc/GMT-11" and agenda.date == date(2017, 2, 28)
    warning = only(result.problems, "has no IANA name")
    assert "'Court time'" in warning.message and "--defaults" in warning.message


def test_google_x_wr_timezone_utc_events_load_in_new_york_time(tmp_path: Path) -> None:
    agenda = ok(
        load(
            tmp_path,
            calendar(
                event("Noon", ":20211222T170000Z", ":20211222T180000Z")
                + event("Nine", ":20211223T020000Z", ":20211223T030000Z"),
                head="X-WR-TIMEZONE:America/New_York\nX-WR-CALNAME:Team\n",
            ),
        )
    )
    assert agenda.timezone == "America/New_York" and agenda.date == date(2021, 12, 22)
    assert [i.title for i in agenda.items] == ["Noon", "Nine"]  # 21:00 in New York is still the 22nd
    assert [i.start.astimezone(agenda.tz).hour for i in agenda.items] == [12, 21]
    assert agenda.title == "Team"


def test_floating_times_are_read_in_the_x_wr_timezone(tmp_path: Path) -> None:
    agenda = ok(
        load(
            tmp_path,
            calendar(
                event("Match", ":20210916T210000", ":20210916T224500"), head="X-WR-TIMEZONE:Europe/Brussels\n"
            ),
        )
    )
    assert agenda.items[0].start == utc(2021, 9, 16, 19)
    assert agenda.items[0].end == utc(2021, 9, 16, 20, 45)


def test_floating_times_without_any_zone_are_utc(tmp_path: Path) -> None:
    agenda = ok(load(tmp_path, calendar(event("Talk", ":20181023T140000", ":20181023T150000"))))
    assert agenda.timezone == "UTC" and agenda.items[0].start == utc(2018, 10, 23, 14)


def test_a_dst_day_item_lasts_its_real_elapsed_time(tmp_path: Path) -> None:
    # 28 Oct 2018 in Zurich: the clocks go back from 03:00 CEST to 02:00 CET; 01:30-03:30 is 3 hours.
    agenda = ok(
        load(
            tmp_path,
            calendar(
                event(
                    "Night shift",
                    ";TZID=Europe/Zurich:20181028T013000",
                    ";TZID=Europe/Zurich:20181028T033000",
                ),
                head=ZURICH_VTIMEZONE,
            ),
        )
    )
    (item,) = agenda.items
    assert item.end - item.start == timedelta(hours=3)
    assert item.start == utc(2018, 10, 27, 23, 30)


def test_an_ambiguous_wall_clock_time_takes_the_first_and_says_so(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        calendar(
            event("Twice", ";TZID=Europe/Zurich:20181028T023000", ";TZID=Europe/Zurich:20181028T040000"),
            head=ZURICH_VTIMEZONE,
        ),
    )
    agenda = ok(result)
    assert agenda.items[0].start == utc(2018, 10, 28, 0, 30)  # 02:30 CEST, the first of the two
    assert only(result.problems, "happens twice").item == 'event "Twice"'


# -- recurrence --------------------------------------------------------------------------------------

WEEKLY = event(
    "Weekly sync",
    ";TZID=Europe/Zurich:20181002T140000",
    ";TZID=Europe/Zurich:20181002T150000",
    uid="sync",
    extra="""\
               RRULE:FREQ=WEEKLY;BYDAY=TU
               EXDATE;TZID=Europe/Zurich:20181009T140000
               """,
)
MOVED = event(
    "Weekly sync (moved)",
    ";TZID=Europe/Zurich:20181016T160000",
    ";TZID=Europe/Zurich:20181016T163000",
    uid="sync",
    extra="RECURRENCE-ID;TZID=Europe/Zurich:20181016T140000",
)
CANCELLED = event(
    "Weekly sync",
    ";TZID=Europe/Zurich:20181023T140000",
    ";TZID=Europe/Zurich:20181023T150000",
    uid="sync",
    extra="RECURRENCE-ID;TZID=Europe/Zurich:20181023T140000\nSTATUS:CANCELLED",
)
SERIES = calendar(WEEKLY + MOVED + CANCELLED, head=ZURICH_VTIMEZONE)


def test_an_rrule_is_expanded_on_the_chosen_day(tmp_path: Path) -> None:
    agenda = ok(load(tmp_path, SERIES, day=date(2018, 10, 30)))
    (item,) = agenda.items
    assert item.title == "Weekly sync" and item.start == utc(2018, 10, 30, 13)  # CET after 28 Oct


def test_an_exdate_removes_that_occurrence(tmp_path: Path) -> None:
    result = load(tmp_path, SERIES, day=date(2018, 10, 9))
    assert result.agenda is None
    assert "no timed events on 2018-10-09" in only(result.problems, "no timed events").message


def test_a_recurrence_id_override_moves_that_occurrence_and_points_at_its_own_lines(tmp_path: Path) -> None:
    agenda = ok(load(tmp_path, SERIES, day=date(2018, 10, 16)))
    (item,) = agenda.items
    assert item.title == "Weekly sync (moved)"
    assert (item.start, item.end) == (utc(2018, 10, 16, 14), utc(2018, 10, 16, 14, 30))
    lines = SERIES.split("\r\n")
    assert item.line is not None
    assert lines[item.line] == "UID:sync@tests" and lines[item.line + 1] == "SUMMARY:Weekly sync (moved)"


def test_a_cancelled_occurrence_is_skipped_with_a_warning(tmp_path: Path) -> None:
    result = load(tmp_path, SERIES, day=date(2018, 10, 23))
    assert result.agenda is None
    warning = only(result.problems, "is cancelled on 2018-10-23")
    assert not warning.is_error and warning.item == 'event "Weekly sync"'
    assert "every one is cancelled" in only(result.problems, "no timed events left").message


def test_the_default_day_is_the_first_occurrence_that_is_not_excluded(tmp_path: Path) -> None:
    series = calendar(
        WEEKLY.replace(
            "EXDATE;TZID=Europe/Zurich:20181009T140000", "EXDATE;TZID=Europe/Zurich:20181002T140000"
        ),
        head=ZURICH_VTIMEZONE,
    )
    agenda = ok(load(tmp_path, series))
    assert agenda.date == date(2018, 10, 9)


def test_a_misspelt_rrule_part_is_an_error_naming_the_event_and_the_rest_loads(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        calendar(
            event(
                "Broken series",
                ":20181023T100000Z",
                ":20181023T110000Z",
                extra="RRULE:FREQ=WEEKLY;UNTL=20191023;BYDAY=TU",
            )
            + event("Talk", ":20181023T120000Z", ":20181023T130000Z")
        ),
    )
    error = only(result.problems, "UNTL")
    assert error.is_error and error.item == 'event "Broken series"'
    assert "did you mean 'UNTIL'" in error.message
    assert result.agenda is not None and [i.title for i in result.agenda.items] == ["Talk"]


def test_an_endless_daily_series_is_only_expanded_around_the_chosen_day(tmp_path: Path) -> None:
    text = calendar(event("Daily", ":20000101T090000Z", ":20000101T091500Z", extra="RRULE:FREQ=DAILY"))
    agenda = ok(load(tmp_path, text, day=date(2100, 12, 30)))
    assert [i.start for i in agenda.items] == [utc(2100, 12, 30, 9)]
    assert ok(load(tmp_path, text)).date == date(2000, 1, 1)


# -- choosing the day --------------------------------------------------------------------------------


def test_all_day_events_are_ignored_with_a_warning_naming_them(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        calendar(
            event("Holiday", ";VALUE=DATE:20181023", ";VALUE=DATE:20181024")
            + event("Talk", ":20181023T120000Z", ":20181023T130000Z")
        ),
    )
    agenda = ok(result)
    assert [i.title for i in agenda.items] == ["Talk"]
    warning = only(result.problems, "all-day")
    assert warning.item == 'event "Holiday"' and not warning.is_error


def test_by_default_the_first_day_with_timed_events_is_taken(tmp_path: Path) -> None:
    agenda = ok(
        load(
            tmp_path,
            calendar(
                event("Holiday", ";VALUE=DATE:20181020", ";VALUE=DATE:20181021")
                + event("Later", ":20181025T120000Z", ":20181025T130000Z")
                + event("First", ":20181023T120000Z", ":20181023T130000Z")
            ),
        )
    )
    assert agenda.date == date(2018, 10, 23) and [i.title for i in agenda.items] == ["First"]


def test_an_explicit_day_picks_that_day(tmp_path: Path) -> None:
    agenda = ok(
        load(
            tmp_path,
            calendar(
                event("First", ":20181023T120000Z", ":20181023T130000Z")
                + event("Later", ":20181025T120000Z", ":20181025T130000Z")
            ),
            day=date(2018, 10, 25),
        )
    )
    assert agenda.date == date(2018, 10, 25) and [i.title for i in agenda.items] == ["Later"]


def test_an_explicit_day_without_events_is_a_clear_error(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        calendar(
            event("First", ":20181023T120000Z", ":20181023T130000Z")
            + event("Later", ":20181025T120000Z", ":20181025T130000Z")
        ),
        day=date(2018, 10, 24),
    )
    assert result.agenda is None
    error = only(result.problems, "no timed events on 2018-10-24")
    assert "2 timed events, the first on 2018-10-23" in error.message and error.file.endswith("webinar.ics")


def test_a_calendar_of_all_day_events_says_it_has_no_timed_events(tmp_path: Path) -> None:
    result = load(tmp_path, calendar(event("Holiday", ";VALUE=DATE:20181020", ";VALUE=DATE:20181021")))
    assert result.agenda is None
    assert "no timed events, only 1 all-day event" in only(result.problems, "no timed events").message


# -- header and defaults -----------------------------------------------------------------------------


def defaults(timezone: str | None = None) -> Header:
    header = Header(
        channels={
            "announcements": "webinar",
            "questions": "webinar-questions",
            "backstage": "webinar-backstage",
        },
        speakers={"ana": Speaker("ana", "Ana Speaker", slack="U0ANA", line=7)},
        moderators=("ana",),
        title="From the defaults",
        lines={"channels": 3},
    )
    if timezone:
        header.tz, header.timezone, _ = resolve_timezone(timezone)
    return header


def test_defaults_fill_channels_speakers_and_moderators(tmp_path: Path) -> None:
    agenda = ok(
        load(
            tmp_path,
            calendar(
                event("Talk", ":20181023T120000Z", ":20181023T130000Z"), head="X-WR-CALNAME:Team calendar\n"
            ),
            defaults=defaults(),
        )
    )
    assert agenda.channels is not None and agenda.channels.questions == "webinar-questions"
    assert agenda.speakers["ana"].slack == "U0ANA" and agenda.moderators == ("ana",)
    assert agenda.title == "Team calendar"  # what the calendar says wins; defaults fill the gaps
    # Lines in the defaults file would be reported against the .ics: they are dropped.
    assert agenda.speakers["ana"].line is None and "channels" not in agenda.lines


def test_a_defaults_timezone_wins_over_the_calendars_and_keeps_the_instants(tmp_path: Path) -> None:
    text = calendar(
        event("Late talk", ":20181023T230000Z", ":20181023T233000Z"), head="X-WR-TIMEZONE:America/New_York\n"
    )
    assert ok(load(tmp_path, text)).date == date(2018, 10, 23)
    agenda = ok(load(tmp_path, text, defaults=defaults("Europe/Zurich")))
    assert agenda.timezone == "Europe/Zurich" and agenda.date == date(2018, 10, 24)
    assert agenda.items[0].start == utc(2018, 10, 23, 23)


def test_the_title_is_the_single_events_summary_or_the_file_name(tmp_path: Path) -> None:
    single = calendar(event("Our webinar", ":20181023T120000Z", ":20181023T130000Z"))
    assert ok(load(tmp_path, single)).title == "Our webinar"
    two = calendar(
        event("A", ":20181023T120000Z", ":20181023T130000Z")
        + event("B", ":20181023T130000Z", ":20181023T140000Z")
    )
    assert ok(load(tmp_path, two, name="team.ics")).title == "Calendar: team"


@pytest.mark.parametrize(
    ("extra", "url", "platform"),
    [
        (
            "CONFERENCE;VALUE=URI;FEATURE=PHONE:tel:+1-412-555-0123\n"
            "CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=Join:https://zoom.us/j/123",
            "https://zoom.us/j/123",
            "Zoom",
        ),
        ("URL:https://ilo.webex.com/meet/x", "https://ilo.webex.com/meet/x", "WebEx"),
        ("LOCATION:https://meet.example.org/room", "https://meet.example.org/room", ""),
    ],
)
def test_the_connection_comes_from_conference_url_or_a_location_that_is_a_url(
    tmp_path: Path, extra: str, url: str, platform: str
) -> None:
    talk = event("Talk", ":20181023T120000Z", ":20181023T130000Z", extra=extra)
    agenda = ok(load(tmp_path, calendar(talk)))
    assert agenda.connection is not None
    assert (agenda.connection.url, agenda.connection.platform) == (url, platform)


def test_a_location_that_is_not_a_url_is_no_connection(tmp_path: Path) -> None:
    agenda = ok(
        load(
            tmp_path,
            calendar(
                event(
                    "Talk",
                    ":20181023T120000Z",
                    ":20181023T130000Z",
                    extra="LOCATION:Room 4\nURL:/relative/path",
                )
            ),
        )
    )
    assert agenda.connection is None


# -- what is not quite iCalendar ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "is empty"),
        (b"title: A YAML schedule\nagenda: []\n", "is not an iCalendar file"),
        (b"BEGIN:VCALENDAR\r\nEND:VEVENT\r\nEND:VCALENDAR\r\nEND:VCALENDAR\r\n", "is not valid iCalendar"),
        (b"BEGIN:VCALENDAR\r\nSUMMARY:\xff\xfe\r\nEND:VCALENDAR\r\n", "is not UTF-8"),
    ],
)
def test_what_is_not_icalendar_is_unreadable_with_a_clear_message(
    tmp_path: Path, content: bytes, needle: str
) -> None:
    path = tmp_path / "broken.ics"
    path.write_bytes(content)
    with pytest.raises(ScheduleUnreadable) as raised:
        load_ics(path)
    assert needle in raised.value.message and raised.value.file == str(path)


def test_a_utf8_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "bom.ics"
    text = calendar(event("Talk", ":20181023T120000Z", ":20181023T130000Z"))
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert ok(load_ics(path)).items[0].title == "Talk"


def test_a_cut_off_calendar_is_read_with_a_warning(tmp_path: Path) -> None:
    text = calendar(event("Talk", ":20181023T120000Z", ":20181023T130000Z")).removesuffix("END:VCALENDAR\r\n")
    result = load(tmp_path, text)
    assert ok(result).items[0].title == "Talk"
    assert "ends without END:VCALENDAR" in only(result.problems, "cut off").message


def test_events_without_dtstart_are_ignored_with_one_warning_that_counts_them(tmp_path: Path) -> None:
    result = load(tmp_path, calendar("BEGIN:VEVENT\nEND:VEVENT\n" * 20))
    assert result.agenda is None
    assert only(result.problems, "no DTSTART").message.startswith("20 events have no DTSTART")
    assert [p.message for p in result.problems if p.is_error] == ["the calendar has no timed events"]


def test_a_bare_vevent_without_vcalendar_is_read_with_a_warning(tmp_path: Path) -> None:
    text = event("Termin", ":20130416T100000Z", ":20130416T110000Z").replace("\n", "\r\n")
    result = load(tmp_path, text)
    assert ok(result).items[0].title == "Termin"
    assert only(result.problems, "bare VEVENT").line == 1


def test_an_event_without_summary_gets_a_placeholder_title_and_a_warning(tmp_path: Path) -> None:
    text = calendar("BEGIN:VEVENT\nUID:x\nDTSTART:20181023T120000Z\nDTEND:20181023T130000Z\nEND:VEVENT\n")
    result = load(tmp_path, text)
    assert ok(result).items[0].title == "(untitled event)"
    assert only(result.problems, "no SUMMARY").item == "untitled event"


def test_text_can_be_given_instead_of_reading_the_file(tmp_path: Path) -> None:
    result = load_ics(
        tmp_path / "not-written.ics", text=calendar(event("Talk", ":20181023T120000Z", ":20181023T130000Z"))
    )
    assert ok(result).items[0].title == "Talk"
    assert messages(result) == []


def test_a_broken_event_plainly_on_another_day_is_only_a_warning(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        calendar(
            event("Backwards", ":20181020T100000Z", ":20181020T090000Z")
            + event("Talk", ":20181023T120000Z", ":20181023T130000Z")
        ),
        day=date(2018, 10, 23),
    )
    agenda = ok(result)
    assert [i.title for i in agenda.items] == ["Talk"]
    warning = only(result.problems, "DTEND before DTSTART")
    assert not warning.is_error and "it is on 2018-10-20, not 2018-10-23" in warning.message


def test_absolute_reminders_from_the_defaults_keep_their_instant(tmp_path: Path) -> None:
    defaults_file = tmp_path / "defaults.yaml"
    defaults_file.write_text(
        textwrap.dedent("""\
        timezone: Europe/Zurich
        reminders:
          - {at: "2018-10-22 09:00", template: connection_guide}
          - {before: 30m, template: connect_now}
        """),
        encoding="utf-8",
    )
    header, problems = read_defaults(defaults_file)
    assert not problems.items
    agenda = ok(
        load(tmp_path, calendar(event("Talk", ":20181023T120000Z", ":20181023T130000Z")), defaults=header)
    )
    first, second = agenda.reminders
    assert first.instant(agenda.start) == utc(2018, 10, 22, 7)
    assert second.instant(agenda.start) == utc(2018, 10, 23, 11, 30)
