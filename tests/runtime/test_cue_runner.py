"""The cue runner: a late cue is posted while still useful; past that it is missed (the bot was down)
or withdrawn (a moderator's change made it moot); a cue a change brought into the past goes now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.kinds import Kind
from bot.runtime.cue_runner import STARTUP, Cause, CueRunner
from bot.runtime.scheduler import ClockScheduler
from bot.store import Outbox, OutboxStatus, create_schema, make_engine
from bot.timeline.cue import Cue, cue_id

NOW = datetime(2018, 10, 23, 12, 30, tzinfo=UTC)
MIN = timedelta(minutes=1)


def cue(kind: Kind, subject: str, at: datetime, anchor: datetime | None = None) -> Cue:
    return Cue(cue_id(kind, subject, "backstage"), at, kind, "backstage", kind.value, subject, {}, anchor)


@dataclass
class World:
    runner: CueRunner
    delivered: list[str] = field(default_factory=list)
    missed: list[list[Cue]] = field(default_factory=list)


@pytest.fixture
def world() -> World:
    clock = ManualClock(NOW)
    engine = make_engine("sqlite://")
    create_schema(engine)
    delivered: list[str] = []
    missed: list[list[Cue]] = []
    runner = CueRunner(
        ClockScheduler(clock), Outbox(engine, "w"), clock, lambda c, _r: delivered.append(c.id), missed.append
    )
    runner.start(background=False)
    return World(runner, delivered, missed)


def test_at_start_up_a_cue_within_its_grace_is_posted_late_and_one_beyond_it_is_missed(world: World) -> None:
    runner = world.runner
    fresh = cue(Kind.REMINDER, "fresh", NOW - 5 * MIN)  # grace 10 min
    stale = cue(Kind.SLOT_END, "stale", NOW - 2 * MIN)  # grace 1 min
    change = runner.apply_plan([fresh, stale], STARTUP)
    runner.scheduler.run_due()
    assert world.delivered == [fresh.id]
    assert [c.id for c in change.missed] == [stale.id]
    assert [[c.id for c in m] for m in world.missed] == [[stale.id]]  # and backstage is told
    assert runner.outbox.get(stale.id).status is OutboxStatus.MISSED  # type: ignore[union-attr]


def test_after_a_change_a_cue_beyond_its_grace_is_withdrawn_not_missed(world: World) -> None:
    runner = world.runner
    end = cue(Kind.SLOT_END, "end", NOW + 5 * MIN)
    runner.apply_plan([end], STARTUP)
    moved = cue(Kind.SLOT_END, "end", NOW - 3 * MIN)  # a moderator's `start 4` put it far in the past
    change = runner.apply_plan([moved], Cause("a moderator started item 4"))
    runner.scheduler.run_due()
    assert world.delivered == [] and world.missed == [] and change.withdrawn == [end.id]
    entry = runner.outbox.get(end.id)
    assert entry is not None and entry.status is OutboxStatus.VOID and "started item 4" in (entry.error or "")


def test_a_standby_a_change_brought_into_the_past_goes_at_once_while_the_slot_is_ahead(world: World) -> None:
    runner = world.runner
    standby = cue(Kind.STANDBY, "astor", NOW + 5 * MIN, anchor=NOW + 10 * MIN)
    runner.apply_plan([standby], STARTUP)
    earlier = cue(Kind.STANDBY, "astor", NOW - 4 * MIN, anchor=NOW + 1 * MIN)  # a skip pulled her slot in
    change = runner.apply_plan([earlier], Cause("a moderator skipped Isabel Ortiz"))
    runner.scheduler.run_due()
    assert world.delivered == [earlier.id] and [c.id for c in change.caught_up] == [earlier.id]
    assert runner.outbox.get(earlier.id).planned_at == NOW  # type: ignore[union-attr]


def test_a_dropped_cue_is_withdrawn_with_the_change_as_its_reason(world: World) -> None:
    runner = world.runner
    warning = cue(Kind.SLOT_WARNING, "ortiz", NOW + 5 * MIN)
    runner.apply_plan([warning], STARTUP)
    change = runner.apply_plan([], Cause("a moderator skipped Isabel Ortiz"))
    assert change.withdrawn == [warning.id]
    assert runner.outbox.get(warning.id).error == "a moderator skipped Isabel Ortiz"  # type: ignore[union-attr]


def runner_on(outbox: Outbox, clock: ManualClock, delivered: list[tuple[str, bool]]) -> CueRunner:
    runner = CueRunner(
        ClockScheduler(clock), outbox, clock, lambda c, look: delivered.append((c.id, look)), list
    )
    runner.start(background=False)
    return runner


@pytest.fixture
def outbox() -> Outbox:
    engine = make_engine("sqlite://")
    create_schema(engine)
    return Outbox(engine, "w")


def test_the_cues_of_an_instant_are_claimed_ahead_of_it_and_go_out_once_at_it(outbox: Outbox) -> None:
    clock = ManualClock(NOW)
    delivered: list[tuple[str, bool]] = []
    runner = runner_on(outbox, clock, delivered)
    end, start = cue(Kind.SLOT_END, "ortiz", NOW + MIN), cue(Kind.ITEM_START, "panel", NOW + MIN)
    runner.apply_plan([end, start], STARTUP)
    clock.advance(MIN - timedelta(seconds=1))
    runner.ahead([end.id, start.id])
    assert {outbox.get(c.id).status for c in (end, start)} == {OutboxStatus.SENDING}  # type: ignore[union-attr]
    assert runner.scheduler.run_due() == 0 and delivered == []  # claimed, not posted
    clock.advance(timedelta(seconds=1))
    assert runner.scheduler.run_due() == 2
    assert sorted(delivered) == sorted([(end.id, False), (start.id, False)])
    assert outbox.get(end.id).attempts == 1  # type: ignore[union-attr]  # claimed once, not again


def test_a_change_of_plan_gives_back_a_cue_claimed_ahead_and_it_goes_at_its_new_time(outbox: Outbox) -> None:
    clock = ManualClock(NOW)
    delivered: list[tuple[str, bool]] = []
    runner = runner_on(outbox, clock, delivered)
    warning = cue(Kind.SLOT_WARNING, "ortiz", NOW + MIN)
    runner.apply_plan([warning], STARTUP)
    clock.advance(MIN - timedelta(seconds=1))
    runner.ahead([warning.id])
    later = cue(Kind.SLOT_WARNING, "ortiz", NOW + 3 * MIN)  # a moderator's `delay 2`
    runner.apply_plan([later], Cause("a moderator delayed the webinar by 2 minutes"))
    entry = outbox.get(warning.id)
    assert entry is not None and entry.status is OutboxStatus.PENDING and entry.planned_at == later.at
    clock.advance(timedelta(seconds=1))
    assert runner.scheduler.run_due() == 0 and delivered == []
    clock.advance(2 * MIN)
    runner.scheduler.run_due()
    assert delivered == [(warning.id, False)]


def test_a_runner_that_stops_gives_back_what_it_claimed_ahead(outbox: Outbox) -> None:
    clock = ManualClock(NOW)
    runner = runner_on(outbox, clock, [])
    end = cue(Kind.SLOT_END, "ortiz", NOW + MIN)
    runner.apply_plan([end], STARTUP)
    runner.ahead([end.id])
    runner.stop()  # its lease went to another replica
    assert outbox.get(end.id).status is OutboxStatus.PENDING  # type: ignore[union-attr]


def test_a_cue_claimed_ahead_by_a_process_that_died_goes_at_its_time_looked_for_first(
    outbox: Outbox,
) -> None:
    clock = ManualClock(NOW)
    end = cue(Kind.SLOT_END, "ortiz", NOW + MIN)
    dead = runner_on(outbox, clock, [])
    dead.apply_plan([end], STARTUP)
    dead.ahead([end.id])  # and then it was killed: nothing gave the claim back
    delivered: list[tuple[str, bool]] = []
    restarted = runner_on(outbox, clock, delivered)
    restarted.apply_plan([end], STARTUP)
    restarted.recover_in_flight()
    assert delivered == []  # not before its time
    clock.advance(MIN)
    restarted.scheduler.run_due()
    assert delivered == [(end.id, True)]  # at its time, looking for the post before making it
