"""Live adjustments: delays, extensions, actual starts, pauses, skips; buffer absorbs lateness."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.agenda.load import load_schedule
from bot.agenda.model import Agenda
from bot.timeline.adjustments import Adjustments, Pause
from bot.timeline.cue import Cue, Kind
from bot.timeline.planner import plan
from bot.timeline.units import place_units, units_of

Write = Callable[..., Path]

TWO_BLOCKS = """
agenda:
  - time: "14:00-14:30"
    title: First block
    sessions:
      - title: S1
        slots:
          - {speaker: ana, minutes: 5}
          - {speaker: ben, minutes: 5}
          - {discussion: 10}
  - time: "14:30-14:50"
    title: Second block
    sessions:
      - title: S2
        slots:
          - {speaker: ana, minutes: 5}
          - {discussion: 10}
"""
ANA1 = "first-block/s1/ana"
BEN1 = "first-block/s1/ben"
DISC1 = "first-block/s1/discussion"
ANA2 = "second-block/s2/ana"


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2018, 10, 23, hour - 2, minute, second, tzinfo=UTC)


def agenda_of(write: Write, body: str = TWO_BLOCKS) -> Agenda:
    result = load_schedule(write(body))
    assert result.agenda is not None, [str(p) for p in result.problems]
    return result.agenda


def times(cues: list[Cue]) -> dict[str, datetime]:
    return {c.id: c.at for c in cues}


def test_a_five_minute_delay_moves_every_later_cue_by_five_minutes(write_schedule: Write) -> None:
    agenda = agenda_of(write_schedule)
    before = times(plan(agenda))
    delayed = times(plan(agenda, Adjustments().with_delay(at(14, 7), timedelta(minutes=5))))
    assert before.keys() == delayed.keys()
    for cue_id, instant in before.items():
        if instant >= at(14, 10):  # everything from Ben's slot on (not started at 14:07)
            assert delayed[cue_id] == instant + timedelta(minutes=5), cue_id
        elif instant <= at(14, 7):
            assert delayed[cue_id] == instant, cue_id


def test_a_delay_before_the_start_moves_the_reminders_too(write_schedule: Write) -> None:
    agenda = agenda_of(write_schedule)
    before = times(plan(agenda))
    delayed = times(plan(agenda, Adjustments().with_delay(at(13, 0), timedelta(minutes=10))))
    connect_now = "reminder:connect_now@announcements"
    assert delayed[connect_now] == before[connect_now] + timedelta(minutes=10)


def test_next_pressed_late_shifts_the_rest_of_the_block_and_buffer_absorbs_it(write_schedule: Write) -> None:
    agenda = agenda_of(write_schedule)
    # Ana overran by 3 minutes: the moderator starts Ben at 14:08 instead of 14:05.
    adjustments = Adjustments().with_end(ANA1, at(14, 8)).with_start(BEN1, at(14, 8))
    cues = times(plan(agenda, adjustments))
    assert cues[f"slot_end:{BEN1}@speaker:ben"] == at(14, 13)
    assert cues[f"slot_end:{DISC1}@backstage"] == at(14, 23)
    # The second block starts at its own time: the first block had 10 minutes of buffer.
    assert cues[f"slot_end:{ANA2}@speaker:ana"] == at(14, 35)


def test_with_auto_shift_off_the_plan_holds_except_the_started_slot(write_schedule: Write) -> None:
    agenda = agenda_of(write_schedule, "auto_shift: false\n" + TWO_BLOCKS)
    adjustments = Adjustments().with_end(ANA1, at(14, 8)).with_start(BEN1, at(14, 8))
    cues = times(plan(agenda, adjustments))
    assert cues[f"slot_end:{BEN1}@speaker:ben"] == at(14, 13)  # Ben's five minutes run from his start
    assert cues[f"slot_end:{DISC1}@backstage"] == at(14, 20)  # the discussion keeps its planned end


def test_lateness_beyond_the_buffer_pushes_the_next_block(write_schedule: Write) -> None:
    agenda = agenda_of(write_schedule)
    adjustments = Adjustments().with_start(ANA1, at(14, 14))  # a very late start
    cues = times(plan(agenda, adjustments))
    assert cues[f"slot_end:{DISC1}@backstage"] == at(14, 34)
    assert cues["item_start:second-block@announcements"] == at(14, 34)


def test_a_speaker_five_minutes_run_from_when_they_actually_started(write_schedule: Write) -> None:
    agenda = agenda_of(write_schedule)
    cues = times(plan(agenda, Adjustments().with_start(ANA1, at(14, 1, 30))))
    assert cues[f"slot_warning:{ANA1}@speaker:ana"] == at(14, 5, 30)
    assert cues[f"slot_end:{ANA1}@speaker:ana"] == at(14, 6, 30)


def test_extension_gives_the_current_speaker_more_time_and_later_cues_follow(write_schedule: Write) -> None:
    agenda = agenda_of(write_schedule)
    cues = times(plan(agenda, Adjustments().with_extension(ANA1, timedelta(minutes=2))))
    assert cues[f"slot_end:{ANA1}@speaker:ana"] == at(14, 7)
    assert cues[f"slot_end:{BEN1}@speaker:ben"] == at(14, 12)


def test_a_pause_gives_back_the_time_it_stood_still(write_schedule: Write) -> None:
    agenda = agenda_of(write_schedule)
    adjustments = Adjustments(pauses=(Pause(at(14, 2), at(14, 5)),))
    cues = times(plan(agenda, adjustments))
    assert cues[f"slot_warning:{ANA1}@speaker:ana"] == at(14, 7)
    assert cues[f"slot_end:{ANA1}@speaker:ana"] == at(14, 8)
    assert cues["item_start:second-block@announcements"] == at(14, 33)  # a pause is not absorbed


def test_an_overrun_alert_is_planned_for_a_steered_slot_until_they_move_on(write_schedule: Write) -> None:
    agenda = agenda_of(write_schedule)
    steered = Adjustments().with_start(ANA1, at(14))
    overrun = [c for c in plan(agenda, steered) if c.kind is Kind.OVERRUN]
    assert [(c.at, c.audience) for c in overrun] == [(at(14, 5, 30), "backstage")]
    moved_on = steered.with_end(ANA1, at(14, 5, 10)).with_start(BEN1, at(14, 5, 10))
    assert not [c for c in plan(agenda, moved_on) if c.kind is Kind.OVERRUN and c.subject == ANA1]


def test_moving_on_early_drops_the_slots_remaining_cues(write_schedule: Write) -> None:
    agenda = agenda_of(write_schedule)
    early = Adjustments().with_end(ANA1, at(14, 3)).with_start(BEN1, at(14, 3))
    ids = times(plan(agenda, early))
    assert f"slot_warning:{ANA1}@speaker:ana" not in ids
    assert f"slot_end:{ANA1}@speaker:ana" not in ids
    assert ids[f"slot_end:{BEN1}@speaker:ben"] == at(14, 8)


def test_a_skipped_slot_posts_nothing_and_the_next_follows_on(write_schedule: Write) -> None:
    agenda = agenda_of(write_schedule)
    ids = times(plan(agenda, Adjustments().with_skip(BEN1)))
    assert not [i for i in ids if BEN1 in i]
    assert ids[f"slot_end:{DISC1}@backstage"] == at(14, 15)


def test_muted_kinds_are_not_planned(write_schedule: Write) -> None:
    agenda = agenda_of(write_schedule)
    cues = plan(agenda, Adjustments(muted=frozenset({"item_start"})))
    assert not [c for c in cues if c.kind is Kind.ITEM_START]


def test_placement_reports_lateness_per_unit(write_schedule: Write) -> None:
    agenda = agenda_of(write_schedule)
    placement = place_units(agenda, Adjustments().with_start(ANA1, at(14, 2)), units_of(agenda))
    lateness = {p.key: p.lateness for p in placement.units}
    assert lateness[ANA1] == lateness[BEN1] == timedelta(minutes=2)
    assert lateness[ANA2] == timedelta(0)
