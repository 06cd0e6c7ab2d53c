"""The cue planner: which cues, when, to whom, with ids that do not move."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.agenda.load import load_schedule
from bot.agenda.model import Agenda
from bot.timeline.cue import Cue, Kind
from bot.timeline.planner import plan

Write = Callable[..., Path]

SMALL = """
agenda:
  - {time: "14:00-14:10", title: Welcome, speakers: [mod]}
  - time: "14:10-14:40"
    title: Block
    sessions:
      - title: Session one
        slots:
          - {speaker: ana, minutes: 5}
          - {speaker: ben, minutes: 5}
          - {discussion: 10}
"""


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2018, 10, 23, hour - 2, minute, second, tzinfo=UTC)  # CEST


def agenda_of(path: Path) -> Agenda:
    result = load_schedule(path)
    assert result.agenda is not None, [str(p) for p in result.problems]
    return result.agenda


def by(cues: list[Cue], kind: Kind, audience: str | None = None) -> list[Cue]:
    return [c for c in cues if c.kind is kind and (audience is None or c.audience == audience)]


def test_speaker_gets_a_warning_one_minute_before_their_slot_ends(write_schedule: Write) -> None:
    cues = plan(agenda_of(write_schedule(SMALL)))
    warnings = by(cues, Kind.SLOT_WARNING, "speaker:ana")
    assert [c.at for c in warnings] == [at(14, 14)]


def test_speaker_gets_end_signal_when_slot_ends(write_schedule: Write) -> None:
    cues = plan(agenda_of(write_schedule(SMALL)))
    assert [c.at for c in by(cues, Kind.SLOT_END, "speaker:ana")] == [at(14, 15)]
    assert [c.at for c in by(cues, Kind.SLOT_END, "speaker:ben")] == [at(14, 20)]


def test_backstage_sees_every_speaker_cue(write_schedule: Write) -> None:
    cues = plan(agenda_of(write_schedule(SMALL)))
    for kind in (Kind.SLOT_WARNING, Kind.SLOT_END):
        speaker_instants = {c.at for c in cues if c.kind is kind and c.audience.startswith("speaker:")}
        backstage_instants = {c.at for c in by(cues, kind, "backstage")}
        assert speaker_instants <= backstage_instants


def test_warn_before_is_configurable(write_schedule: Write) -> None:
    cues = plan(agenda_of(write_schedule("warn_before: 2m\n" + SMALL)))
    assert [c.at for c in by(cues, Kind.SLOT_WARNING, "speaker:ana")] == [at(14, 13)]


def test_reminders_come_before_the_start_in_announcements(write_schedule: Write) -> None:
    cues = plan(agenda_of(write_schedule(SMALL)))
    reminders = by(cues, Kind.REMINDER)
    assert [(c.template, c.at, c.audience) for c in reminders] == [
        ("connection_guide", at(14) - timedelta(days=7), "announcements"),
        ("connect_now", at(13, 30), "announcements"),
    ]


def test_each_item_start_each_thread_open_each_discussion_and_the_end(write_schedule: Write) -> None:
    cues = plan(agenda_of(write_schedule(SMALL)))
    assert [c.at for c in by(cues, Kind.ITEM_START, "announcements")] == [at(14), at(14, 10)]
    assert [(c.at, c.audience) for c in by(cues, Kind.THREAD_OPEN)] == [(at(14, 10), "questions")]
    discussion = by(cues, Kind.DISCUSSION_START)
    assert sorted((c.audience, c.template) for c in discussion) == [
        ("announcements", "discussion_start"),
        ("backstage", "discussion_digest"),
    ]
    assert {c.at for c in discussion} == {at(14, 20)}
    assert [(c.at, c.audience) for c in by(cues, Kind.ITEM_END)] == [(at(14, 40), "announcements")]


def test_cues_are_ordered_and_ids_are_unique_and_stable(write_schedule: Write) -> None:
    first = plan(agenda_of(write_schedule(SMALL)))
    second = plan(agenda_of(write_schedule(SMALL, name="copy.yaml")))
    assert [c.id for c in first] == [c.id for c in second]
    assert len({c.id for c in first}) == len(first)
    assert [c.at for c in first] == sorted(c.at for c in first)


def test_moving_an_item_keeps_its_cue_ids(write_schedule: Write) -> None:
    moved = SMALL.replace('"14:10-14:40"', '"14:15-14:45"')
    before = {c.id for c in plan(agenda_of(write_schedule(SMALL)))}
    after = {c.id for c in plan(agenda_of(write_schedule(moved, name="moved.yaml")))}
    assert before == after


def test_a_schedule_can_mute_kinds_per_item_and_globally(write_schedule: Write) -> None:
    body = SMALL.replace("title: Block", "title: Block\n    mute: [item_start]")
    cues = plan(agenda_of(write_schedule("mute: [standby]\n" + body)))
    assert by(cues, Kind.STANDBY) == []
    assert [c.at for c in by(cues, Kind.ITEM_START)] == [at(14)]


def test_cue_context_survives_a_json_round_trip(write_schedule: Write) -> None:
    """Contexts carry titles and durations each language writes; stored (a change notice), they come
    back as they were."""
    import json

    from bot.i18n.localized import from_json, to_json

    for cue in plan(agenda_of(write_schedule(SMALL))):
        assert from_json(json.loads(json.dumps(to_json(dict(cue.context))))) == dict(cue.context)


def test_no_overrun_alert_is_planned_when_nobody_steers(write_schedule: Write) -> None:
    assert by(plan(agenda_of(write_schedule(SMALL))), Kind.OVERRUN) == []
