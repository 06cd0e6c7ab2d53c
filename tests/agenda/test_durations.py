from datetime import time, timedelta

import pytest

from bot.agenda.durations import BadValue, format_duration, parse_duration, parse_time_range


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", timedelta(minutes=5)),
        ("5m", timedelta(minutes=5)),
        ("90s", timedelta(seconds=90)),
        ("1h", timedelta(hours=1)),
        ("1h30m", timedelta(minutes=90)),
        ("1 h 30 min", timedelta(minutes=90)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(days=14)),
        ("PT5M", timedelta(minutes=5)),
        ("-5m", timedelta(minutes=-5)),
        ("2.5", timedelta(seconds=150)),
    ],
)
def test_durations_accept_the_forms_schedules_use(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "5x", "5m extra", "P", None, True])
def test_malformed_durations_are_refused_with_a_reason(text: object) -> None:
    with pytest.raises(BadValue, match=r"duration|unit"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:00-14:10", (time(14), time(14, 10))),
        ("14:00 – 14:10", (time(14), time(14, 10))),
        ("14:00", (time(14), None)),
        ("2pm - 2:30pm", (time(14), time(14, 30))),
        ("9.05", (time(9, 5), None)),
    ],
)
def test_time_ranges_parse(text: str, expected: tuple[time, time | None]) -> None:
    assert parse_time_range(text) == expected


@pytest.mark.parametrize("text", ["25:00", "14", "noon", "14:00-", "14:75"])
def test_malformed_times_are_refused(text: str) -> None:
    with pytest.raises(BadValue):
        parse_time_range(text)


def test_durations_print_for_humans() -> None:
    assert format_duration(timedelta(minutes=80)) == "1 h 20 min"
    assert format_duration(timedelta(seconds=45)) == "45 s"
    assert format_duration(timedelta(days=7)) == "7 days"
