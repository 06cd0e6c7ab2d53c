"""Fault switches a test flips to see how the bot copes with Slack misbehaving.

Each switch applies to one Web API method (or `"*"`, all of them) for the next `count` matching calls
(default 1), or, with `seconds`, for a window of transport time (`clock.monotonic()`); given both,
whichever ends first.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Literal

from bot.clock import Clock

FaultKind = Literal[
    "rate_limit",
    "server_error",
    "timeout",
    "drop_after_accept",
    "duplicate_event",
    "bad_signature",
    "stale_timestamp",
]


@dataclass
class Fault:
    kind: FaultKind
    method: str = "*"
    remaining: int | None = 1
    until: float | None = None
    retry_after: int = 1
    status: int = 500
    hold_seconds: float = 5.0
    secret: str = "not-the-signing-secret"
    age_seconds: int = 301
    as_retry: bool = True
    fired: int = field(default=0)

    def matches(self, kind: FaultKind, method: str, now: float) -> bool:
        if self.kind != kind or self.method not in ("*", method):
            return False
        if self.until is not None and now >= self.until:
            return False
        return self.remaining is None or self.remaining > 0


class Faults:
    """The active switches; `take` consumes one firing of the first that matches."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._active: list[Fault] = []

    def _add(self, fault: Fault, count: int | None, seconds: float | None) -> Fault:
        # No count and no window: one firing. A window alone: every call inside it.
        fault.remaining = count if count is not None else (None if seconds is not None else 1)
        if seconds is not None:
            fault.until = self._clock.monotonic() + seconds
        with self._lock:
            self._active.append(fault)
        return fault

    def rate_limit(
        self, method: str = "*", count: int | None = None, seconds: float | None = None, retry_after: int = 1
    ) -> Fault:
        """Answer HTTP 429 with `Retry-After: retry_after` and `ratelimited`."""
        return self._add(Fault("rate_limit", method, retry_after=retry_after), count, seconds)

    def server_error(
        self, method: str = "*", count: int | None = None, seconds: float | None = None, status: int = 500
    ) -> Fault:
        """Answer with a 5xx status (500, 502, 503) without doing anything."""
        if status not in (500, 502, 503, 504):
            raise ValueError("server_error status must be 500, 502, 503 or 504")
        return self._add(Fault("server_error", method, status=status), count, seconds)

    def timeout(
        self,
        method: str = "*",
        count: int | None = None,
        seconds: float | None = None,
        hold_seconds: float = 5.0,
    ) -> Fault:
        """Hold the request unanswered (up to `hold_seconds` of real time, or until the client gives up),
        then drop the connection; nothing is applied."""
        return self._add(Fault("timeout", method, hold_seconds=hold_seconds), count, seconds)

    def drop_after_accept(
        self, method: str = "chat.postMessage", count: int | None = None, seconds: float | None = None
    ) -> Fault:
        """Apply the call (the message IS stored), then close the connection without an answer."""
        return self._add(Fault("drop_after_accept", method), count, seconds)

    def duplicate_events(
        self, count: int | None = None, seconds: float | None = None, as_retry: bool = True
    ) -> Fault:
        """Deliver the next events twice (same payload and event_id); with `as_retry` the repeat carries
        `X-Slack-Retry-Num: 1` (HTTP) or `retry_attempt: 1` (Socket Mode), as Slack's own re-sends do."""
        return self._add(Fault("duplicate_event", "*", as_retry=as_retry), count, seconds)

    def bad_signature(
        self, count: int | None = None, seconds: float | None = None, secret: str = "not-the-signing-secret"
    ) -> Fault:
        """Sign the next HTTP deliveries with the wrong secret."""
        return self._add(Fault("bad_signature", "*", secret=secret), count, seconds)

    def stale_timestamp(
        self, count: int | None = None, seconds: float | None = None, age_seconds: int = 301
    ) -> Fault:
        """Sign the next HTTP deliveries with a timestamp `age_seconds` in the past."""
        return self._add(Fault("stale_timestamp", "*", age_seconds=age_seconds), count, seconds)

    def take(self, kind: FaultKind, method: str = "*") -> Fault | None:
        now = self._clock.monotonic()
        with self._lock:
            for fault in self._active:
                if fault.matches(kind, method, now):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    fault.fired += 1
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._active.clear()
