"""APScheduler driven by the injected clock: a three-hour agenda in microseconds, no wall clock."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock, ScaledClock
from bot.runtime.scheduler import AHEAD, ClockScheduler

T0 = datetime(2018, 10, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


def test_a_job_fires_when_the_clock_reaches_it_and_not_before(clock: ManualClock) -> None:
    fired: list[str] = []
    scheduler = ClockScheduler(clock)
    scheduler.start(background=False)
    scheduler.schedule_at("a", T0 + timedelta(minutes=5), fired.append, ("a",))
    clock.advance(timedelta(minutes=4, seconds=59))
    assert scheduler.run_due() == 0 and fired == []
    clock.advance(timedelta(seconds=1))
    assert scheduler.run_due() == 1 and fired == ["a"]
    assert scheduler.run_due() == 0  # one-shot
    scheduler.shutdown()


def test_replace_existing_moves_a_job(clock: ManualClock) -> None:
    fired: list[str] = []
    scheduler = ClockScheduler(clock)
    scheduler.start(background=False)
    scheduler.schedule_at("cue", T0 + timedelta(minutes=5), fired.append, ("first",))
    scheduler.schedule_at("cue", T0 + timedelta(minutes=10), fired.append, ("moved",))
    assert len(scheduler.get_jobs()) == 1
    clock.advance(timedelta(minutes=6))
    assert scheduler.run_due() == 0
    clock.advance(timedelta(minutes=4))
    scheduler.run_due()
    assert fired == ["moved"]
    scheduler.shutdown()


def test_a_job_in_the_past_fires_at_once_without_a_wall_clock_misfire_check(clock: ManualClock) -> None:
    fired: list[str] = []
    scheduler = ClockScheduler(clock)
    scheduler.start(background=False)
    scheduler.schedule_at("late", T0 - timedelta(hours=1), fired.append, ("late",))
    scheduler.run_due()
    assert fired == ["late"]  # 2018 is years before the wall clock: APScheduler's check would drop it
    scheduler.shutdown()


def test_unschedule_removes_a_pending_job(clock: ManualClock) -> None:
    scheduler = ClockScheduler(clock)
    scheduler.start(background=False)
    scheduler.schedule_at("x", T0 + timedelta(seconds=1), print)
    assert scheduler.unschedule("x") is True
    assert scheduler.unschedule("x") is False
    assert scheduler.next_wakeup() is None
    scheduler.shutdown()


def test_the_background_thread_fires_when_another_thread_advances_the_clock(clock: ManualClock) -> None:
    done = threading.Event()
    scheduler = ClockScheduler(clock)
    scheduler.start(background=True)
    scheduler.schedule_at("bg", T0 + timedelta(hours=3), done.set)
    assert not done.is_set()
    clock.advance(timedelta(hours=3))
    assert done.wait(timeout=10)
    scheduler.shutdown()


def test_the_jobs_of_an_instant_are_shown_ahead_of_it_and_run_only_when_it_comes(clock: ManualClock) -> None:
    seen: list[list[str]] = []
    looked, fired = threading.Event(), threading.Event()

    def ahead(job_ids: list[str]) -> None:
        seen.append(sorted(job_ids))
        looked.set()

    scheduler = ClockScheduler(clock)
    scheduler.start(background=True, ahead=ahead)
    at = T0 + timedelta(minutes=10)
    scheduler.schedule_at("slot_end", at, fired.set)
    scheduler.schedule_at("item_start", at, print)
    scheduler.schedule_at("later", at + timedelta(minutes=5), print)
    clock.advance(timedelta(minutes=10) - AHEAD)
    assert looked.wait(timeout=10)
    assert seen == [["item_start", "slot_end"]] and not fired.is_set()  # shown, not run
    clock.advance(AHEAD)
    assert fired.wait(timeout=10)
    scheduler.shutdown()


def test_a_scaled_clock_runs_an_hour_of_agenda_in_order_quickly() -> None:
    clock = ScaledClock(T0, speed=36_000)  # an hour of agenda in 0.1 s
    order: list[int] = []
    finished = threading.Event()
    scheduler = ClockScheduler(clock)
    scheduler.start(background=True)
    for n in range(10):
        scheduler.schedule_at(f"j{n}", T0 + timedelta(minutes=6 * n + 1), order.append, (n,))
    scheduler.schedule_at("end", T0 + timedelta(minutes=61), finished.set)
    assert finished.wait(timeout=20)
    assert order == list(range(10))
    scheduler.shutdown()


def test_the_scheduler_never_reads_the_wall_clock(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    import apscheduler.schedulers.base as base

    class NoWallClock(datetime):
        @classmethod
        def now(cls, tz: object = None) -> "NoWallClock":
            raise AssertionError("the wall clock was read")

    monkeypatch.setattr(base, "datetime", NoWallClock)
    fired: list[int] = []
    scheduler = ClockScheduler(clock)
    scheduler.start(background=False)
    scheduler.schedule_at("a", T0 + timedelta(seconds=30), fired.append, (1,))
    clock.advance(timedelta(seconds=30))
    scheduler.run_due()
    assert fired == [1]
    scheduler.shutdown()


def test_jobs_run_outside_the_stores_lock_so_a_replan_in_another_thread_cannot_deadlock(
    clock: ManualClock,
) -> None:
    """A batch of due jobs takes the runner's lock; a re-plan holds that lock while it reschedules."""
    runner_lock = threading.Lock()
    in_batch = threading.Event()

    def before_batch(ids: list[str]) -> None:
        in_batch.set()
        with runner_lock:  # the cue runner claims the batch under its lock
            pass

    scheduler = ClockScheduler(clock)
    scheduler.start(background=True, before_batch=before_batch)
    scheduler.schedule_at("due", T0 + timedelta(seconds=1), print)
    rescheduled = threading.Event()

    def replan() -> None:
        with runner_lock:  # a re-plan holds the runner's lock...
            clock.advance(timedelta(seconds=1))  # ...when the batch comes due
            assert in_batch.wait(timeout=10)
            scheduler.schedule_at("moved", T0 + timedelta(hours=1), print)  # needs the stores' lock
        rescheduled.set()

    planner = threading.Thread(target=replan, daemon=True)
    planner.start()
    planner.join(timeout=10)
    assert rescheduled.is_set(), "the re-plan and the scheduler deadlocked"
    scheduler.shutdown()


def test_the_scheduler_reads_none_of_apschedulers_private_members() -> None:
    """It extends APScheduler through its documented interfaces only (see the module's docstring)."""
    import ast
    from pathlib import Path

    import bot.runtime.scheduler as module

    tree = ast.parse(Path(module.__file__).read_text())
    ours = {
        "_lock",
        "_event",
        "_thread",
        "_order",
        "_before_batch",
        "_ahead",
        "_look_ahead",
        "_run_count",
        "_running",
        "_main_loop",
        "_run_due_jobs",
        "_run_batch",
    }
    touched = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
    }
    assert touched <= ours, f"private members read: {sorted(touched - ours)}"
