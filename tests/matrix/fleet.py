"""Driving `serve --platform matrix` against the session's Synapse, on a ManualClock the test moves.

One bot account per test, one Matrix adapter for every webinar of the folder (as `launch_fleet`
builds it from the MATRIX_* settings). Webinars get rooms of their own per test (aliases with the
test's prefix), made by an organiser account exempted from Synapse's limits (room creation allows a
burst of 10 per account, then one a minute); people act through the client-server API and a test
waits, within a bound, until the adapter has handled what they did.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from matrix.fixtures import MODERATOR, MatrixWorld
from matrix.people import MatrixUser
from serve.harness import step
from sqlalchemy import Engine

from bot.chat.port import ChatPort
from bot.clock import ManualClock
from bot.config import Settings
from bot.launch import RunningFleet, ServeOptions, launch_fleet
from bot.matrix.adapter import MatrixChat
from bot.matrix.writer import KEY_FIELD
from bot.serve.tagged import untag
from bot.store.sync_position import SyncPositionStore

HANDLED_TIMEOUT = 30.0  # seconds for the bot to see what a person just did (Synapse in real time)
MORNING = datetime.fromisoformat("2018-10-23T13:40:00+02:00")
_prefixes = itertools.count(1)
_organisers = itertools.count(1)

# A small webinar on 23 October 2018 (CEST): a speaker slot and a discussion; Ortiz moderates.
TEMPLATE = """\
title: {title}
timezone: Europe/Zurich
date: 2018-10-23
language: {language}
connect_before: 5m
reminders: [{{before: 10m, template: connect_now}}{extra_reminders}]
channels: {{announcements: {prefix}, questions: {prefix}-questions, backstage: {prefix}-backstage}}
moderators: [ortiz]
speakers:
  ortiz: {{name: Isabel Ortiz, matrix: "{ortiz}"}}
  {speaker}: {{name: {speaker_name}, matrix: "{speaker_id}"}}
{registration}agenda:
  - time: "{start}-{end}"
    title: {block}
    sessions:
      - title: {session}
        slots: [{{speaker: {speaker}, minutes: 4}}, {{discussion: 6}}]
"""
REGISTRATION = """\
connection: {platform: WebEx, url: "https://example.org/join"}
registration: {open: true, closes_before: 10m, modes: [online, in_person]}
"""


def cest(text: str) -> datetime:
    return datetime.fromisoformat(f"2018-10-23T{text}+02:00")


def until(condition: Any, what: str, bound: float = HANDLED_TIMEOUT) -> None:
    deadline = time.monotonic() + bound
    pause = threading.Event()
    while not condition():
        assert time.monotonic() < deadline, f"not within {bound:.0f} s: {what}"
        pause.wait(0.02)


@dataclass(frozen=True)
class Rooms:
    """A webinar's three rooms: their alias names (for the schedule) and ids."""

    prefix: str
    ids: dict[str, str]

    @property
    def announcements(self) -> str:
        return self.ids["announcements"]

    @property
    def questions(self) -> str:
        return self.ids["questions"]

    @property
    def backstage(self) -> str:
        return self.ids["backstage"]


def new_organiser(world: MatrixWorld) -> MatrixUser:
    """An account that makes rooms as an operator would, exempted from the rate limits."""
    account = world.synapse.register(f"organiser{next(_organisers)}", "Organiser")
    world.synapse.exempt_from_rate_limits(world.admin, account.user_id)
    return MatrixUser(world.synapse.url, account)


