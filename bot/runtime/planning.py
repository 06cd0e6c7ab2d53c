"""Re-planning: the session's plan applied to the outbox and the scheduler, and the panel told.

Called at start-up and after every change (a control, a schedule edit). The cause travels with it,
so that cues a change made moot are withdrawn (not reported missing) and say why.
"""

from __future__ import annotations

import threading

from bot.runtime.cue_runner import Cause, CueRunner, PlanChange
from bot.runtime.panel import ControlPanel
from bot.runtime.session import LiveSession


class Replanner:
    def __init__(self, session: LiveSession, runner: CueRunner, panel: ControlPanel) -> None:
        self.session = session
        self.runner = runner
        self.panel = panel
        self.active = False  # this process runs the cues (it holds the lease)
        self._lock = threading.Lock()

    def replan(self, cause: Cause) -> PlanChange:
        """Apply the plan, where this process runs the cues; elsewhere the change is stored already,
        and the replica that runs them applies it when it syncs."""
        if not self.active:
            return PlanChange()
        with self._lock:
            self.runner.paused = self.session.paused
            change = self.runner.apply_plan(self.session.plan(), cause)
        self.panel.refresh()
        return change
