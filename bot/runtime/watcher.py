"""Notices when the schedule file is saved, so an edit during the webinar re-plans it.

Polling the file's size and modification time once a second needs no extra dependency and works
on every filesystem and editor (including those that save by renaming a new file into place).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

log = logging.getLogger(__name__)

Signature = tuple[tuple[int, int] | None, ...]


def signature(paths: Sequence[Path]) -> Signature:
    """What changes when any of `paths` is saved again (modification time and size; None: absent)."""
    result: list[tuple[int, int] | None] = []
    for path in paths:
        try:
            stat = path.stat()
            result.append((stat.st_mtime_ns, stat.st_size))
        except OSError:
            result.append(None)
    return tuple(result)


class FileWatcher:
    def __init__(self, paths: Sequence[Path], on_change: Callable[[], None], interval: float = 1.0) -> None:
        self.paths = list(paths)
        self.on_change = on_change
        self.interval = interval
        self._seen = self._signature()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _signature(self) -> Signature:
        return signature(self.paths)

    def check(self) -> bool:
        """Call `on_change` if a file changed since the last look; whether one did."""
        signature = self._signature()
        if signature == self._seen:
            return False
        self._seen = signature
        try:
            self.on_change()
        except Exception:
            log.exception("reloading the schedule failed")
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="schedule-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):  # real seconds: files are saved in real time
            self.check()
