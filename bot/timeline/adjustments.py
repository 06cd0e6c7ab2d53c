"""What happened live that the plan did not know: delays, extensions, actual starts, pauses.

The live runtime records moderators' actions as these values and hands them to the planner, which
stays a pure function of (agenda, adjustments).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Delay:
    """At `at`, a moderator delayed the session by `by`: every later cue moves by `by`."""

    at: datetime
    by: timedelta


@dataclass(frozen=True)
class Pause:
    """The session stood still from `start` to `end` (None while still paused)."""

    start: datetime
    end: datetime | None = None

    @property
    def length(self) -> timedelta:
        return (self.end - self.start) if self.end is not None else timedelta(0)


@dataclass(frozen=True)
class Adjustments:
    delays: tuple[Delay, ...] = ()
    pauses: tuple[Pause, ...] = ()
    actual_starts: Mapping[str, datetime] = field(default_factory=dict)  # unit key -> started at
    actual_ends: Mapping[str, datetime] = field(default_factory=dict)  # unit key -> moved on at
    extensions: Mapping[str, timedelta] = field(default_factory=dict)  # unit key -> extra time
    skipped: frozenset[str] = frozenset()
    muted: frozenset[str] = frozenset()
    auto_shift: bool | None = None  # None: the schedule's setting

    def with_delay(self, at: datetime, by: timedelta) -> Adjustments:
        return replace(self, delays=(*self.delays, Delay(at, by)))

    def with_start(self, unit: str, at: datetime) -> Adjustments:
        return replace(self, actual_starts={**self.actual_starts, unit: at})

    def with_end(self, unit: str, at: datetime) -> Adjustments:
        return replace(self, actual_ends={**self.actual_ends, unit: at})

    def with_extension(self, unit: str, by: timedelta) -> Adjustments:
        extra = self.extensions.get(unit, timedelta(0)) + by
        return replace(self, extensions={**self.extensions, unit: extra})

    def with_skip(self, unit: str) -> Adjustments:
        return replace(self, skipped=self.skipped | {unit})


NO_ADJUSTMENTS = Adjustments()
