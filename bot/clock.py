"""The bot's one source of time, injected everywhere.

Two kinds of time meet in a webinar bot:

* *agenda time* (`now()`): the instant the agenda is at. Cues fire when it reaches their `at`.
* *transport time* (`monotonic()`, `sleep()`): real seconds, in which Slack counts its rate limits,
  `Retry-After` and acknowledgement deadlines.

`SystemClock` runs both at real speed. `ScaledClock` runs agenda time `speed` times faster from a
chosen origin, so a three-hour agenda rehearses in minutes while transport time stays real (the
benchmarks measure Slack's real limits that way). Its `agenda_paced()` view counts transport time in
agenda seconds too, so a rehearsal at any speed paces posts, waits out `Retry-After` and meets the
stand-in's rate limits as the live event would. `ManualClock` moves only when a test says so, and its
`sleep` lets virtual time pass at once, so retries and back-offs are tested in microseconds. Nothing
else in the bot reads the wall clock or calls `time.sleep`.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """What the bot needs to know about time."""

    @property
    def speed(self) -> float:
        """Agenda seconds per transport second (1 except in rehearsals)."""
        ...

    def now(self) -> datetime:
        """The current agenda instant, timezone-aware (UTC)."""
        ...

    def monotonic(self) -> float:
        """Transport time in seconds, for rate limits, pacing and deadlines."""
        ...

    def sleep(self, seconds: float) -> None:
        """Let `seconds` of transport time pass (a retry back-off, a pacing gap)."""
        ...

    def wait(self, event: threading.Event, deadline: datetime | None) -> bool:
        """Block until `event` is set or agenda time reaches `deadline`; True if the event was set."""
        ...

    def real_seconds(self, transport: float) -> float:
        """How many real seconds `transport` seconds take (for a thread's timed wait)."""
        ...


def _aware(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError(f"clock instants must be timezone-aware, got {when!r}")
    return when.astimezone(UTC)


class SystemClock:
    """Real time: agenda time is the wall clock."""

    speed = 1.0

    def __init__(self) -> None:
        self._closed = threading.Event()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._closed.wait(seconds)

    def wait(self, event: threading.Event, deadline: datetime | None) -> bool:
        if deadline is None:
            event.wait()
            return True
        timeout = (deadline - self.now()).total_seconds()
        return event.wait(max(timeout, 0.0))

    def real_seconds(self, transport: float) -> float:
        return transport

    def close(self) -> None:
        """Wake every sleeper (shutdown)."""
        self._closed.set()


class ScaledClock:
    """Agenda time starts at `origin` and runs `speed` times faster than transport time."""

    def __init__(self, origin: datetime, speed: float = 60.0, start: float | None = None) -> None:
        """`start`: the `time.monotonic()` at which agenda time is `origin` (default: now). The
        monotonic clock is system-wide, so two processes given the same `start` share one agenda time."""
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = float(speed)
        self._origin = _aware(origin)
        self._start = time.monotonic() if start is None else start
        self._held = False
        self._closed = threading.Event()

    def hold(self) -> None:
        """Stop agenda time at `origin` until `release()` (while a rehearsal is still starting up)."""
        self._held = True

    def release(self) -> None:
        """Let agenda time run from `origin`, from this instant on."""
        self._start = time.monotonic()
        self._held = False

    def now(self) -> datetime:
        if self._held:
            return self._origin
        return self._origin + timedelta(seconds=(time.monotonic() - self._start) * self.speed)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._closed.wait(seconds)

    def wait(self, event: threading.Event, deadline: datetime | None) -> bool:
        while self._held and not event.is_set():
            event.wait(0.01)  # agenda time stands still: nothing can come due until release()
        if deadline is None:
            event.wait()
            return True
        timeout = (deadline - self.now()).total_seconds() / self.speed
        return event.wait(max(timeout, 0.0))

    def transport_seconds(self, agenda: timedelta) -> float:
        """How many real seconds a stretch of agenda time takes."""
        return agenda.total_seconds() / self.speed

    def real_seconds(self, transport: float) -> float:
        return transport

    def agenda_paced(self) -> AgendaPacedClock:
        """This clock, with transport time counted in agenda seconds (rehearsals)."""
        return AgendaPacedClock(self)

    def close(self) -> None:
        self._closed.set()


class AgendaPacedClock:
    """A ScaledClock whose transport time runs at agenda speed: one second of pacing, back-off or
    `Retry-After` lasts one agenda second. Agenda time never goes backwards, so it is monotonic."""

    def __init__(self, base: ScaledClock) -> None:
        self.base = base

    @property
    def speed(self) -> float:
        return self.base.speed

    def now(self) -> datetime:
        return self.base.now()

    def monotonic(self) -> float:
        return self.base.now().timestamp()

    def sleep(self, seconds: float) -> None:
        self.base.sleep(seconds / self.base.speed)

    def wait(self, event: threading.Event, deadline: datetime | None) -> bool:
        return self.base.wait(event, deadline)

    def real_seconds(self, transport: float) -> float:
        return transport / self.base.speed

    def close(self) -> None:
        self.base.close()


class ManualClock:
    """A clock that moves only when told: tests advance it by hand.

    `sleep` advances virtual time at once (a back-off of 30 s costs nothing), and `wait` returns
    as soon as another thread advances past the deadline.
    """

    speed = 1.0

    def __init__(self, start: datetime) -> None:
        self._now = _aware(start)
        self._mono = 0.0
        self._cond = threading.Condition()
        self.slept: list[float] = []

    def now(self) -> datetime:
        with self._cond:
            return self._now

    def monotonic(self) -> float:
        with self._cond:
            return self._mono

    def advance(self, delta: timedelta | float) -> datetime:
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        with self._cond:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds
            self._cond.notify_all()
            return self._now

    def set(self, when: datetime) -> datetime:
        """Advance to `when` (which must not be in the past)."""
        return self.advance(_aware(when) - self.now())

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.slept.append(seconds)
            self.advance(seconds)

    def real_seconds(self, transport: float) -> float:
        return transport

    def wait(self, event: threading.Event, deadline: datetime | None) -> bool:
        with self._cond:
            while not event.is_set():
                if deadline is not None and self._now >= deadline:
                    return False
                # Woken by advance(); the short timeout only notices event.set() from elsewhere.
                self._cond.wait(0.01)
            return True
