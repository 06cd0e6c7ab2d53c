"""`check`'s rules: every problem at once, each with the file, the YAML line and the item."""

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.agenda.load import load_schedule
from bot.agenda.problems import Problem
from bot.agenda.validate import summarize
from bot.messages.render import Renderer

from support import SEED_PANEL, SEED_WEBINAR

Write = Callable[..., Path]


def problems_of(path: Path) -> list[Problem]:
    return load_schedule(path, templates=Renderer().names()).problems


def errors_of(path: Path) -> list[Problem]:
    return [p for p in problems_of(path) if p.is_error]


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def only_error(path: Path, fragment: str) -> Problem:
    matching = [p for p in errors_of(path) if fragment in p.message]
    assert len(matching) == 1, [str(p) for p in errors_of(path)]
    assert matching[0].file == str(path)
    return matching[0]


def test_the_seed_schedules_are_valid() -> None:
    for path in (SEED_WEBINAR, SEED_PANEL):
        assert errors_of(path) == []


def test_unknown_time_zone_is_an_error_on_its_line(write_schedule: Write) -> None:
    path = write_schedule(
        """
        title: T
        timezone: Mars/Olympus_Mons
        date: 2018-10-23
        agenda:
          - {time: "14:00-14:10", title: Only}
        """,
        header=False,
    )
    problem = only_error(path, "unknown time zone 'Mars/Olympus_Mons'")
    assert problem.line == line_of(path, "Mars/Olympus")


def test_a_misspelt_time_zone_gets_a_suggestion(write_schedule: Write) -> None:
    path = write_schedule(
        """
        title: T
        timezone: Europe/Zuric
        date: 2018-10-23
        agenda:
          - {time: "14:00-14:10", title: Only}
        """,
        header=False,
    )
    assert "did you mean 'Europe/Zurich'" in only_error(path, "unknown time zone").message


def test_malformed_time_and_duration_are_errors_naming_the_item(write_schedule: Write) -> None:
    path = write_schedule("""
        agenda:
          - {time: "14:00-14:10", title: Fine}
          - {time: "1400-", title: Broken time}
          - time: "14:30-15:00"
            title: Broken slot
            slots: [{speaker: ana, minutes: five}]
        """)
    time_error = only_error(path, "expected a time")
    assert time_error.line == line_of(path, '"1400-"')
    assert "Broken time" in time_error.item
    duration_error = only_error(path, "expected a duration")
    assert duration_error.line == line_of(path, "minutes: five")
    assert "Broken slot" in duration_error.item and "slot 1" in duration_error.item


def test_overlapping_items_are_an_error(write_schedule: Write) -> None:
    path = write_schedule("""
        agenda:
          - {time: "14:00-14:30", title: First}
          - {time: "14:20-14:40", title: Second}
        """)
    problem = only_error(path, "overlapping items")
    assert problem.line == line_of(path, "Second")
    assert '"Second"' in problem.item


def test_slots_that_overflow_their_block_are_an_error_at_the_slot(write_schedule: Write) -> None:
    path = write_schedule("""
        agenda:
          - time: "14:00-14:10"
            title: Too short
            sessions:
              - title: Crowded
                slots:
                  - {speaker: ana, minutes: 5}
                  - {speaker: ben, minutes: 10}
        """)
    problem = only_error(path, "overflow")
    assert problem.line == line_of(path, "speaker: ben")
    assert "5 min after its block ends at 14:10" in problem.message


def test_a_speaker_referenced_but_not_defined_is_an_error(write_schedule: Write) -> None:
    path = write_schedule("""
        agenda:
          - time: "14:00-14:10"
            title: Block
            slots: [{speaker: ghost, minutes: 5}]
        """)
    problem = only_error(path, "speaker 'ghost' is not defined")
    assert problem.line == line_of(path, "ghost")


