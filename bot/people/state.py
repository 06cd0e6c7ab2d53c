"""What the planner needs to know about people: who is registered (without their personal data) and
what speakers answered. A pure value, read from the store and handed to `plan()` like the adjustments."""

from __future__ import annotations

from dataclasses import dataclass

from bot.people.registrants import Attendee


@dataclass(frozen=True)
class PeopleState:
    attendees: tuple[Attendee, ...] = ()
    answered: frozenset[str] = frozenset()  # speakers who confirmed or declined in chat
    declined: frozenset[str] = frozenset()
    checked_in: frozenset[str] = frozenset()  # speakers who said they are here


NOBODY = PeopleState()
