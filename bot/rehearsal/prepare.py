"""Make an agenda rehearsable: today, and with its long-range reminders pulled into a short lead-in.

A reminder a week ahead would take hours even at 60x; so reminders further ahead than the
`connect_before` time (at least five minutes) are compressed, in their order, into the minute before
it, and the rehearsal starts a minute before the first of them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from bot.agenda.durations import format_duration
from bot.agenda.model import Agenda, Reminder
from bot.agenda.shift import shift_to_day
from bot.timeline.planner import plan

STEP = timedelta(seconds=20)


@dataclass(frozen=True)
class Prepared:
    agenda: Agenda
    origin: datetime  # where the rehearsal's clock starts
    notes: dict[str, str]  # reminder template -> "7 days before, compressed"


def prepare(agenda: Agenda, today: date) -> Prepared:
    moved = shift_to_day(agenda, today)
    start = moved.start
    keep_within = max(moved.connect_before, timedelta(minutes=5))
    befores = [(r, r.instant(start)) for r in moved.reminders]
    far = sorted((pair for pair in befores if start - pair[1] > keep_within), key=lambda pair: pair[1])
    notes: dict[str, str] = {}
    compressed: dict[int, Reminder] = {}
    for rank, (reminder, when) in enumerate(far):
        new_before = keep_within + STEP * (len(far) - rank)
        compressed[id(reminder)] = replace(reminder, before=new_before, at=None)
        notes[reminder.template] = f"{format_duration(start - when)} before, compressed"
    reminders = tuple(compressed.get(id(r), r) for r in moved.reminders)
    settings = moved.settings
    if any(not s.confirmed for s in moved.speakers.values()) and settings.confirm_before > keep_within:
        # Asking speakers to confirm, a week ahead, comes first in the lead-in, then the reminders.
        settings = replace(settings, confirm_before=keep_within + STEP * (len(far) + 2))
        notes["confirm_request"] = f"{format_duration(moved.settings.confirm_before)} before, compressed"
    rehearsed = replace(moved, reminders=reminders, settings=settings)
    earliest = min((cue.at for cue in plan(rehearsed)), default=start)  # the first thing the bot says
    origin = min(earliest, start - timedelta(minutes=1)) - timedelta(seconds=30)
    return Prepared(rehearsed, origin, notes)
