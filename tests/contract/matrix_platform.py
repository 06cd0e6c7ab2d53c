"""The contract suite's driver for Matrix: a real Synapse on loopback, the bot through matrix-nio.

People act through the client-server API (tests/matrix/people.py) and each action waits, within a
bound, until the bot has handled the event it made (as the Slack stand-in's deliveries finish
before they return). What the bot posted is read back from the rooms with the bot's own token.

Synapse stamps events in real time while the bot runs on a ManualClock, so the clock here remembers
when (in real time) it was moved: an event's `origin_server_ts` reads as the agenda time the clock
showed when Synapse stored it. A button is pressed as a person does on Matrix: a reaction with the
keycap of its number on the message, as the bot last wrote it.
"""

from __future__ import annotations

import dataclasses
import shutil
import threading
import time
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e.harness import WEEK_BEFORE, run_until
from matrix.fixtures import MatrixWorld
from matrix.people import MatrixUser

from bot.agenda.model import Agenda
from bot.clock import ManualClock
from bot.config import Settings
from bot.launch import LaunchOptions, RunningBot, launch
from bot.matrix.adapter import MatrixChat
from bot.matrix.writer import ACTIONS_FIELD, KEY_FIELD, KEYCAPS
from bot.store.sync_position import SyncPositionStore
from contract.platform import Person, Seen

from support import SEED_WEBINAR

HANDLED_TIMEOUT = 30.0  # seconds for the bot to see what a person just did (Synapse in real time)


class RecordingClock(ManualClock):
    """A ManualClock that remembers when, in real time, each move happened."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self._walls: list[int] = [0]
        self._times: list[datetime] = [self.now()]

    def advance(self, delta: timedelta | float) -> datetime:
        wall = int(time.time() * 1000)
        now = super().advance(delta)
        self._walls.append(wall)
        self._times.append(now)
        return now

    def at(self, wall_ms: int) -> datetime:
        """What the clock showed at that real instant (milliseconds since the epoch)."""
        return self._times[max(bisect_right(self._walls, wall_ms) - 1, 0)]


def _relation(content: dict[str, Any]) -> dict[str, Any]:
    relates = content.get("m.relates_to")
    return relates if isinstance(relates, dict) else {}


def _messages(events: list[dict[str, Any]], msgtype: str | None = None) -> list[dict[str, Any]]:
    """The messages among events, each with its latest edit applied; redacted ones left out."""
    edits: dict[str, dict[str, Any]] = {}
    for event in events:
        relation = _relation(event.get("content") or {})
        if event.get("type") == "m.room.message" and relation.get("rel_type") == "m.replace":
            new = (event.get("content") or {}).get("m.new_content")
            if isinstance(new, dict):
                edits[str(relation.get("event_id"))] = new
    shown: list[dict[str, Any]] = []
    for event in events:
        content = event.get("content") or {}
        if event.get("type") != "m.room.message" or "body" not in content:
            continue
        if _relation(content).get("rel_type") == "m.replace":
            continue
        if msgtype is not None and content.get("msgtype") != msgtype:
            continue
        shown.append({**event, "shown": edits.get(str(event["event_id"]), content)})
    return shown


def _seen(event: dict[str, Any]) -> Seen:
    content, shown = event.get("content") or {}, event["shown"]
    relation = _relation(content)
    thread = str(relation["event_id"]) if relation.get("rel_type") == "m.thread" else None
    key = content.get(KEY_FIELD)
    buttons = tuple(str(a.get("action")) for a in shown.get(ACTIONS_FIELD) or [] if isinstance(a, dict))
    return Seen(
        str(event["event_id"]), str(shown.get("body") or ""), thread, str(key) if key else None, buttons
    )


@dataclass
class MatrixPerson:
    key: str
    user: MatrixUser
    platform: MatrixPlatform

    @property
    def id(self) -> str:
        return self.user.id

    def _done(self, event: str) -> str:
        self.platform.wait_handled(event)
        return event

    def says(self, room: str, text: str) -> str:
        return self._done(self.user.says(room, text))

    def replies(self, room: str, thread: str, text: str) -> str:
        return self._done(self.user.replies(room, thread, text))

    def edits(self, room: str, message: str, text: str) -> None:
        self._done(self.user.edits(room, message, text))

    def deletes(self, room: str, message: str) -> None:
        self._done(self.user.redacts(room, message))

    def reacts(self, room: str, message: str, emoji: str = "+1") -> None:
        self._done(self.user.reacts(room, message, emoji))

    def unreacts(self, room: str, message: str, emoji: str = "+1") -> None:
        self._done(self.user.unreacts(room, message, emoji))

    def command(self, room: str, name: str, text: str) -> str:
        """`!name text` in the room; the reply comes to their direct room with the bot."""
        before = len(self.private())
        self.says(room, f"!{name} {text}".strip())
        replies = self.private()
        return replies[-1] if len(replies) > before else ""

    def presses(self, room: str, message: str, action: str) -> None:
        """React with the keycap of the first action `action` of the message, as shown now."""
        shown = next(e["shown"] for e in _messages(self.platform._events(room)) if e["event_id"] == message)
        actions = [str(a.get("action")) for a in shown.get(ACTIONS_FIELD) or [] if isinstance(a, dict)]
        if action not in actions[: len(KEYCAPS)]:
            pytest.fail(f"{message} has no action {action} among its first ten: {actions}")
        self._done(self.user.reacts(room, message, KEYCAPS[actions.index(action)]))

    def joins_direct(self) -> str:
        """Accept the bot's invitation to their direct room (a client does it with one click)."""
        rooms = self.platform.bot_user.direct_rooms().get(self.id, [])
        assert rooms, f"the bot has no direct room with {self.id}"
        for room in rooms:
            self.user.join(room)
        return rooms[0]

    def private(self) -> list[str]:
        """The bot's notices in this person's direct rooms: command replies and whispers."""
        return [s.text for s in self.platform.in_direct(self.id, "m.notice")]


