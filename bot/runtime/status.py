"""Where the session stands: what runs now, time left, what is next, how late, what buffer is left.

Pure: computed from the agenda, the live state and an instant, for `/webinar status`, the control
panel and the rehearsal's log alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.agenda.model import Agenda
from bot.runtime.live import LiveState
from bot.timeline.units import PlacedUnit, Placement, place_units


@dataclass(frozen=True)
class Status:
    phase: str  # "before", "running", "overrun", "between", "paused", "ended"
    now: datetime
    current: PlacedUnit | None
    next: PlacedUnit | None
    time_left: timedelta | None
    overrun: timedelta | None
    behind: timedelta  # how far behind the plan the session runs (negative: ahead)
    buffer_left: timedelta | None  # buffer in the current block still able to absorb lateness
    paused_for: timedelta | None
    starts_in: timedelta | None
    placement: Placement

    @property
    def block_title(self) -> str:
        unit = self.current or self.next
        return unit.unit.item.title if unit else ""


def current_unit(placement: Placement, state: LiveState, now: datetime) -> PlacedUnit | None:
    """The unit that has the floor at `now`.

    The one a moderator started last, while its successor's planned span has not passed (a speaker
    who runs over keeps the floor until the moderators move on); otherwise the one the plan says.
    """
    units = [u for u in placement.units if not u.skipped]
    if state.current is not None:
        for index, placed in enumerate(units):
            if placed.key != state.current:
                continue
            if placed.ended_at is None:
                successor = units[index + 1] if index + 1 < len(units) else None
                if successor is None or now < successor.end:
                    return placed
            break
    for placed in units:
        if placed.start <= now < placed.end:
            return placed
    return None


def following_unit(placement: Placement, unit: PlacedUnit | None, now: datetime) -> PlacedUnit | None:
    """The unit after `unit`, or the first one still to come when nothing has the floor."""
    units = [u for u in placement.units if not u.skipped]
    if unit is None:
        return next((u for u in units if u.start >= now), None)
    index = next(i for i, u in enumerate(units) if u.key == unit.key)
    return units[index + 1] if index + 1 < len(units) else None


def status(agenda: Agenda, state: LiveState, now: datetime) -> Status:
    placement = place_units(agenda, state.adjustments)
    current = current_unit(placement, state, now)
    upcoming = following_unit(placement, current, now)
    paused_since = state.paused_since
    time_left = overrun = None
    if current is not None:
        remaining = current.time_up - now
        if remaining >= timedelta(0):
            time_left = remaining
        else:
            overrun = -remaining
    reference = current or upcoming
    behind = reference.lateness if reference else timedelta(0)
    buffer_left = _buffer_left(placement, reference)
    if paused_since is not None:
        phase = "paused"
    elif now < placement.start:
        phase = "before"
    elif now >= placement.end and current is None:
        phase = "ended"
    elif current is None:
        phase = "between"
    elif overrun is not None:
        phase = "overrun"
    else:
        phase = "running"
    return Status(
        phase=phase,
        now=now,
        current=current,
        next=upcoming,
        time_left=time_left,
        overrun=overrun,
        behind=behind,
        buffer_left=buffer_left,
        paused_for=(now - paused_since) if paused_since else None,
        starts_in=(placement.start - now) if now < placement.start else None,
        placement=placement,
    )


def _buffer_left(placement: Placement, unit: PlacedUnit | None) -> timedelta | None:
    """Time between the block's projected content end and the block's end, if the block has buffer."""
    if unit is None:
        return None
    item = unit.unit.item
    span = next((s for s in placement.items if s.key == item.key), None)
    if span is None or not (item.sessions or item.slots):
        return None
    content_end = max(u.end for u in span.units)
    planned_end = item.end + span.units[-1].pushed
    return max(planned_end - content_end, timedelta(0))
