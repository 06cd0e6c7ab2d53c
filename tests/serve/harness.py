"""Driving `serve` against the local Slack stand-in, on a ManualClock the test moves by hand."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.launch import RunningFleet, ServeOptions, launch_fleet
from bot.localslack import LocalSlack
from bot.localslack.workspace import Message
from bot.rehearsal.summary import receipts

# Three small webinars on 23 October 2018 (CEST): A and C share the seed webinar's channels, B has the
# panel's. Each has a speaker slot and a discussion; Ortiz moderates all three.
TEMPLATE = """\
title: {title}
timezone: Europe/Zurich
date: 2018-10-23
connect_before: 5m
reminders: [{{before: 10m, template: connect_now}}]
channels: {{announcements: {prefix}, questions: {prefix}-questions, backstage: {prefix}-backstage}}
moderators: [ortiz]
speakers:
  ortiz: {{name: Isabel Ortiz, email: ortiz@example.org}}
  {speaker}: {{name: {speaker_name}, email: {speaker}@example.org}}
agenda:
  - time: "{start}-{end}"
    title: {block}
    sessions:
      - title: {session}
        slots: [{{speaker: {speaker}, minutes: 4}}, {{discussion: 6}}]
"""

SCHEDULES = {
    "a.yaml": dict(
        title="Webinar Alpha",
        prefix="sp-webinar",
        speaker="astor",
        speaker_name="Evelyn Astor",
        start="14:00",
        end="14:12",
        block="Opening of A",
        session="Pensions in A",
    ),
    "b.yaml": dict(
        title="Webinar Bravo",
        prefix="psi-panel-7",
        speaker="thorn",
        speaker_name="Ath Thorn",
        start="14:30",
        end="14:42",
        block="Opening of B",
        session="Floors in B",
    ),
    "c.yaml": dict(
        title="Webinar Charlie",
        prefix="sp-webinar",
        speaker="mote",
        speaker_name="Hilma Mote",
        start="16:00",
        end="16:12",
        block="Opening of C",
        session="Care work in C",
    ),
}
KEYS = {
    "a.yaml": "webinar-alpha-2018-10-23",
    "b.yaml": "webinar-bravo-2018-10-23",
    "c.yaml": "webinar-charlie-2018-10-23",
}
MORNING = datetime.fromisoformat("2018-10-23T13:40:00+02:00")


def schedule_text(name: str) -> str:
    return TEMPLATE.format(**SCHEDULES[name])


def cest(text: str) -> datetime:
    return datetime.fromisoformat(f"2018-10-23T{text}+02:00")


@dataclass
class FleetHarness:
    slack: LocalSlack
    clock: ManualClock
    folder: Path
    database_url: str
    fleets: list[RunningFleet] = field(default_factory=list)

    def write(self, *names: str) -> None:
        for name in names:
            (self.folder / name).write_text(schedule_text(name))

    def settings(self) -> Settings:
        return Settings(
            bot_token=self.slack.bot_token,
            app_token=self.slack.app_token,
            signing_secret=self.slack.signing_secret,
            api_url=self.slack.api_url,
            database_url=self.database_url,
        )

    def start(self, connect: bool = True) -> RunningFleet:
        """A `serve` process (background=False: the test drives it), receiving events over HTTP."""
        options = ServeOptions(self.folder, http_port=0, http_host="127.0.0.1", background=False)
        running = launch_fleet(options, self.settings(), self.clock)
        self.fleets.append(running)
        if connect:
            self.connect(running)
        running.fleet.tick()
        return running

    def connect(self, running: RunningFleet) -> None:
        assert running.chat.receiver is not None
        port = running.chat.receiver.port  # type: ignore[attr-defined]
        self.slack.connect_http(f"http://127.0.0.1:{port}/slack/events")

    def step(
        self, fleets: list[RunningFleet], until: datetime, every: timedelta = timedelta(seconds=2)
    ) -> None:
        step(self.clock, fleets, until, every)

    def posts(self, channel: str) -> list[Message]:
        channel_id = self.slack.channel_id(channel)
        return [m for m in self.slack.messages(channel_id) if m.user == self.slack.bot_user_id]

    def receipts(self) -> dict[str, list[datetime]]:
        return receipts(self.slack.transcript)


def step(
    clock: ManualClock, fleets: list[RunningFleet], until: datetime, every: timedelta = timedelta(seconds=2)
) -> None:
    """Move the clock to `until` in steps no longer than `every` (the fleets' pass), stopping at each
    due cue; each fleet scans and works at every step (any platform: the fleets run in this thread)."""
    while True:
        now = clock.now()
        dues = [
            due
            for running in fleets
            for webinar in running.fleet.webinars()
            if webinar.cue_parts and (due := webinar.runner.scheduler.next_wakeup()) is not None
        ]
        target = min([until, now + every, *[d for d in dues if d > now]])
        if target > now:
            clock.set(target)
        for running in fleets:
            running.fleet.scan()
            running.fleet.tick()
        if target >= until:
            return


@pytest.fixture
def fleet_harness(slack: LocalSlack, clock: ManualClock, tmp_path: Path) -> Iterator[FleetHarness]:
    clock.set(MORNING)
    # e2e's stand-in has the bot in the seed's backstage; a moderator invites it to the panel's too.
    slack.user("ortiz").invite(slack.channel_id("psi-panel-7-backstage"), slack.bot_user_id)
    folder = tmp_path / "schedules"
    folder.mkdir()
    h = FleetHarness(slack, clock, folder, f"sqlite:///{tmp_path / 'bot.db'}")
    yield h
    for running in h.fleets:
        running.stop(flush_seconds=0)
