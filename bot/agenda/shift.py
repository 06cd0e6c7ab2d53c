"""Move an agenda to another day, keeping its wall-clock times (for rehearsals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.agenda.model import Agenda, Item, Reminder, Session, Slot


def _mover(agenda: Agenda, days: int) -> Callable[[datetime], datetime]:
    tz = agenda.tz

    def move(when: datetime) -> datetime:
        local = when.astimezone(tz).replace(tzinfo=None) + timedelta(days=days)
        return local.replace(tzinfo=tz).astimezone(UTC)

    return move


def shift_to_day(agenda: Agenda, day: date) -> Agenda:
    """The same agenda on `day`: 14:00 stays 14:00 local time (durations kept across a DST change)."""
    days = (day - agenda.date).days
    if days == 0:
        return agenda
    move = _mover(agenda, days)

    def slot(s: Slot) -> Slot:
        start = move(s.start)
        return replace(s, start=start, end=start + s.duration)

    def session(s: Session) -> Session:
        start = move(s.start)
        return replace(s, start=start, end=start + (s.end - s.start), slots=tuple(slot(x) for x in s.slots))

    def item(i: Item) -> Item:
        start = move(i.start)
        return replace(
            i,
            start=start,
            end=start + (i.end - i.start),
            sessions=tuple(session(s) for s in i.sessions),
            slots=tuple(slot(s) for s in i.slots),
        )

    def reminder(r: Reminder) -> Reminder:
        return replace(r, at=move(r.at)) if r.at is not None else r

    return replace(
        agenda,
        date=day,
        items=tuple(item(i) for i in agenda.items),
        reminders=tuple(reminder(r) for r in agenda.reminders),
    )
