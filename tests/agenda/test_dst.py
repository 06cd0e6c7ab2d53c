"""Wall-clock times across daylight-saving changes: real durations, honest errors."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.agenda.load import load_schedule

Write = Callable[..., Path]

HEADER = """\
title: DST
timezone: Europe/Zurich
channels: {announcements: a, questions: q, backstage: b}
moderators: [U0MOD]
"""


def test_a_block_across_the_autumn_change_lasts_its_real_length(write_schedule: Write) -> None:
    # 28 Oct 2018: Swiss clocks go back from 03:00 CEST to 02:00 CET.
    path = write_schedule(
        HEADER
        + """
date: 2018-10-28
agenda:
  - time: "01:30-03:30"
    title: Night shift
    slots: [{speaker: ana, minutes: 60}, {discussion: 120}]
speakers: {ana: {name: Ana, slack: U0ANA}}
""",
        header=False,
    )
    result = load_schedule(path)
    assert result.agenda is not None
    item = result.agenda.items[0]
    assert item.end - item.start == timedelta(hours=3)
    discussion = item.slots[1]
    assert discussion.end == item.end  # 120 minutes of real time fill the block exactly
    assert item.start.astimezone(result.agenda.tz).tzname() == "CEST"
    assert item.end.astimezone(result.agenda.tz).tzname() == "CET"


def test_a_time_in_the_spring_gap_does_not_exist(write_schedule: Write) -> None:
    # 31 Mar 2019: Swiss clocks jump from 02:00 to 03:00.
    path = write_schedule(
        HEADER
        + """
date: 2019-03-31
agenda:
  - {time: "02:30-03:30", title: Ghost hour}
""",
        header=False,
    )
    errors = [p for p in load_schedule(path).problems if p.is_error]
    assert any("02:30 does not exist" in p.message and "clocks go forward" in p.message for p in errors)


def test_a_time_in_the_autumn_fold_is_taken_as_the_first_with_a_warning(write_schedule: Write) -> None:
    path = write_schedule(
        HEADER
        + """
date: 2018-10-28
agenda:
  - {time: "02:30-04:00", title: Twice}
""",
        header=False,
    )
    result = load_schedule(path)
    assert result.agenda is not None
    item = result.agenda.items[0]
    assert item.start.astimezone(result.agenda.tz).tzname() == "CEST"
    assert item.end - item.start == timedelta(hours=2, minutes=30)
    assert any("happens twice" in p.message and not p.is_error for p in result.problems)


def test_reminders_a_week_before_a_dst_change_keep_local_time_meaningful(write_schedule: Write) -> None:
    # A webinar on 30 Oct (CET) with a reminder 7 days before (then still CEST): 7 x 24 real hours.
    path = write_schedule(
        HEADER
        + """
date: 2018-10-30
agenda:
  - {time: "14:00-15:00", title: After the change}
""",
        header=False,
    )
    result = load_schedule(path)
    assert result.agenda is not None
    reminder = result.agenda.reminders[0]
    assert reminder.instant(result.agenda.start) == result.agenda.start - timedelta(days=7)