def test_a_reminder_after_the_start_is_an_error(write_schedule: Write) -> None:
    path = write_schedule("""
        reminders:
          - {before: 7d, template: connection_guide}
          - {before: -10m, template: connect_now}
        agenda:
          - {time: "14:00-14:10", title: Only}
        """)
    problem = only_error(path, "after the start")
    assert problem.line == line_of(path, "-10m")


def test_a_reminder_with_an_unknown_template_is_an_error(write_schedule: Write) -> None:
    path = write_schedule("""
        reminders: [{before: 1d, template: no_such_template}]
        agenda:
          - {time: "14:00-14:10", title: Only}
        """)
    only_error(path, "no template named 'no_such_template'")


def test_missing_channels_are_an_error(write_schedule: Write) -> None:
    path = write_schedule(
        """
        title: T
        timezone: Europe/Zurich
        date: 2018-10-23
        channels: {announcements: webinar}
        agenda:
          - {time: "14:00-14:10", title: Only}
        """,
        header=False,
    )
    problem = only_error(path, "channels are missing")
    assert "questions" in problem.message and "backstage" in problem.message


def test_every_problem_is_reported_at_once(write_schedule: Write) -> None:
    path = write_schedule(
        """
        title: T
        timezone: Nowhere/City
        date: 2018-10-23
        agenda:
          - {time: "14:00-14:30", title: First, speakers: [ghost]}
          - {time: "14:20-14:40", title: Second}
          - {time: "25:00", title: Third}
        """,
        header=False,
    )
    messages = " | ".join(p.message for p in errors_of(path))
    assert "unknown time zone" in messages
    # the agenda cannot be resolved without a zone, but everything else readable is still reported
    path2 = write_schedule(
        """
        agenda:
          - {time: "14:00-14:30", title: First, speakers: [ghost]}
          - {time: "14:20-14:40", title: Second}
          - {time: "25:00", title: Third}
        reminders: [{before: -1m, template: connect_now}]
        """,
        name="many.yaml",
    )
    messages = " | ".join(p.message for p in errors_of(path2))
    for fragment in ("not defined", "overlapping", "not a time of day", "after the start"):
        assert fragment in messages


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (
            """
        speakers:
          tbc: {name: Somebody, email: s@example.org, confirmed: false}
        agenda:
          - {time: "14:00-14:10", title: Only, speakers: [tbc]}
        """,
            "to be confirmed",
        ),
        (
            """
        speakers:
          nobody: {name: Unreachable}
        agenda:
          - {time: "14:00-14:10", title: Only, speakers: [nobody]}
        """,
            "cannot reach them in Slack",
        ),
        (
            """
        speakers: {ana: {name: Ana, slack: U0ANA}}
        agenda:
          - time: "14:00-15:00"
            title: Roomy
            slots: [{speaker: ana, minutes: 5}]
        """,
            "55 min of buffer left",
        ),
        (
            """
        agenda:
          - {time: "14:00-14:10", title: Only, colour: red}
        """,
            "unknown key 'colour'",
        ),
    ],
)
def test_warnings_do_not_make_a_schedule_invalid(write_schedule: Write, body: str, fragment: str) -> None:
    text = (
        "title: T\ntimezone: Europe/Zurich\ndate: 2018-10-23\n"
        "channels: {announcements: a, questions: q, backstage: b}\nmoderators: [U0MOD]\n"
    )
    path = write_schedule(text + textwrap.dedent(body), header=False)
    problems = problems_of(path)
    assert not [p for p in problems if p.is_error], [str(p) for p in problems]
    assert any(fragment in p.message for p in problems), [str(p) for p in problems]


def test_summary_of_the_seed_webinar() -> None:
    result = load_schedule(SEED_WEBINAR)
    assert result.agenda is not None
    summary = summarize(result.agenda)
    assert (summary.items, summary.sessions, summary.speaker_slots, summary.discussions) == (5, 8, 12, 7)
    assert summary.buffer.total_seconds() == 40 * 60
