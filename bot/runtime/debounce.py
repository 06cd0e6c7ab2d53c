"""Run a refresh soon, at most so often, on its own thread: bursts of requests make one refresh.

The refresh runs a moment (`settle`) after the first request, not at once: requests come in bursts
(the panel is asked after each cue of an instant), and a refresh that renders while the burst's
later cues are still being posted only holds them up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Debounced:
    def __init__(self, action: Callable[[], None], min_interval: float = 0.5, settle: float = 0.05) -> None:
        self.action = action
        self.min_interval = min_interval  # real seconds: it bounds the work (the lane paces the platform)
        self.settle = settle  # real seconds: let the burst that asked finish first
        self._wanted = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="debounced-refresh", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def request(self) -> None:
        self._wanted.set()

    def stop(self) -> None:
        self._stop.set()
        self._wanted.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wanted.wait()
            if self._stop.wait(self.settle):
                return
            self._wanted.clear()
            try:
                self.action()
            except Exception:
                log.exception("refresh failed")
            self._stop.wait(self.min_interval)