@dataclass
class MatrixFleet:
    world: MatrixWorld
    organiser: MatrixUser
    folder: Path
    database_url: str
    clock: ManualClock = field(default_factory=lambda: ManualClock(MORNING))
    bot: MatrixUser = field(init=False)
    fleets: list[RunningFleet] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.bot = self.world.new_bot()

    # -- rooms and schedules ----------------------------------------------------------------------

    def new_rooms(self, name: str, joining: tuple[str, ...] = ()) -> Rooms:
        """Three rooms of this test's own: the bot and the moderator are invited to backstage (the
        moderator joins); `joining` participants join the public ones."""
        prefix = f"{name}{next(_prefixes)}x{int(time.time() * 1000) % 10**8}"
        ids = {
            "announcements": self.organiser.create_room(prefix, public=True),
            "questions": self.organiser.create_room(f"{prefix}-questions", public=True),
            "backstage": self.organiser.create_room(f"{prefix}-backstage", public=False),
        }
        moderator = self.world.people[MODERATOR]
        self.organiser.invite(ids["backstage"], self.bot.id)
        self.organiser.invite(ids["backstage"], moderator.id)
        moderator.join(ids["backstage"])
        for key in joining:
            self.world.people[key].join(ids["announcements"])
            self.world.people[key].join(ids["questions"])
        return Rooms(prefix, ids)

    def write(self, name: str, title: str, rooms: Rooms, start: str, end: str, **extra: str) -> None:
        speaker = extra.get("speaker", "astor")
        values = dict(
            title=title,
            language=extra.get("language", "en"),
            prefix=rooms.prefix,
            ortiz=self.world.user_id("ortiz"),
            speaker=speaker,
            speaker_name=extra.get("speaker_name", "Evelyn Astor"),
            speaker_id=self.world.user_id(speaker),
            start=start,
            end=end,
            block=f"Opening of {title}",
            session=f"Questions of {title}",
            registration=REGISTRATION if extra.get("registration") else "",
            extra_reminders=", {before: 10m, template: connect_now, to: online}"
            if extra.get("registration")
            else "",
        )
        (self.folder / name).write_text(TEMPLATE.format(**values), encoding="utf-8")

    # -- the process --------------------------------------------------------------------------------

    def start(self) -> RunningFleet:
        """`serve DIR --platform matrix` (background=False: the test drives it)."""
        account = self.bot.account

        def matrix(engine: Engine) -> ChatPort:
            return MatrixChat(
                self.world.synapse.url,
                account.user_id,
                self.clock,
                access_token=account.access_token,
                positions=SyncPositionStore(engine),
                poll_ms=2_000,
            )

        options = ServeOptions(self.folder, background=False)
        running = launch_fleet(
            options,
            Settings(database_url=self.database_url),
            self.clock,
            platform=matrix,
            platform_key="matrix",
        )
        self.fleets.append(running)
        running.fleet.tick()
        return running

    def step(self, until: datetime, every: timedelta = timedelta(seconds=30)) -> None:
        step(self.clock, self.fleets, until, every)

    def stop(self) -> None:
        for running in self.fleets:
            running.stop(flush_seconds=0)

    def chat(self, running: RunningFleet | None = None) -> MatrixChat:
        chat = (running or self.fleets[-1]).chat
        assert isinstance(chat, MatrixChat)
        return chat

    def webinar(self, key: str) -> Any:
        return next(w for w in self.fleets[-1].fleet.webinars() if w.key == key)

    # -- people -----------------------------------------------------------------------------------

    def handled(self, event: str) -> str:
        until(lambda: self.chat().handled(event), f"the bot handling {event}")
        return event

    def says(self, person: str, room: str, text: str) -> str:
        return self.handled(self.world.people[person].says(room, text))

    def notices(self, person: str) -> list[str]:
        """The bot's notices (command replies) in the person's direct rooms with it, oldest first."""
        rooms = self.bot.direct_rooms().get(self.world.user_id(person), [])
        return [
            str(e["content"].get("body", ""))
            for room in rooms
            for e in self.bot.events(room, sender=self.bot.id)
            if e["type"] == "m.room.message" and e["content"].get("msgtype") == "m.notice"
        ]

    def direct(self, person: str) -> list[dict[str, Any]]:
        """The bot's messages (not notices) in the person's direct rooms with it, oldest first."""
        rooms = self.bot.direct_rooms().get(self.world.user_id(person), [])
        return [
            e
            for room in rooms
            for e in self.bot.events(room, sender=self.bot.id)
            if e["type"] == "m.room.message" and e["content"].get("msgtype") == "m.text"
        ]

    def posts(self, room: str) -> list[str]:
        return [
            str(e["content"].get("body", ""))
            for e in self.bot.events(room, sender=self.bot.id)
            if e["type"] == "m.room.message" and "m.new_content" not in e["content"]
        ]

    def keyed(self, rooms: list[str]) -> dict[tuple[str, str], list[str]]:
        """Every keyed post of the bot in these rooms and its direct rooms: (webinar, cue) -> rooms."""
        every = set(rooms) | {r for found in self.bot.direct_rooms().values() for r in found}
        counts: dict[tuple[str, str], list[str]] = {}
        for room in every:
            for event in self.bot.events(room, sender=self.bot.id):
                key = (event.get("content") or {}).get(KEY_FIELD)
                if event.get("type") == "m.room.message" and key:
                    owner, cue = untag(str(key))
                    counts.setdefault((owner or "", cue), []).append(room)
        return counts


def matrix_fleet(world: MatrixWorld, organiser: MatrixUser, tmp_path: Path) -> Iterator[MatrixFleet]:
    folder = tmp_path / "schedules"
    folder.mkdir()
    harness = MatrixFleet(world, organiser, folder, f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        yield harness
    finally:
        harness.stop()
