"""The schedule format: how YAML items, sessions and slots become instants."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.agenda.load import load_schedule
from bot.agenda.model import Agenda, SlotKind
from bot.agenda.problems import ScheduleUnreadable

Write = Callable[..., Path]


def geneva(hour: int, minute: int = 0, second: int = 0, day: int = 23) -> datetime:
    # 23 Oct 2018 is summer time in Geneva: UTC+2.
    return datetime(2018, 10, day, hour - 2, minute, second, tzinfo=UTC)


def load_ok(path: Path) -> Agenda:
    result = load_schedule(path)
    errors = [str(p) for p in result.problems if p.is_error]
    assert not errors, errors
    assert result.agenda is not None
    return result.agenda


def test_slots_run_back_to_back_from_the_block_start(write_schedule: Write) -> None:
    agenda = load_ok(
        write_schedule("""
        agenda:
          - time: "14:10-15:30"
            title: Thematic issues
            sessions:
              - title: First
                slots:
                  - {speaker: ana, minutes: 5}
                  - {speaker: ben, minutes: 5}
                  - {discussion: 10}
              - title: Second
                slots:
                  - {speaker: ben, minutes: 5}
        """)
    )
    first, second = agenda.items[0].sessions
    assert [(s.start, s.end) for s in first.slots] == [
        (geneva(14, 10), geneva(14, 15)),
        (geneva(14, 15), geneva(14, 20)),
        (geneva(14, 20), geneva(14, 30)),
    ]
    assert first.slots[2].kind is SlotKind.DISCUSSION
    assert second.start == geneva(14, 30)
    assert agenda.items[0].buffer == timedelta(minutes=55)


def test_a_session_or_slot_with_its_own_time_starts_then(write_schedule: Write) -> None:
    agenda = load_ok(
        write_schedule("""
        agenda:
          - time: "14:00-15:00"
            title: Block
            sessions:
              - title: Early
                slots: [{speaker: ana, minutes: 5}]
              - title: Later
                time: "14:30"
                slots:
                  - {speaker: ben, minutes: 5}
                  - {discussion: 10, time: "14:40"}
        """)
    )
    later = agenda.items[0].sessions[1]
    assert later.start == geneva(14, 30)
    assert later.slots[1].start == geneva(14, 40)
    assert later.slots[1].end == geneva(14, 50)


def test_the_next_block_starts_at_its_own_time_and_a_block_without_time_follows(
    write_schedule: Write,
) -> None:
    agenda = load_ok(
        write_schedule("""
        agenda:
          - {time: "14:00-14:10", title: Welcome}
          - {title: Follows, duration: 20m}
          - {time: "15:00-15:15", title: Closing}
        """)
    )
    assert [(i.start, i.end) for i in agenda.items] == [
        (geneva(14), geneva(14, 10)),
        (geneva(14, 10), geneva(14, 30)),
        (geneva(15), geneva(15, 15)),
    ]
    assert not agenda.items[1].anchored


@pytest.mark.parametrize(("minutes", "seconds"), [("5", 300), ("5m", 300), ("90s", 90), ("1h", 3600)])
def test_slot_lengths_accept_every_duration_form(write_schedule: Write, minutes: str, seconds: int) -> None:
    agenda = load_ok(
        write_schedule(f"""
        agenda:
          - time: "14:00-16:00"
            title: Block
            slots: [{{speaker: ana, minutes: {minutes}}}]
        """)
    )
    assert agenda.items[0].slots[0].duration == timedelta(seconds=seconds)


def test_unquoted_times_are_read_as_times_not_sexagesimal_numbers(write_schedule: Write) -> None:
    agenda = load_ok(
        write_schedule("""
        agenda:
          - time: 14:00
            title: Unquoted
            duration: 10
        """)
    )
    assert agenda.items[0].start == geneva(14)


def test_speaker_to_be_confirmed_is_loaded_as_such(write_schedule: Write) -> None:
    path = write_schedule(
        """
        title: T
        timezone: Europe/Zurich
        date: 2018-10-23
        channels: {announcements: a, questions: q, backstage: b}
        speakers:
          val: {name: Valerie, email: v@example.org, confirmed: false}
        agenda:
          - {time: "14:00-14:15", title: Panel, slots: [{speaker: val, minutes: 15}]}
        """,
        header=False,
    )
    result = load_schedule(path)
    assert result.agenda is not None
    assert result.agenda.speakers["val"].confirmed is False
    assert any("to be confirmed" in p.message and not p.is_error for p in result.problems)


def test_an_item_that_crosses_midnight_ends_the_next_day(write_schedule: Write) -> None:
    agenda = load_ok(
        write_schedule("""
        agenda:
          - {time: "23:30-00:30", title: Late night}
        """)
    )
    assert agenda.items[0].end - agenda.items[0].start == timedelta(hours=1)


def test_default_reminders_are_a_connection_guide_a_week_before_and_connect_now(
    write_schedule: Write,
) -> None:
    agenda = load_ok(
        write_schedule("""
        connect_before: 20m
        agenda:
          - {time: "14:00-14:10", title: Only}
        """)
    )
    assert [(r.template, r.before) for r in agenda.reminders] == [
        ("connection_guide", timedelta(days=7)),
        ("connect_now", timedelta(minutes=20)),
    ]


def test_keys_are_stable_and_unique(write_schedule: Write) -> None:
    body = """
        agenda:
          - time: "14:00-15:00"
            title: The Same Title
            sessions:
              - title: Session
                slots:
                  - {speaker: ana, minutes: 5}
                  - {speaker: ana, minutes: 5}
                  - {discussion: 5}
                  - {discussion: 5}
          - {time: "15:00-15:10", title: The same title}
        """
    first = load_ok(write_schedule(body))
    second = load_ok(write_schedule(body, name="again.yaml"))
    keys = [s.key for s in first.items[0].all_slots]
    assert keys == [s.key for s in second.items[0].all_slots]
    assert len(set(keys)) == 4
    assert first.items[0].key != first.items[1].key


def test_geneva_is_accepted_as_the_zurich_zone_with_a_warning(write_schedule: Write) -> None:
    path = write_schedule(
        """
        title: T
        timezone: Europe/Geneva
        date: 2018-10-23
        channels: {announcements: a, questions: q, backstage: b}
        agenda:
          - {time: "14:00-14:10", title: Only}
        """,
        header=False,
    )
    result = load_schedule(path)
    assert result.agenda is not None and result.agenda.timezone == "Europe/Zurich"
    assert any("Europe/Zurich" in p.message and not p.is_error for p in result.problems)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: [unclosed\n", "not valid YAML"),
        ("- just\n- a list\n", "must be a YAML mapping"),
        ("title: a\ntitle: b\n", "appears twice"),
    ],
)
def test_unreadable_files_raise_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScheduleUnreadable, match=message):
        load_schedule(path)


def test_a_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ScheduleUnreadable, match="no such file"):
        load_schedule(tmp_path / "absent.yaml")
