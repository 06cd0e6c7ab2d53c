"""Real calendars (Google, Outlook/Exchange, Confluence, Zimbra, frab, malformed ones) through `check`.

Each file in ../shared/calendars/ must load or fail with a clear message, as a moderator would run
it: `webinar-bot check FILE --defaults defaults.yaml`. The table below says what each calendar
really holds, hence its exit code (0 valid, 1 invalid, 2 unreadable) and a message to expect.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.agenda.load import load_schedule
from bot.agenda.problems import ScheduleUnreadable
from bot.cli import main

CALENDARS = Path(__file__).resolve().parents[2].parent / "shared" / "calendars"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ics"
DEFAULTS = """\
channels: {announcements: webinar, questions: webinar-questions, backstage: webinar-backstage}
moderators: [U0MODERATOR]
"""

# file -> (exit code, a fragment of what `check` says about it)
EXPECTED: dict[str, tuple[int, str]] = {
    "blackberry_attendees_params.ics": (1, "no timed events, only 1 all-day event"),
    "confluence_allday_weekly_exdates_organizer.ics": (1, "no timed events, only 1 all-day event"),
    "confluence_vtimezone_attendee.ics": (1, "no timed events, only 1 all-day event"),
    "davx5_exdate.ics": (0, "Tue 29 Oct 2019, 16:15-17:45 CET (Europe/Berlin)"),  # 15 and 22 Oct excluded
    "discourse_no_dtend_multi_vtimezone.ics": (0, "has no duration"),  # no DTEND: zero length, a warning
    "exchange2010_exdate.ics": (0, "Sun 26 Apr 2020, 14:00-14:30 CEST (Europe/Berlin)"),
    "exchange2010_windows_tzid_allday_rrule.ics": (1, "no timed events, only 5 all-day events"),
    "exchange_cdo_vtimezone.ics": (0, "RRULE contains spaces"),  # repaired; custom zone shown as Etc/GMT-2
    "frab_33c3_schedule_ri_cal.ics": (1, "overlapping items"),  # a conference: parallel rooms
    "google_dst_recurring_attendees.ics": (0, "Thu 29 Jun 2017, 19:00-22:00 CEST (Europe/Berlin)"),
    "google_large_677_events.ics": (0, "Tue 06 Dec 2022, 09:00-10:00 CET (Europe/Paris)"),
    "google_x_wr_timezone_utc_events.ics": (0, "Wed 22 Dec 2021, 12:00-22:00 EST (America/New_York)"),
    "icaljs_malformed_blank_line_mid.ics": (1, "the calendar has no events"),
    "icaljs_zimbra_recur_instances_rdate_exdate_attendees.ics": (0, "15:00-15:30 PDT"),  # the override
    "malformed_20_empty_vevents.ics": (1, "20 events have no DTSTART"),
    "malformed_double_semicolon_param.ics": (1, "has no DTSTART"),
    "malformed_end_before_start.ics": (1, "DTEND before DTSTART"),
    "malformed_invalid_duration.ics": (1, "DURATION cannot be read"),
    "malformed_rrule_until.ics": (1, "RRULE has an unknown part 'UNTL' (did you mean 'UNTIL'?)"),
    "mixed_date_datetime_matrix.ics": (1, "overlapping items"),  # ten events at the same midnight
    "non_ascii_tzid.ics": (0, "'(UTC-03:00) Brasília' has no IANA name"),
    "nonstandard_tzid_utc_plus_11.ics": (0, "Tue 28 Feb 2017, 23:00-23:30 +11 (Etc/GMT-11)"),
    "outlook12_allday_holidays_long_lines.ics": (1, "no timed events, only 159 all-day events"),
    "rfc7986_conference_dialin_links.ics": (1, "the calendar has no timed events"),
    "thunderbird_cancelled_occurrence.ics": (0, "Tue 28 Jan 2020, 22:00-23:00 CET (Europe/Berlin)"),
    "umlaut_organizer_cn.ics": (0, "bare VEVENTs without BEGIN:VCALENDAR"),
    "utf8_bom.ics": (1, "the calendar has no events"),  # the BOM is fine; the calendar is empty
    "x_wr_timezone_floating.ics": (0, "Thu 16 Sep 2021, 21:00-22:45 CEST (Europe/Brussels)"),
    "zero_duration_event.ics": (0, "has no duration"),
}
# The project's own fixtures, for what no shared calendar is: files that are not iCalendar at all.
FIXTURE_EXPECTED: dict[str, tuple[int, str]] = {
    "not_icalendar.ics": (2, "is not an iCalendar file: it should start with BEGIN:VCALENDAR"),
    "latin1_not_utf8.ics": (2, "is not UTF-8 text"),
    "unbalanced_end.ics": (2, "is not valid iCalendar"),
    "webinar_zurich.ics": (0, "Tue 23 Oct 2018, 14:00-15:00 CEST (Europe/Zurich)"),
}
PROBLEM = re.compile(r": (error|warning): ")


def shared_calendars() -> list[object]:
    if not CALENDARS.is_dir():
        reason = f"reference calendars {CALENDARS} are absent (../shared/ sits beside the checkout in CI)"
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="absent")]
    return [pytest.param(path, id=path.name) for path in sorted(CALENDARS.iterdir()) if path.is_file()]


@pytest.fixture
def defaults_file(tmp_path: Path) -> Path:
    path = tmp_path / "defaults.yaml"
    path.write_text(DEFAULTS, encoding="utf-8")
    return path


def run_check(path: Path, defaults: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["check", str(path), "--defaults", str(defaults), *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def assert_said_well(path: Path, defaults: Path, code: int, output: str, expected: tuple[int, str]) -> None:
    assert "Traceback" not in output
    assert code == expected[0], output
    assert expected[1] in output, output
    for line in output.splitlines():
        if PROBLEM.search(line):
            assert line.startswith((f"{path}:", f"{defaults}:")), f"does not name the file: {line}"
    if code == 2:
        assert output.startswith(f"{path}"), output
    else:
        verdict = "valid" if code == 0 else "invalid"
        assert f"{path}: {verdict}: " in output


@pytest.mark.shared
@pytest.mark.parametrize("path", shared_calendars())
def test_check_says_what_each_real_calendar_holds(
    path: Path, defaults_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert path.name in EXPECTED, f"{path.name} is new: look at what it holds and add it to EXPECTED"
    code, output = run_check(path, defaults_file, capsys)
    assert_said_well(path, defaults_file, code, output, EXPECTED[path.name])


@pytest.mark.shared
@pytest.mark.parametrize("path", shared_calendars())
def test_loading_a_real_calendar_never_lets_an_exception_escape(path: Path, defaults_file: Path) -> None:
    code = EXPECTED.get(path.name, (None, ""))[0]
    try:
        result = load_schedule(path, defaults_file)
    except ScheduleUnreadable as exc:
        assert code == 2, f"unexpectedly unreadable: {exc}"
        return
    assert code != 2
    assert result.ok == (code == 0), [str(p) for p in result.problems]
    assert all(p.file in (str(path), str(defaults_file)) for p in result.problems)


@pytest.mark.shared
def test_the_table_names_no_calendar_that_is_gone() -> None:
    if not CALENDARS.is_dir():
        pytest.skip(f"reference calendars {CALENDARS} are absent")
    assert sorted(EXPECTED) == sorted(p.name for p in CALENDARS.iterdir() if p.is_file())


@pytest.mark.parametrize("name", sorted(FIXTURE_EXPECTED))
def test_check_on_the_project_fixtures(
    name: str, defaults_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = FIXTURES / name
    code, output = run_check(path, defaults_file, capsys)
    assert_said_well(path, defaults_file, code, output, FIXTURE_EXPECTED[name])


def test_check_date_picks_another_day_of_a_calendar(
    defaults_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = FIXTURES / "webinar_zurich.ics"
    code, output = run_check(path, defaults_file, capsys, "--date", "2018-10-30")
    expected = (0, "Tue 30 Oct 2018, 14:00-15:00 CET (Europe/Zurich)")
    assert_said_well(path, defaults_file, code, output, expected)
    code, output = run_check(path, defaults_file, capsys, "--date", "2018-10-24")
    expected = (1, "no timed events on 2018-10-24 (the calendar has 3 timed events, the first on 2018-10-23")
    assert_said_well(path, defaults_file, code, output, expected)
