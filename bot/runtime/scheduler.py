"""APScheduler 3.x, with its time taken from the injected clock, extended only where it is documented.

APScheduler's documentation ("Extending APScheduler: custom schedulers") has a custom scheduler
subclass `BaseScheduler`, override `start()`, `shutdown()` and `wakeup()`, and sleep on what
`_process_jobs()` returns. But `_process_jobs()` reads the wall clock (`datetime.now()`), and so
does `Event.wait(seconds)`: a sped-up rehearsal or a test that moves time by hand would never fire
anything. So `ClockScheduler` keeps APScheduler's job store, date triggers and executor, hands them
in through the documented constructor options (`jobstores=`, `executors=`), and runs the loop itself
through their public interfaces: the job store's `get_due_jobs(now)` and `get_next_run_time()` at
`clock.now()`, the scheduler's `remove_job()`, the executor's `submit_job()`; it sleeps with
`clock.wait(event, next_wakeup)`. Nothing reads APScheduler's private members.

Jobs are one-shot (`DateTrigger`) with an explicit `next_run_time` (APScheduler computes neither
from the wall clock then) and `misfire_grace_time=None` (the executor's misfire check reads the
wall clock; each cue kind has its own grace instead), and run on the `DebugExecutor`, in the
scheduler's own thread: a job only hands its cue to the sender, so it is quick. Jobs due at one
instant are handed to `before_batch` together and run in `order`, both given at `start()`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from apscheduler.executors.debug import DebugExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING, STATE_STOPPED, BaseScheduler
from apscheduler.triggers.date import DateTrigger

from bot.clock import Clock

log = logging.getLogger(__name__)

Order = Callable[[str], Any]  # a sort key for a job id
BeforeBatch = Callable[[list[str]], None]  # sees every job id due at one instant before the first runs
Ahead = Callable[[list[str]], None]  # sees the job ids due at the next instant, a moment before it
AHEAD = timedelta(seconds=1)  # agenda time, at least: 1 s live
AHEAD_REAL = 0.25  # and at least this many real seconds: at 60x, 1 agenda second is only 17 ms


class ClockScheduler(BaseScheduler):  # type: ignore[misc]
    """A scheduler whose notion of "now" is a `Clock`'s."""

    def __init__(self, clock: Clock, **options: Any) -> None:
        self.clock = clock
        self.store = MemoryJobStore()
        self.executor = DebugExecutor()
        self._lock = threading.RLock()  # ours, always taken before APScheduler's own
        self._event = threading.Event()
        self._thread: threading.Thread | None = None
        self._order: Order | None = None
        self._before_batch: BeforeBatch | None = None
        self._ahead: Ahead | None = None
        self._run_count = 0
        self._running = 0  # batches taken out of the store and not yet run through
        options.setdefault("timezone", "UTC")
        super().__init__(jobstores={"default": self.store}, executors={"default": self.executor}, **options)

    # -- life cycle (the documented extension points) ----------------------------------------

    def start(
        self,
        paused: bool = False,
        background: bool = True,
        order: Order | None = None,
        before_batch: BeforeBatch | None = None,
        ahead: Ahead | None = None,
    ) -> None:
        """Start; with `background`, a thread runs due jobs as the clock reaches them, and shows
        `ahead` the jobs of each instant `AHEAD` before it (work that can be done early is, so the
        instant's jobs do not wait for each other's).

        Without it, nothing fires until `run_due()` is called (tests drive time by hand)."""
        self._order, self._before_batch, self._ahead = order, before_batch, ahead
        self._event.clear()
        super().start(paused=paused)
        if background:
            self._thread = threading.Thread(target=self._main_loop, name="cue-scheduler", daemon=True)
            self._thread.start()

    def shutdown(self, wait: bool = True) -> None:
        if self.state == STATE_STOPPED:
            return
        super().shutdown(wait)
        self._event.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._thread = None

    def wakeup(self) -> None:
        self._event.set()

    def _main_loop(self) -> None:
        while self.state != STATE_STOPPED:
            wake_at = self._run_due_jobs()
            if self.state == STATE_STOPPED:
                break
            if wake_at is not None and self._ahead is not None and self._look_ahead(wake_at):
                continue  # woken before the instant: the jobs changed, look again
            self.clock.wait(self._event, wake_at)
            self._event.clear()

    def _look_ahead(self, wake_at: datetime) -> bool:
        """Wait until `AHEAD` (or `AHEAD_REAL` real seconds, whichever is longer) before `wake_at`, then
        show `ahead` the jobs due then; True if woken first (a job was added or moved)."""
        early = wake_at - max(AHEAD, timedelta(seconds=AHEAD_REAL * self.clock.speed))
        if self.clock.now() < early and self.clock.wait(self._event, early):
            self._event.clear()
            return True
        with self._lock:
            due = [job.id for job in self.store.get_due_jobs(wake_at)]
        if due and self._ahead is not None:
            try:
                self._ahead(due)
            except Exception:
                log.exception("looking ahead at %d jobs failed", len(due))
        return False

    # -- jobs --------------------------------------------------------------------------------

    def schedule_at(
        self, job_id: str, at: datetime, func: Callable[..., object], args: tuple[object, ...] = ()
    ) -> None:
        """Add or move the one-shot job `job_id` to fire at `at` (`replace_existing`)."""
        with self._lock:
            self.add_job(
                func,
                trigger=DateTrigger(run_date=at),
                args=args,
                id=job_id,
                name=job_id,
                next_run_time=at,
                misfire_grace_time=None,
                coalesce=True,
                max_instances=1,
                replace_existing=True,
            )

    def unschedule(self, job_id: str) -> bool:
        """Remove a job if it is still pending; True if it was."""
        with self._lock:
            if self.store.lookup_job(job_id) is None:
                return False
            self.remove_job(job_id)
            return True

    def job_ids(self) -> list[str]:
        with self._lock:
            return [job.id for job in self.store.get_all_jobs()]

    def idle(self) -> bool:
        """Nothing left to fire, and nothing firing."""
        with self._lock:
            return self._running == 0 and self.store.get_next_run_time() is None

    def next_wakeup(self) -> datetime | None:
        """When the earliest pending job is due."""
        with self._lock:
            when: datetime | None = self.store.get_next_run_time()
            return when

    def run_due(self) -> int:
        """Run, in the calling thread, every job due at the clock's now; how many ran."""
        before = self._run_count
        self._run_due_jobs()
        return self._run_count - before

    def _run_due_jobs(self) -> datetime | None:
        """Run the jobs due at `clock.now()`; return when the next one is due.

        Due jobs are taken out of the store under our lock and run after it is released: a job takes
        the cue runner's lock, and a re-plan holds that lock while it reschedules jobs, which takes
        ours; holding both here in the other order could deadlock the two."""
        if self.state == STATE_PAUSED or self.state != STATE_RUNNING:
            return None
        with self._lock:
            due = self.store.get_due_jobs(self.clock.now())
            for job in due:
                self.remove_job(job.id)  # one-shot: fired once, gone
            next_wakeup: datetime | None = self.store.get_next_run_time()
            self._running += 1
        try:
            self._run_batch(due)
        finally:
            with self._lock:
                self._running -= 1
        return next_wakeup

    def _run_batch(self, due: list[Any]) -> None:
        if self._order is not None:
            order = self._order
            due.sort(key=lambda job: order(job.id))
        if self._before_batch is not None and due:
            try:
                self._before_batch([job.id for job in due])
            except Exception:
                log.exception("preparing %d due jobs failed", len(due))
        for job in due:
            try:
                self.executor.submit_job(job, [job.next_run_time])
                self._run_count += 1
            except Exception:
                log.exception("cannot run job %s", job.id)
