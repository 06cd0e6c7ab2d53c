"""APScheduler 3.x, with its time taken from the injected clock.

APScheduler's own schedulers read `datetime.now()` to find due jobs and `Event.wait(seconds)` to sleep
until the next one, so a sped-up rehearsal or a test that moves time by hand would never fire
anything. `ClockScheduler` keeps APScheduler's job stores, triggers and executors and replaces only
the loop: due jobs are looked up at `clock.now()`, and the wait is `clock.wait(event, next_wakeup)`.

Jobs are added with an explicit `DateTrigger` and `next_run_time` (APScheduler computes neither
from the wall clock then), `misfire_grace_time=None` (the executor's misfire check reads the wall
clock; the outbox applies a grace per cue kind instead) and run on the `DebugExecutor`, in the
scheduler's own thread: a job only hands its cue over to the sender, so it is quick.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from apscheduler.executors.debug import DebugExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING, STATE_STOPPED, BaseScheduler
from apscheduler.triggers.date import DateTrigger

from bot.clock import Clock

log = logging.getLogger(__name__)


class ClockScheduler(BaseScheduler):  # type: ignore[misc]
    """A scheduler whose notion of "now" is a `Clock`'s."""

    def __init__(
        self,
        clock: Clock,
        order: Callable[[str], Any] | None = None,
        before_batch: Callable[[list[str]], None] | None = None,
        **options: Any,
    ) -> None:
        """`order(job_id)` sorts jobs due at one instant (APScheduler would take them by id);
        `before_batch(job_ids)` sees them all before the first runs (to claim them in one go)."""
        self.clock = clock
        self.order = order
        self.before_batch = before_batch
        self._run_count = 0
        self._event = threading.Event()
        self._thread: threading.Thread | None = None
        options.setdefault("timezone", "UTC")
        super().__init__(**options)

    def _create_default_executor(self) -> DebugExecutor:
        return DebugExecutor()

    def _create_default_jobstore(self) -> MemoryJobStore:
        return MemoryJobStore()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, paused: bool = False, background: bool = True) -> None:
        """Start; with `background`, a thread runs due jobs as the clock reaches them.

        Without it, nothing fires until `run_due()` is called (tests drive time by hand).
        """
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
            wake_at = self._process_jobs()
            if self.state == STATE_STOPPED:
                break
            self.clock.wait(self._event, wake_at)
            self._event.clear()

    # -- jobs --------------------------------------------------------------------------------

    def schedule_at(
        self, job_id: str, at: datetime, func: Callable[..., object], args: tuple[object, ...] = ()
    ) -> None:
        """Add or move the one-shot job `job_id` to fire at `at` (`replace_existing`)."""
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
        if self.get_job(job_id) is None:
            return False
        self.remove_job(job_id)
        return True

    def next_wakeup(self) -> datetime | None:
        """When the earliest pending job is due."""
        times = [job.next_run_time for job in self.get_jobs() if job.next_run_time is not None]
        return min(times, default=None)

    def run_due(self) -> int:
        """Run, in the calling thread, every job due at the clock's now; how many ran."""
        before = self._run_count
        self._process_jobs()
        return self._run_count - before

    def _process_jobs(self) -> datetime | None:
        """Run the jobs due at `clock.now()`; return when the next one is due.

        APScheduler's version of this method, with the clock's now in place of the wall clock's, and
        one difference: jobs run (the debug executor runs them in this thread) after the job stores'
        lock is released. A job takes the cue runner's lock, and a re-plan holds that lock while it
        reschedules jobs, which takes the stores' lock: holding both here, in the other order, could
        deadlock the two.
        """
        if self.state == STATE_PAUSED or self.state != STATE_RUNNING:
            return None
        now = self.clock.now()
        next_wakeup: datetime | None = None
        ready: list[tuple[Any, list[datetime]]] = []
        with self._jobstores_lock:
            for alias, jobstore in self._jobstores.items():
                try:
                    due = jobstore.get_due_jobs(now)
                except Exception:
                    log.exception("cannot read due jobs from job store %r", alias)
                    continue
                for job in due:
                    run_times = job._get_run_times(now)[-1:]
                    if run_times:
                        ready.append((job, run_times))
                    following = job.trigger.get_next_fire_time(run_times[-1], now) if run_times else None
                    if following:
                        job._modify(next_run_time=following)
                        jobstore.update_job(job)
                    else:
                        self.remove_job(job.id, alias)
                store_next = jobstore.get_next_run_time()
                if store_next is not None and (next_wakeup is None or store_next < next_wakeup):
                    next_wakeup = store_next
        if self.order is not None:
            ready.sort(key=lambda pair: self.order(pair[0].id))  # type: ignore[misc]
        if self.before_batch is not None and ready:
            try:
                self.before_batch([job.id for job, _ in ready])
            except Exception:
                log.exception("preparing %d due jobs failed", len(ready))
        for job, run_times in ready:
            try:
                self._lookup_executor(job.executor).submit_job(job, run_times)
                self._run_count += 1
            except Exception:
                log.exception("cannot run job %s", job.id)
        return next_wakeup
