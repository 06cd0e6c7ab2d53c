"""The agenda as a run of units (who or what has the floor), placed in time with live adjustments.

A unit is the smallest stretch a moderator steers: a speaker's slot, a discussion, a titled slot,
or a whole item that has no slots. `place_units` is the one place where lateness is computed:

* units back to back in the plan stay back to back (with `auto_shift`), so a late start or an
  overrun carries to the rest of the block;
* a unit with its own time (a block's `time`, a session's or slot's `time`) starts at that time or
  when the previous unit ends, whichever is later: buffer absorbs lateness;
* a delay or a pause inserts its time at its instant: the unit running then ends that much later
  and everything after moves, buffer or not;
* a moderator's `start`/`next` fixes a unit's actual start (and the previous unit's end).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.agenda.model import Agenda, Item, Session, Slot, SlotKind
from bot.timeline.adjustments import Adjustments


@dataclass(frozen=True)
class Unit:
    key: str
    kind: str  # "speaker", "discussion", "other" (a titled slot or session), or "item"
    label: str
    speaker: str | None
    planned_start: datetime
    planned_end: datetime
    anchored: bool
    item: Item
    session: Session | None
    slot: Slot | None
    warn_before: timedelta

    @property
    def planned_duration(self) -> timedelta:
        return self.planned_end - self.planned_start


@dataclass(frozen=True)
class PlacedUnit:
    unit: Unit
    start: datetime
    end: datetime
    steered: bool  # a moderator started it: its end waits for them, and an overrun is alerted
    ended_at: datetime | None  # when a moderator moved on from it
    skipped: bool
    pushed: timedelta = timedelta(0)  # delays and pauses that had pushed the agenda by its end
    natural_end: datetime | None = None  # when its time is up (before a moderator moved on)

    @property
    def time_up(self) -> datetime:
        return self.natural_end if self.natural_end is not None else self.end

    @property
    def key(self) -> str:
        return self.unit.key

    @property
    def lateness(self) -> timedelta:
        return self.start - self.unit.planned_start


@dataclass(frozen=True)
class PlacedSpan:
    """An item or a session, placed: where it starts and ends after adjustments."""

    key: str
    start: datetime
    end: datetime
    units: tuple[PlacedUnit, ...]


@dataclass(frozen=True)
class Placement:
    units: tuple[PlacedUnit, ...]
    items: tuple[PlacedSpan, ...]
    sessions: dict[str, PlacedSpan]
    pushed: timedelta  # delays and pauses applied in total

    @property
    def start(self) -> datetime:
        return self.items[0].start

    @property
    def end(self) -> datetime:
        return max(item.end for item in self.items)


def units_of(agenda: Agenda) -> list[Unit]:
    default_warn = agenda.settings.warn_before
    units: list[Unit] = []
    for item in agenda.items:
        first = True
        parts: list[tuple[Session | None, Slot | None]] = [(None, slot) for slot in item.slots]
        for session in item.sessions:
            if session.slots:
                parts.extend((session, slot) for slot in session.slots)
            else:
                parts.append((session, None))
        if not parts:
            units.append(
                Unit(
                    item.key,
                    "item",
                    item.title,
                    None,
                    item.start,
                    item.end,
                    item.anchored,
                    item,
                    None,
                    None,
                    default_warn,
                )
            )
            continue
        for owner, slot in parts:
            if slot is not None:
                kind = slot.kind.value
                label = agenda.speaker_name(slot.speaker) if slot.kind is SlotKind.SPEAKER else slot.title
                key, start, end = slot.key, slot.start, slot.end
                anchored = slot.anchored or (owner is not None and owner.anchored and slot is owner.slots[0])
                warn = slot.warn_before or default_warn
            else:
                assert owner is not None
                kind, label, key = "other", owner.title, owner.key
                start, end, anchored, warn = owner.start, owner.end, owner.anchored, default_warn
            units.append(
                Unit(
                    key,
                    kind,
                    label,
                    slot.speaker if slot else None,
                    start,
                    end,
                    anchored or (first and item.anchored),
                    item,
                    owner,
                    slot,
                    warn,
                )
            )
            first = False
    return units


def place_units(agenda: Agenda, adjustments: Adjustments, units: list[Unit] | None = None) -> Placement:
    """Where every unit, item and session falls once the live adjustments are applied."""
    units = units if units is not None else units_of(agenda)
    auto_shift = agenda.settings.auto_shift if adjustments.auto_shift is None else adjustments.auto_shift
    # What pushes the agenda: a delay inserts its time at its instant, as a pause does (the slot
    # running then ends that much later; everything not yet started moves).
    pending = sorted(
        [(d.at, d.by) for d in adjustments.delays if d.by > timedelta(0)]
        + [(p.start, p.length) for p in adjustments.pauses if p.length > timedelta(0)],
        key=lambda entry: entry[0],
    )
    pushed = timedelta(0)
    placed: list[PlacedUnit] = []
    cursor: datetime | None = None
    previous: Unit | None = None
    for unit in units:
        actual = adjustments.actual_starts.get(unit.key)
        if actual is not None:
            start = actual
            while pending and pending[0][0] <= actual:
                pushed += pending.pop(0)[1]
        else:
            if cursor is None or previous is None:
                candidate = unit.planned_start + pushed
            elif unit.anchored:
                candidate = unit.planned_start + pushed
                if auto_shift:
                    candidate = max(candidate, cursor)
            elif auto_shift:
                candidate = cursor + max(unit.planned_start - previous.planned_end, timedelta(0))
            else:
                candidate = unit.planned_start + pushed
            newly = timedelta(0)
            while pending and pending[0][0] <= candidate:
                newly += pending.pop(0)[1]
            pushed += newly
            start = candidate + newly
        skipped = unit.key in adjustments.skipped
        end = (
            start
            if skipped
            else start + unit.planned_duration + adjustments.extensions.get(unit.key, timedelta(0))
        )
        while not skipped and pending and pending[0][0] < end:
            by = pending.pop(0)[1]
            end += by
            pushed += by
        natural_end = end
        ended_at = adjustments.actual_ends.get(unit.key)
        if ended_at is not None:
            end = max(ended_at, start)
        steered = actual is not None and not skipped
        placed.append(PlacedUnit(unit, start, end, steered, ended_at, skipped, pushed, natural_end))
        cursor = end
        previous = unit
    return _spans(agenda, placed, pushed)


def _spans(agenda: Agenda, placed: list[PlacedUnit], pushed: timedelta) -> Placement:
    by_item: dict[str, list[PlacedUnit]] = {}
    by_session: dict[str, list[PlacedUnit]] = {}
    for p in placed:
        by_item.setdefault(p.unit.item.key, []).append(p)
        if p.unit.session is not None:
            by_session.setdefault(p.unit.session.key, []).append(p)
    items = []
    for item in agenda.items:
        members = by_item[item.key]
        first, last = members[0], members[-1]
        start = first.start - (first.unit.planned_start - item.start)
        # An item with its own time ends on time unless pushed or overrun; buffer absorbs lateness.
        if last.ended_at is not None or last.unit.kind == "item":
            end = last.end  # a moderator closed it, or the item is its own only unit
        elif item.anchored:
            end = max(item.end + last.pushed, last.end)
        else:
            end = last.end + (item.end - last.unit.planned_end)
        items.append(PlacedSpan(item.key, start, end, tuple(members)))
    sessions = {}
    for item in agenda.items:
        for session in item.sessions:
            members = by_session[session.key]
            first = members[0]
            start = first.start - (first.unit.planned_start - session.start)
            sessions[session.key] = PlacedSpan(
                session.key, start, max(p.end for p in members), tuple(members)
            )
    return Placement(tuple(placed), tuple(items), sessions, pushed)
