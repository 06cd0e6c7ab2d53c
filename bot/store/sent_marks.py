"""Cues marked sent in batches, for every webinar of a `serve` process, on a thread of its own.

A cue costs the database two writes: its claim, before it is posted, and its mark, after. With a hundred
webinars in one process those writes queue for the database's one writer, and a cue due now would wait
behind the marks of cues already posted. The claim must come first; the mark may come a moment later:
until it is written the cue reads as `sending`, which is exactly what a restart, or a replica taking the
webinar over, reconciles with the platform's history (the post is found by its key, not posted again).
So marks queue here and are written together, one transaction per batch, and the claims of cues that
are due get the writer's turns.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

from bot.store.outbox import SentMark, mark_sent_together

log = logging.getLogger(__name__)


class SentMarks:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._queue: list[SentMark] = []
        self._cond = threading.Condition()
        self._running = False
        self._writing = False
        self._thread: threading.Thread | None = None
        self.written = 0

    def start(self) -> None:
        with self._cond:
            self._running = True
        self._thread = threading.Thread(target=self._loop, name="sent-marks", daemon=True)
        self._thread.start()

    def add(self, mark: SentMark) -> bool:
        """Queue a mark; False when not running (the caller writes it itself)."""
        with self._cond:
            if not self._running:
                return False
            self._queue.append(mark)
            self._cond.notify()
            return True

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every mark queued so far is written; False if `timeout` passed first."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._writing, timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Write what is queued, then stop."""
        with self._cond:
            self._running = False
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(max(timeout, 2.0))  # the last batch is a moment's work: let it finish
            self._thread = None

    def abandon(self) -> None:
        """Stop at once, writing nothing more (a crash: the cues stay `sending`, to be reconciled)."""
        with self._cond:
            self._running = False
            self._queue.clear()
            self._cond.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._running and not self._queue:
                    self._cond.wait()
                if not self._queue:
                    return
                batch, self._queue = self._queue, []
                self._writing = True
            try:
                self._write(batch)
            except Exception:  # the cues stay `sending`: a restart reconciles them with the platform
                log.exception("marking %d cues sent failed", len(batch))
            finally:
                with self._cond:
                    self._writing = False
                    self._cond.notify_all()

    def _write(self, batch: list[SentMark]) -> None:
        mark_sent_together(self.engine, batch)
        self.written += len(batch)
