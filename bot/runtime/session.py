"""The running webinar: its agenda and live state; moderators' controls and schedule edits land here.

Every change is persisted (so a restart resumes where the moderators left it), logged, and weighed
for who must hear of it (bot.timeline.changes); the caller then re-plans, which reschedules every
cue not yet sent.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from typing import Protocol

from bot.agenda.diff import describe_changes
from bot.agenda.model import Agenda
from bot.chat.port import MessageRef
from bot.clock import Clock
from bot.i18n.localized import Phrase
from bot.i18n.words import N_
from bot.people.state import NOBODY, PeopleState
from bot.runtime.controls import Control, ControlError, Outcome, apply_control
from bot.runtime.live import LiveState
from bot.runtime.status import Status, status
from bot.store.control_log import ControlLog
from bot.store.live_state import LiveStateStore, StaleState
from bot.timeline.changes import notices_for_change
from bot.timeline.cue import Cue
from bot.timeline.planner import plan
from bot.timeline.units import Placement, place_units

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ControlReply:
    reply: Phrase
    log: Phrase | None = None  # for backstage; "{who}" stands for the moderator
    changed: bool = False


class PeopleSource(Protocol):
    def state(self) -> PeopleState: ...


class _Nobody:
    def state(self) -> PeopleState:
        return NOBODY


class LiveSession:
    def __init__(
        self,
        agenda: Agenda,
        clock: Clock,
        states: LiveStateStore,
        control_log: ControlLog,
        people: PeopleSource | None = None,
    ) -> None:
        self._agenda = agenda
        self.clock = clock
        self.states = states
        self.control_log = control_log
        self.people = people or _Nobody()
        self._state = LiveState()
        self._version: int | None = None
        self._lock = threading.RLock()

    @property
    def agenda(self) -> Agenda:
        with self._lock:
            return self._agenda

    @property
    def state(self) -> LiveState:
        with self._lock:
            return self._state

    def load(self) -> LiveState:
        """The state the moderators left, if the bot ran this webinar on this database before."""
        with self._lock:
            stored = self.states.load()
            if stored is not None:
                document, self._version = stored
                self._state = LiveState.from_json(document)
            return self._state

    def stored_version(self) -> int | None:
        """The version of the live state in the store now (another replica may have saved it)."""
        stored = self.states.load()
        return stored[1] if stored is not None else None

    def _save(self, state: LiveState) -> None:
        try:
            self._version = self.states.save(state.to_json(), self._version)
        except StaleState:  # another writer (an old process) saved since: theirs is older than ours
            stored = self.states.load()
            self._version = stored[1] if stored else None
            self._version = self.states.save(state.to_json(), self._version)
        self._state = state

    def plan(self) -> list[Cue]:
        with self._lock:
            return plan(self._agenda, self._state.adjustments, self._state.notices, self.people.state())

    def placement(self) -> Placement:
        with self._lock:
            return place_units(self._agenda, self._state.adjustments)

    def status(self) -> Status:
        with self._lock:
            return status(self._agenda, self._state, self.clock.now())

    @property
    def paused(self) -> bool:
        return self.state.paused_since is not None

    def _weigh(self, before: Placement, agenda: Agenda, state: LiveState) -> LiveState:
        """The state with the notices this change calls for (who must hear that the plan moved)."""
        after = place_units(agenda, state.adjustments)
        muted = agenda.settings.mute | state.adjustments.muted
        notices, told = notices_for_change(
            agenda, before, after, self.clock.now(), state.told, state.notices, frozenset(muted)
        )
        return replace(state, notices=notices, told=told)

    def steer(self, person: str, control: Control) -> ControlReply:
        """Apply a moderator's control; ControlError (a polite reply) when it cannot be applied."""
        if not control.steers:
            raise ControlError(N_("`{action}` does not steer the session."), action=control.action)
        with self._lock:
            now = self.clock.now()
            outcome: Outcome = apply_control(self._agenda, self._state, control, now)
            if outcome.changed:
                before = place_units(self._agenda, self._state.adjustments)
                self._save(self._weigh(before, self._agenda, outcome.state))
                self.control_log.append(now, person, control.action, {"text": control.text[:500]})
        return ControlReply(outcome.reply, outcome.log, outcome.changed)

    def set_panel(self, ref: MessageRef) -> None:
        with self._lock:
            self._save(replace(self._state, panel_channel=ref.conversation, panel_ts=ref.id))

    def replace_agenda(self, agenda: Agenda) -> list[str]:
        """Switch to an edited schedule; what changed, for backstage."""
        with self._lock:
            changes = describe_changes(self._agenda, agenda)
            before = place_units(self._agenda, self._state.adjustments)
            self._agenda = agenda
            self._save(self._weigh(before, agenda, self._state))
        return changes
