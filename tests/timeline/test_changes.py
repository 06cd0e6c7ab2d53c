"""Who hears that the plan moved: participants when what remains moves by `notify_after` or an item
is skipped (at most one notice per span), speakers when their own slot moves by 2 minutes or more."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.agenda.load import load_schedule
from bot.agenda.model import Agenda
from bot.timeline.adjustments import Adjustments
from bot.timeline.changes import Notice, Told, notices_for_change
from bot.timeline.planner import plan
from bot.timeline.units import place_units

BODY = """
agenda:
  - time: "14:00-15:00"
    title: Block
    sessions:
      - title: One
        slots:
          - {speaker: ana, minutes: 10}
          - {speaker: ben, minutes: 10}
          - {discussion: 10}
      - title: Two
        slots:
          - {speaker: mod, minutes: 10}
"""
MIN = timedelta(minutes=1)
NOTHING_TOLD = Told()


def at(hour: int, minute: int) -> datetime:
    return datetime(2018, 10, 23, hour - 2, minute, tzinfo=UTC)


@pytest.fixture
def agenda(write_schedule: Callable[..., Path]) -> Agenda:
    result = load_schedule(write_schedule(BODY))
    assert result.agenda is not None, result.problems
    return result.agenda


def change(
    agenda: Agenda,
    before: Adjustments,
    after: Adjustments,
    now: datetime,
    told: Told = NOTHING_TOLD,
    notices: tuple[Notice, ...] = (),
) -> tuple[tuple[Notice, ...], Told]:
    return notices_for_change(
        agenda, place_units(agenda, before), place_units(agenda, after), now, told, notices
    )


def test_a_seven_minute_delay_is_announced_naming_what_comes_next(agenda: Agenda) -> None:
    delayed = Adjustments().with_delay(at(14, 5), 7 * MIN)
    notices, _ = change(agenda, Adjustments(), delayed, at(14, 5))
    (news,) = [n for n in notices if n.audience == "announcements"]
    assert news.at == at(14, 5) and news.change["late"] == 420
    assert str(news.change["next"]["label"]) == "Ben Speaker"  # ana is speaking; ben is next, 7 min on
    assert news.change["next"]["start_ts"] == int((at(14, 17)).timestamp())


def test_a_small_shift_is_not_announced_but_a_speaker_two_minutes_off_is_told(agenda: Agenda) -> None:
    late = Adjustments().with_delay(at(14, 6), 2 * MIN)
    notices, told = change(agenda, Adjustments(), late, at(14, 6))
    assert not [n for n in notices if n.audience == "announcements"]
    moved = {n.audience: n for n in notices}
    assert set(moved) == {"speaker:ben"}  # mod's "you're on next" (14:27) is still to come and will say it
    assert moved["speaker:ben"].change["was_ts"] == int(at(14, 10).timestamp())
    again, _ = change(agenda, late, late.with_delay(at(14, 7), 1 * MIN), at(14, 7), told, notices)
    assert len(again) == len(notices)  # 1 more minute: nobody is 2 minutes off what they were told


def test_changes_inside_one_span_fold_into_one_notice(agenda: Agenda) -> None:
    first = Adjustments().with_delay(at(14, 5), 6 * MIN)
    notices, told = change(agenda, Adjustments(), first, at(14, 5))
    second = first.with_delay(at(14, 7), 6 * MIN)
    notices, told = change(agenda, first, second, at(14, 7), told, notices)
    third = second.with_delay(at(14, 8), 6 * MIN)
    notices, told = change(agenda, second, third, at(14, 8), told, notices)
    news = [n for n in notices if n.audience == "announcements"]
    assert [n.at for n in news] == [at(14, 5), at(14, 10)]  # the second waits out the 5 min span...
    assert news[1].change["late"] == 18 * 60  # ...and says what is true once the third change came


def test_a_skip_is_announced_and_the_skipped_speaker_hears_it(agenda: Agenda) -> None:
    units = place_units(agenda, Adjustments()).units
    ben = next(u for u in units if u.unit.speaker == "ben")
    notices, _ = change(agenda, Adjustments(), Adjustments().with_skip(ben.key), at(14, 5))
    news = next(n for n in notices if n.audience == "announcements")
    assert [str(s) for s in news.change["skipped"]] == ["Ben Speaker"]
    assert any(n.audience == "speaker:ben" and n.change.get("skipped_you") for n in notices)


def test_notices_become_schedule_change_cues_with_stable_ids(agenda: Agenda) -> None:
    delayed = Adjustments().with_delay(at(14, 5), 7 * MIN)
    notices, _ = change(agenda, Adjustments(), delayed, at(14, 5))
    cues = [c for c in plan(agenda, delayed, notices) if c.kind.value == "schedule_change"]
    assert sorted(c.id for c in cues) == sorted(n.id for n in notices)
    assert cues == [c for c in plan(agenda, delayed, notices) if c.kind.value == "schedule_change"]
