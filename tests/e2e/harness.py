"""Driving a webinar bot against the local Slack stand-in, on a ManualClock the test moves by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import ManualClock
from bot.config import Settings
from bot.launch import LaunchOptions, RunningBot, launch
from bot.localslack import LocalSlack
from bot.localslack.workspace import Message
from bot.rehearsal.summary import receipts
from bot.timeline.cue import Cue

# 16 Oct 2018, 13:59 CEST: a minute before the seed webinar's first reminder (a week ahead).
WEEK_BEFORE = datetime.fromisoformat("2018-10-16T13:59:00+02:00")
MODERATOR = "ortiz"  # the seed webinar's moderator (a speaker key), a user of the default workspace


@dataclass
class Harness:
    slack: LocalSlack
    clock: ManualClock
    schedule: Path
    database_url: str
    bots: list[RunningBot] = field(default_factory=list)

    def settings(self) -> Settings:
        return Settings(
            bot_token=self.slack.bot_token,
            app_token=self.slack.app_token,
            signing_secret=self.slack.signing_secret,
            api_url=self.slack.api_url,
            database_url=self.database_url,
        )

    def start_bot(self, **options: Any) -> RunningBot:
        """A bot receiving events over HTTP from the stand-in (deliveries finish before they return)."""
        options.setdefault("background", False)
        launch_options = LaunchOptions(self.schedule, http_port=0, http_host="127.0.0.1", **options)
        bot = launch(launch_options, self.settings(), self.clock)
        assert bot.chat.receiver is not None
        port = bot.chat.receiver.port  # type: ignore[attr-defined]
        self.slack.connect_http(f"http://127.0.0.1:{port}/slack/events")
        self.bots.append(bot)
        bot.tick()
        return bot

    def run_until(self, bot: RunningBot, until: datetime) -> None:
        run_until(self.clock, bot, until)

    def channel(self, name: str) -> str:
        return self.slack.channel_id(name)

    def posts(self, channel: str) -> list[Message]:
        """The bot's messages in a channel (by name or id)."""
        channel_id = self.slack.channel_id(channel) if not channel.startswith(("C", "D", "G")) else channel
        return [m for m in self.slack.messages(channel_id) if m.user == self.slack.bot_user_id]

    def receipts(self) -> dict[str, list[datetime]]:
        """Agenda time at which the stand-in stored each keyed post (a cue id), by key."""
        return receipts(self.slack.transcript)

    def check_exactly_once(self, cues: list[Cue], tolerance: timedelta = timedelta(0)) -> None:
        receipts = self.receipts()
        for cue in cues:
            times = receipts.get(cue.id, [])
            assert len(times) == 1, f"{cue.id}: posted {len(times)} times"
            assert timedelta(0) <= times[0] - cue.at <= tolerance, f"{cue.id}: at {times[0]}, due {cue.at}"


def run_until(clock: ManualClock, bot: RunningBot, until: datetime) -> None:
    """Move the clock from one due cue to the next up to `until`, letting the bot work at each."""
    while True:
        due = bot.webinar.runner.scheduler.next_wakeup()
        now = clock.now()
        if due is None or due > until:
            if until > now:
                clock.set(until)
            bot.tick()
            return
        if due > now:
            clock.set(due)
        bot.tick()


def cest(text: str) -> datetime:
    """An instant of the seed webinar's day, given as CEST wall time ("14:15" or "14:15:30")."""
    return datetime.fromisoformat(f"2018-10-23T{text}+02:00")
