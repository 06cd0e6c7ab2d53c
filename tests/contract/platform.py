"""What the contract suite needs of a chat platform to drive a webinar and look at what people see.

Each platform's test driver implements `Platform` (the Slack stand-in today; a real Synapse for
Matrix): it starts the bot, hands out people who post, reply, react, run commands and press
buttons, and reads back, as plain text, what the bot put where. The contract tests are written
against this alone, so every adapter passes the same suite unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.clock import ManualClock
from bot.launch import RunningBot


@dataclass(frozen=True)
class Seen:
    """One of the bot's messages as a person sees it."""

    id: str
    text: str  # plain: mentions by name, times by their fallback
    thread: str | None  # the thread's root id when it is a reply in a thread
    key: str | None  # the key the bot gave it (a cue id), when the platform shows one
    buttons: tuple[str, ...] = ()  # the action ids of its buttons


class Person(Protocol):
    key: str
    id: str

    def says(self, room: str, text: str) -> str: ...

    def replies(self, room: str, thread: str, text: str) -> str: ...

    def edits(self, room: str, message: str, text: str) -> None: ...

    def deletes(self, room: str, message: str) -> None: ...

    def reacts(self, room: str, message: str, emoji: str = "+1") -> None: ...

    def unreacts(self, room: str, message: str, emoji: str = "+1") -> None: ...

    def command(self, room: str, name: str, text: str) -> str:
        """Run `/name text` (or the platform's way of saying it) and return the reply they see."""
        ...

    def presses(self, room: str, message: str, action: str) -> None: ...

    def private(self) -> list[str]:
        """What the bot said to this person alone (replies, whispers), oldest first."""
        ...


class Platform(Protocol):
    name: str
    clock: ManualClock

    def start_bot(self) -> RunningBot: ...

    def crash(self, bot: RunningBot) -> RunningBot:
        """Kill the bot as SIGKILL would, and start it again on the same database."""
        ...

    def person(self, key: str) -> Person:
        """A speaker (by schedule key) or a participant (`participant01` ...)."""
        ...

    def room(self, audience: str) -> str:
        """The conversation of `announcements`, `questions` or `backstage`."""
        ...

    def seen(self, room: str) -> list[Seen]:
        """The bot's messages in a room, in order."""
        ...

    def direct(self, person: Person) -> list[Seen]:
        """The bot's direct messages to a person."""
        ...

    def receipts(self) -> dict[str, list[datetime]]:
        """When the platform stored each keyed post (a cue id), by key."""
        ...

    def run_until(self, bot: RunningBot, until: datetime) -> None:
        """Move the clock from one due cue to the next up to `until`, letting the bot work at each."""
        ...
