"""Keeps the scheduler's jobs and the outbox in step with the plan, and fires each cue once.

The outbox is the truth about what was posted; the scheduler only says when to look. On every
(re)plan: new cues are recorded as pending before anything is sent, moved ones are rescheduled
(`replace_existing`), dropped ones withdrawn, and sent ones left alone. A cue is claimed in the outbox
before it is handed to the sender (only one claimant wins, across threads and restarts), so it is
handed over at most once per claim; the sender makes that claim end in exactly one message.

The claim is a database write, and a write can wait (SQLite has one writer; a hundred webinars share
it). So the cues of an instant are claimed a moment ahead of it, with their messages made ready, and
at the instant they only go out. A claim made ahead is given back if the plan changes or the runner
stops before the instant; one that a stopped process left behind (it crashed, or lost its lease) is
run at its own time by whoever recovers it, looking for the post before making it.

A cue whose time has passed is posted at once while it is still useful (its kind's grace; a
speaker's "you're on next" until their slot starts) and given up on after that: as `missed` when
the bot was not running at its time (reported to backstage), as withdrawn when a moderator's change
moved it into the past (the change made it moot; nobody missed anything).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.clock import Clock
from bot.runtime.scheduler import ClockScheduler
from bot.store.outbox import Outbox, OutboxEntry, OutboxStatus, PlannedCue
from bot.timeline.cue import Cue

log = logging.getLogger(__name__)
NOT_RUNNING = "the bot was not running when it was due"


@dataclass(frozen=True)
class Cause:
    """Why the plan is applied: at start-up (late cues were missed) or after a change (they are moot)."""

    change: str | None = None  # what changed, for the withdrawn cues' record; None at start-up

    @property
    def startup(self) -> bool:
        return self.change is None


STARTUP = Cause()


@dataclass
class PlanChange:
    scheduled: int = 0
    missed: list[Cue] = field(default_factory=list)  # too late because the bot was not running
    withdrawn: list[str] = field(default_factory=list)  # made moot by the change: dropped, or now too late
    caught_up: list[Cue] = field(default_factory=list)  # due before the change, still useful: at once


class CueRunner:
    def __init__(
        self,
        scheduler: ClockScheduler,
        outbox: Outbox,
        clock: Clock,
        deliver: Callable[[Cue, bool], None],
        on_missed: Callable[[list[Cue]], None],
        prerender: Callable[[list[Cue]], None] | None = None,
    ) -> None:
        """`deliver(cue, reconcile_first)` hands a claimed cue to the sender; `on_missed` reports cues
        too late to be useful; `prerender` makes the next instant's cues ready a moment before it."""
        self.scheduler = scheduler
        self.outbox = outbox
        self.clock = clock
        self.deliver = deliver
        self.on_missed = on_missed
        self.prerender = prerender
        self._cues: dict[str, Cue] = {}
        self._claimed: set[str] = set()  # claimed ahead or at the instant, not yet fired
        self._recheck: set[str] = set()  # claimed by a process that stopped: look for the post first
        self._lock = threading.RLock()
        self.paused = False

    def start(self, background: bool) -> None:
        self.scheduler.start(
            background=background, order=self.order, before_batch=self.prepare, ahead=self.ahead
        )

    def stop(self) -> None:
        """No cue fires any more; the cues claimed ahead of their instant are given back."""
        self.scheduler.shutdown(wait=False)
        with self._lock:
            try:
                self._give_back(self.clock.now())
            except Exception:  # the database is gone: whoever recovers them looks before posting
                log.warning("could not give back %d cues claimed ahead", len(self._claimed), exc_info=True)

    def _give_back(self, now: datetime) -> None:
        """Return the cues claimed ahead, not fired yet, to `pending` (called with the lock held)."""
        for cue_id in sorted(self._claimed):
            self.outbox.release(cue_id, now)
        self._claimed.clear()

    @property
    def cues(self) -> dict[str, Cue]:
        with self._lock:
            return dict(self._cues)

    def apply_plan(self, cues: list[Cue], cause: Cause = STARTUP) -> PlanChange:
        """Make the outbox and the jobs match `cues`; say what is missed, withdrawn or caught up."""
        with self._lock:
            now = self.clock.now()
            self._give_back(now)  # claimed ahead under the old plan: the new one decides
            # A cue a change brought into the past, still useful, is due now: that is its time now.
            retimed = {c.id: now if not cause.startup and c.at < now <= c.expires else c.at for c in cues}
            planned = [PlannedCue(c.id, c.kind.value, c.audience, retimed[c.id]) for c in cues]
            result = self.outbox.sync(planned, now, reason=cause.change or "no longer planned")
            self._cues = {c.id: c for c in cues}
            entries = {e.cue_id: e for e in self.outbox.entries()}
            change = PlanChange(withdrawn=list(result.voided) if not cause.startup else [])
            wanted: set[str] = set()
            for cue in cues:
                entry = entries.get(cue.id)
                if entry is None or entry.status is not OutboxStatus.PENDING:
                    continue
                if now > cue.expires:
                    if cause.startup:
                        self.outbox.mark_missed(cue.id, now, NOT_RUNNING)
                        change.missed.append(cue)
                    else:
                        self.outbox.withdraw(cue.id, now, f"moot after: {cause.change}")
                        change.withdrawn.append(cue.id)
                    continue
                if cue.at < now and not cause.startup:
                    change.caught_up.append(cue)
                wanted.add(cue.id)
                if not self.paused:
                    self.scheduler.schedule_at(cue.id, retimed[cue.id], self.fire, (cue.id,))
                    change.scheduled += 1
            for job_id in self.scheduler.job_ids():
                if job_id not in wanted or self.paused:
                    self.scheduler.unschedule(job_id)
        if change.missed:
            self.on_missed(change.missed)
        return change

    def order(self, cue_id: str) -> tuple[Any, ...]:
        """Jobs due together run in the plan's order (endings before beginnings)."""
        cue = self._cues.get(cue_id)
        return cue.sort_key() if cue is not None else (datetime.max.replace(tzinfo=UTC), 0, 0, cue_id)

    def ahead(self, cue_ids: list[str]) -> None:
        """The cues of the next instant, a moment before it: claim them (one transaction) and let
        them be made ready (rendered, their conversations opened), so at the instant they only go out.
        A claim that fails here (the database is busy or away) is tried again at the instant."""
        with self._lock:
            cues = [self._cues[i] for i in cue_ids if i in self._cues]
            if not self.paused:
                try:
                    self._claim([c.id for c in cues])
                except Exception:
                    log.warning("could not claim %d cues ahead of their instant", len(cues), exc_info=True)
        if self.prerender is not None:
            self.prerender(cues)

    def prepare(self, cue_ids: list[str]) -> None:
        """Claim every cue due at one instant not claimed ahead, in one transaction, before the
        first is handed over."""
        with self._lock:
            if not self.paused:
                self._claim(cue_ids)

    def _claim(self, cue_ids: list[str]) -> None:
        now = self.clock.now()
        wanted = [
            i for i in cue_ids if i in self._cues and i not in self._claimed and now <= self._cues[i].expires
        ]
        if wanted:
            self._claimed |= self.outbox.claim_many(wanted, now)

    def fire(self, cue_id: str) -> None:
        """The job: claim the cue (unless `prepare` did) and hand it over; nothing if it is no
        longer planned, or report it if it is too late."""
        with self._lock:
            cue = self._cues.get(cue_id)
            claimed = cue_id in self._claimed
            self._claimed.discard(cue_id)
            recheck = cue_id in self._recheck
            self._recheck.discard(cue_id)
            now = self.clock.now()
            if cue is None or self.paused:
                if claimed:
                    self.outbox.release(cue_id, now, "no longer planned when due")
                return
            if not claimed:
                if now > cue.expires:
                    if self.outbox.get(cue_id) is not None and self.outbox.mark_missed(
                        cue_id, now, "too late"
                    ):
                        self.on_missed([cue])
                    return
                if not self.outbox.claim(cue_id, now):
                    return
        self.deliver(cue, recheck)

    def fire_now(self, cue_id: str) -> bool:
        """Post a planned cue ahead of its time (a question thread wanted before its session);
        True if it is now on its way (or already was)."""
        with self._lock:
            cue = self._cues.get(cue_id)
            if cue is None:
                return False
            entry = self.outbox.get(cue_id)
            if entry is None:
                return False
            if entry.status is OutboxStatus.SENDING:
                return True
            if entry.status is not OutboxStatus.PENDING or not self.outbox.claim(cue_id, self.clock.now()):
                return False
            self.scheduler.unschedule(cue_id)
        self.deliver(cue, False)
        return True

    def recover_in_flight(self) -> list[OutboxEntry]:
        """Cues claimed before a crash but never confirmed: have the sender look for them before
        posting, so a restart neither repeats nor drops them. One claimed ahead of an instant still
        to come goes at that instant (looked for first all the same)."""
        entries = self.outbox.in_flight()
        for entry in entries:
            cue = self._cues.get(entry.cue_id)
            now = self.clock.now()
            if cue is None:
                self.outbox.release(entry.cue_id, now, "no longer planned")
            elif cue.at > now:
                with self._lock:
                    self._recheck.add(cue.id)
                    if self.paused:  # the end of the pause re-plans it
                        self.outbox.release(cue.id, now)
                        continue
                    self._claimed.add(cue.id)
                    self.scheduler.schedule_at(cue.id, cue.at, self.fire, (cue.id,))
            else:
                self.deliver(cue, True)
        return entries