class MatrixPlatform:
    name = "matrix"

    def __init__(self, world: MatrixWorld, directory: Path) -> None:
        self.world = world
        self.clock: ManualClock = RecordingClock(WEEK_BEFORE)
        self.schedule = directory / "webinar.yaml"
        shutil.copy(SEED_WEBINAR, self.schedule)
        self.database_url = f"sqlite:///{directory / 'bot.db'}"
        self.bot_user = world.new_bot()
        self.bots: list[RunningBot] = []

    def _accounts(self, agenda: Agenda) -> Agenda:
        """The schedule's speakers with their Matrix ids, as `matrix: "@key:localhost"` would say."""
        speakers = {
            key: dataclasses.replace(speaker, matrix=self.world.user_id(key))
            for key, speaker in agenda.speakers.items()
        }
        return dataclasses.replace(agenda, speakers=speakers)

    def start_bot(self) -> RunningBot:
        account = self.bot_user.account

        def chat(engine: Any) -> MatrixChat:
            return MatrixChat(
                self.world.synapse.url,
                account.user_id,
                self.clock,
                access_token=account.access_token,
                positions=SyncPositionStore(engine),
                poll_ms=2_000,
            )

        options = LaunchOptions(self.schedule, background=False, transform=self._accounts)
        bot = launch(options, Settings(database_url=self.database_url), self.clock, chat, "matrix")
        self.bots.append(bot)
        bot.tick()
        return bot

    def stop(self) -> None:
        for bot in self.bots:
            bot.stop()

    def crash(self, bot: RunningBot) -> RunningBot:
        bot.crash()
        return self.start_bot()

    def wait_handled(self, event: str) -> None:
        chat = self.bots[-1].chat
        assert isinstance(chat, MatrixChat)
        deadline = time.monotonic() + HANDLED_TIMEOUT
        pause = threading.Event()
        while not chat.handled(event):
            assert time.monotonic() < deadline, f"the bot did not see {event} within {HANDLED_TIMEOUT:.0f} s"
            pause.wait(0.01)

    def person(self, key: str) -> Person:
        return MatrixPerson(key, self.world.people[key], self)

    def room(self, audience: str) -> str:
        return self.world.rooms[audience]

    def _events(self, room: str) -> list[dict[str, Any]]:
        return self.bot_user.events(room, sender=self.bot_user.id)

    def seen(self, room: str) -> list[Seen]:
        return [_seen(e) for e in _messages(self._events(room))]

    def in_direct(self, person: str, msgtype: str) -> list[Seen]:
        rooms = self.bot_user.direct_rooms().get(person, [])
        return [_seen(e) for room in rooms for e in _messages(self._events(room), msgtype)]

    def direct(self, person: Person) -> list[Seen]:
        return self.in_direct(person.id, "m.text")

    def receipts(self) -> dict[str, list[datetime]]:
        """Agenda time at which Synapse stored each keyed post (a cue id), by key."""
        rooms = set(self.world.rooms.values())
        rooms |= {room for found in self.bot_user.direct_rooms().values() for room in found}
        found: dict[str, list[datetime]] = {}
        assert isinstance(self.clock, RecordingClock)
        for room in rooms:
            for event in _messages(self._events(room)):
                key = (event.get("content") or {}).get(KEY_FIELD)
                if key:
                    found.setdefault(str(key), []).append(self.clock.at(int(event["origin_server_ts"])))
        return {key: sorted(times) for key, times in found.items()}

    def run_until(self, bot: RunningBot, until: datetime) -> None:
        run_until(self.clock, bot, until)
