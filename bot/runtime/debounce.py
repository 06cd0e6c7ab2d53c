"""Run a refresh soon, at most so often, on its own thread: bursts of requests make one refresh."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Debounced:
    def __init__(self, action: Callable[[], None], min_interval: float = 0.5) -> None:
        self.action = action
        self.min_interval = min_interval  # real seconds: it bounds the work (the lane paces the platform)
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
            if self._stop.is_set():
                return
            self._wanted.clear()
            try:
                self.action()
            except Exception:
                log.exception("refresh failed")
            self._stop.wait(self.min_interval)
