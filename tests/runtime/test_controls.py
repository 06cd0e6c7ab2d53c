"""Moderators steer: each control changes the live state as a moderator expects, or says why not."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.agenda.load import load_schedule
from bot.agenda.model import Agenda
from bot.runtime.controls import Control, ControlError, apply_control, parse_control
from bot.runtime.live import LiveState
from bot.runtime.status import status
from bot.timeline.cue import Kind
from bot.timeline.planner import plan

Write = Callable[..., Path]

BODY = """
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
  - {time: "14:40-14:45", title: Closing}
"""
ANA = "block/session-one/ana"
BEN = "block/session-one/ben"


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2018, 10, 23, hour - 2, minute, second, tzinfo=UTC)


@pytest.fixture
def agenda(write_schedule: Write) -> Agenda:
    result = load_schedule(write_schedule(BODY))
    assert result.agenda is not None
    return result.agenda


def steer(agenda: Agenda, state: LiveState, text: str, now: datetime) -> LiveState:
    return apply_control(agenda, state, parse_control(text), now).state


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Control("status")),
        ("next", Control("next")),
        ("delay 5", Control("delay", timedelta(minutes=5))),
        ("extend 90s", Control("extend", timedelta(seconds=90))),
        ("start behrendt", Control("start", target="behrendt")),
        ("mute item_start", Control("mute", target="item_start")),
        ("GO", Control("start")),
    ],
)
def test_controls_parse(text: str, expected: Control) -> None:
    assert parse_control(text) == expected


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("delay", "How long?"),
        ("delay soon", "not a duration"),
        ("delay -5", "between"),
        ("mute everything", "Which kind"),
        ("nxet", "Did you mean `next`?"),
        ("<!channel>", "don't know"),
    ],
)
def test_bad_controls_get_a_polite_reply(text: str, reply: str) -> None:
    with pytest.raises(ControlError, match=reply.replace("?", r"\?")):
        parse_control(text)


def test_next_pressed_late_records_the_overrun_and_the_next_speaker_starts_now(agenda: Agenda) -> None:
    state = steer(agenda, LiveState(), "start", at(14))
    state = steer(agenda, state, "next", at(14, 10))  # Ana starts on time
    outcome = apply_control(agenda, state, parse_control("next"), at(14, 17))  # Ana ran 2 min over
    assert outcome.changed and "ran 2 min over" in str(outcome.log or "")
    ends = {c.id: c.at for c in plan(agenda, outcome.state.adjustments)}
    assert ends[f"slot_end:{BEN}@speaker:ben"] == at(14, 22)


def test_next_while_overrunning_refers_to_the_speaker_who_overran(agenda: Agenda) -> None:
    state = steer(agenda, steer(agenda, LiveState(), "start", at(14)), "next", at(14, 10))
    now = at(14, 16)  # by the plan Ben has had the floor since 14:15, but Ana was started by hand
    report = status(agenda, state, now)
    assert report.current is not None and report.current.key == ANA
    assert report.phase == "overrun" and report.overrun == timedelta(minutes=1)
    state = steer(agenda, state, "next", now)
    assert state.current == BEN


def test_status_shows_lateness_and_the_buffer_left_to_absorb_it(agenda: Agenda) -> None:
    state = steer(agenda, steer(agenda, LiveState(), "start", at(14)), "next", at(14, 13))
    report = status(agenda, state, at(14, 14))
    assert report.current is not None and report.current.key == ANA
    assert report.behind == timedelta(minutes=3)
    assert report.time_left == timedelta(minutes=4)
    assert report.buffer_left == timedelta(minutes=7)  # a 10-minute buffer, 3 minutes used


def test_delay_moves_every_later_cue(agenda: Agenda) -> None:
    before = {c.id: c.at for c in plan(agenda)}
    state = steer(agenda, LiveState(), "delay 5", at(14, 12))
    after = {c.id: c.at for c in plan(agenda, state.adjustments)}
    moved = [cid for cid, when in before.items() if when > at(14, 12)]
    assert moved and all(after[cid] - before[cid] == timedelta(minutes=5) for cid in moved)


def test_pause_and_resume_give_back_the_paused_time(agenda: Agenda) -> None:
    state = steer(agenda, LiveState(), "pause", at(14, 12))
    assert status(agenda, state, at(14, 13)).phase == "paused"
    with pytest.raises(ControlError, match="already paused"):
        steer(agenda, state, "pause", at(14, 13))
    state = steer(agenda, state, "resume", at(14, 15))
    ends = {c.id: c.at for c in plan(agenda, state.adjustments)}
    assert ends[f"slot_end:{ANA}@speaker:ana"] == at(14, 18)


def test_extend_gives_the_current_slot_more_time(agenda: Agenda) -> None:
    state = steer(agenda, LiveState(), "extend 2", at(14, 12))
    ends = {c.id: c.at for c in plan(agenda, state.adjustments)}
    assert ends[f"slot_end:{ANA}@speaker:ana"] == at(14, 17)


def test_skip_drops_the_slot_up_next(agenda: Agenda) -> None:
    state = steer(agenda, LiveState(), "skip", at(14, 12))
    assert BEN in state.adjustments.skipped
    assert not [c for c in plan(agenda, state.adjustments) if c.subject == BEN]


def test_start_an_item_by_speaker_jumps_forward_and_skips_what_is_between(agenda: Agenda) -> None:
    state = steer(agenda, LiveState(), "start ben", at(14, 3))
    assert state.current == BEN
    assert ANA in state.adjustments.skipped


def test_start_twice_is_refused_politely(agenda: Agenda) -> None:
    state = steer(agenda, LiveState(), "start", at(14, 2))
    with pytest.raises(ControlError, match="Already running"):
        steer(agenda, state, "start", at(14, 3))


def test_mute_removes_a_kind_of_cue(agenda: Agenda) -> None:
    state = steer(agenda, LiveState(), "mute item_start", at(13))
    assert not [c for c in plan(agenda, state.adjustments) if c.kind is Kind.ITEM_START]
    state = steer(agenda, state, "unmute item_start", at(13))
    assert [c for c in plan(agenda, state.adjustments) if c.kind is Kind.ITEM_START]


def test_next_on_the_last_part_ends_the_webinar(agenda: Agenda) -> None:
    state = steer(agenda, LiveState(), "start closing", at(14, 40))
    state = steer(agenda, state, "next", at(14, 43))
    ends = [c for c in plan(agenda, state.adjustments) if c.kind is Kind.ITEM_END]
    assert [c.at for c in ends] == [at(14, 43)]


def test_live_state_survives_a_json_round_trip(agenda: Agenda) -> None:
    state = steer(agenda, LiveState(), "start", at(14))
    state = steer(agenda, state, "delay 5", at(14, 1))
    state = steer(agenda, state, "pause", at(14, 2))
    state = steer(agenda, state, "mute standby", at(14, 2))
    assert LiveState.from_json(state.to_json()) == state
