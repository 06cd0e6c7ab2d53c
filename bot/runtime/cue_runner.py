"""Keeps the scheduler's jobs and the outbox in step with the plan, and fires each cue once.

The outbox is the truth about what was posted; the scheduler only says when to look. On every
(re)plan: new cues are recorded as pending before anything is sent, moved ones are rescheduled
(`replace_existing`), dropped ones voided, and sent ones left alone. A job that fires claims its cue
in the outbox first (only one claimant wins, across threads and restarts), so a cue is handed to
Slack at most once per claim; the sender makes that claim end in exactly one message.
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
from bot.store.outbox import Outbox, OutboxEntry, OutboxStatus, PlannedCue, grace_for
from bot.timeline.cue import Cue

log = logging.getLogger(__name__)


@dataclass
class PlanChange:
    scheduled: int = 0
    missed: list[Cue] = field(default_factory=list)
    voided: tuple[str, ...] = ()


class CueRunner:
    def __init__(
        self,
        scheduler: ClockScheduler,
        outbox: Outbox,
        clock: Clock,
        deliver: Callable[[Cue, bool], None],
        on_missed: Callable[[list[Cue]], None],
    ) -> None:
        """`deliver(cue, reconcile_first)` hands a claimed cue to Slack; `on_missed` reports cues too
        late to be useful."""
        self.scheduler = scheduler
        self.outbox = outbox
        self.clock = clock
        self.deliver = deliver
        self.on_missed = on_missed
        self._cues: dict[str, Cue] = {}
        self._claimed: set[str] = set()  # claimed together by prepare(), fired one by one
        self._lock = threading.RLock()
        self.paused = False

    @property
    def cues(self) -> dict[str, Cue]:
        with self._lock:
            return dict(self._cues)

    def apply_plan(self, cues: list[Cue]) -> PlanChange:
        """Make the outbox and the jobs match `cues`; report what is too late to post."""
        with self._lock:
            now = self.clock.now()
            result = self.outbox.sync([PlannedCue(c.id, c.kind.value, c.audience, c.at) for c in cues], now)
            self._cues = {c.id: c for c in cues}
            entries = {e.cue_id: e for e in self.outbox.entries()}
            change = PlanChange(voided=result.voided)
            wanted: set[str] = set()
            for cue in cues:
                entry = entries.get(cue.id)
                if entry is None or entry.status is not OutboxStatus.PENDING:
                    continue
                if self._too_late(cue, now):
                    self.outbox.mark_missed(cue.id, now, "the bot was not running when it was due")
                    change.missed.append(cue)
                    continue
                wanted.add(cue.id)
                if not self.paused:
                    self.scheduler.schedule_at(cue.id, cue.at, self.fire, (cue.id,))
                    change.scheduled += 1
            for job in self.scheduler.get_jobs():
                if job.id not in wanted or self.paused:
                    self.scheduler.unschedule(job.id)
        if change.missed:
            self.on_missed(change.missed)
        return change

    def order(self, cue_id: str) -> tuple[Any, ...]:
        """Jobs due together run in the plan's order (endings before beginnings)."""
        cue = self._cues.get(cue_id)
        return cue.sort_key() if cue is not None else (datetime.max.replace(tzinfo=UTC), 0, 0, cue_id)

    def _too_late(self, cue: Cue, now: datetime) -> bool:
        return now - cue.at > grace_for(cue.kind.value)

    def prepare(self, cue_ids: list[str]) -> None:
        """Claim every cue due at one instant in one transaction, before the first is handed over."""
        with self._lock:
            if self.paused:
                return
            now = self.clock.now()
            timely = [i for i in cue_ids if i in self._cues and not self._too_late(self._cues[i], now)]
            self._claimed |= self.outbox.claim_many(timely, now)

    def fire(self, cue_id: str) -> None:
        """The job: claim the cue (unless `prepare` did) and hand it to Slack; nothing if it is no
        longer planned, or report it if it is too late."""
        with self._lock:
            cue = self._cues.get(cue_id)
            claimed = cue_id in self._claimed
            self._claimed.discard(cue_id)
            now = self.clock.now()
            if cue is None or self.paused:
                if claimed:
                    self.outbox.release(cue_id, now, "no longer planned when due")
                return
            if not claimed:
                if self._too_late(cue, now):
                    if self.outbox.get(cue_id) is not None and self.outbox.mark_missed(
                        cue_id, now, "too late"
                    ):
                        self.on_missed([cue])
                    return
                if not self.outbox.claim(cue_id, now):
                    return
        self.deliver(cue, False)

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
        """Cues claimed before a crash but never confirmed: have the sender look for them in Slack
        before posting, so a restart neither repeats nor drops them."""
        entries = self.outbox.in_flight()
        for entry in entries:
            cue = self._cues.get(entry.cue_id)
            if cue is not None:
                self.deliver(cue, True)
            else:
                self.outbox.release(entry.cue_id, self.clock.now(), "no longer planned")
        return entries
