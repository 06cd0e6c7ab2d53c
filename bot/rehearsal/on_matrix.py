"""A rehearsal on Matrix: the whole webinar, faster, on a Synapse of its own.

A throw-away Synapse starts on loopback (bot.matrix.homeserver): the bot and each speaker
(`@key:localhost`) get accounts, the first moderator creates the schedule's rooms under their
aliases (backstage invite-only, the bot invited), and the bot's account is exempted from the message
rate limit, as an operator would. A configured MATRIX_HOMESERVER is refused: a rehearsal would post
a compressed webinar into real rooms.

The verdict is the Slack rehearsal's (bot.rehearsal.summary): every planned cue posted once and on
time. Synapse stamps each event in real time (`origin_server_ts`); it is read as agenda time through
the rehearsal's scaled clock.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine

from bot.agenda.model import Agenda
from bot.chat.port import ChatPort
from bot.clock import ScaledClock
from bot.config import Settings
from bot.launch import BotError, LaunchOptions, RunningBot, launch
from bot.matrix.adapter import MatrixChat
from bot.matrix.homeserver import Account, LocalSynapse, SynapseUnavailable
from bot.matrix.writer import KEY_FIELD
from bot.people.directory import AUDIENCES
from bot.rehearsal.prepare import prepare
from bot.rehearsal.run import RehearsalOptions, load_prepared
from bot.rehearsal.summary import Summary, summarize_receipts
from bot.store.sync_position import SyncPositionStore

LOCALPART = re.compile(r"[^a-z0-9._=-]")


@dataclass
class MatrixRehearsalResult:
    summary: Summary
    agenda: Agenda
    bot: RunningBot


def localpart(key: str) -> str:
    return LOCALPART.sub("_", key.lower()) or "speaker"


def alias_name(channel: str) -> str:
    return channel.strip().lstrip("#").split(":", 1)[0]


@dataclass
class OwnHomeserver:
    """A Synapse of the rehearsal's own, with the schedule's people and rooms on it."""

    synapse: LocalSynapse
    bot: Account
    rooms: list[str]
    accounts: dict[str, str]  # speaker key -> Matrix id

    @classmethod
    def start(cls, agenda: Agenda, folder: Path) -> OwnHomeserver:
        synapse = LocalSynapse(folder / "synapse")
        try:
            synapse.start()
        except SynapseUnavailable as exc:
            raise BotError(f"cannot rehearse on Matrix: {exc}") from exc
        admin = synapse.register("admin", "Admin", admin=True)
        bot = synapse.register("webinarbot", "Webinar Bot")
        synapse.exempt_from_rate_limits(admin, bot.user_id)
        people = {key: synapse.register(localpart(key), s.name) for key, s in agenda.speakers.items()}
        owner = next((people[m] for m in agenda.moderators if m in people), admin)
        rooms: list[str] = []
        assert agenda.channels is not None
        for audience in AUDIENCES:
            name = alias_name(agenda.channels.for_audience(audience) or audience)
            backstage = audience == "backstage"
            rooms.append(synapse.create_room(owner, name, not backstage, [bot.user_id] if backstage else []))
        return cls(synapse, bot, rooms, {key: account.user_id for key, account in people.items()})

    def with_accounts(self, agenda: Agenda) -> Agenda:
        speakers = {
            key: dataclasses.replace(speaker, matrix=self.accounts.get(key, speaker.matrix))
            for key, speaker in agenda.speakers.items()
        }
        return dataclasses.replace(agenda, speakers=speakers)

    def receipts(self, at: Callable[[int], datetime]) -> dict[str, list[datetime]]:
        stamps = self.synapse.keyed_posts(self.bot, self.rooms, KEY_FIELD)
        return {key: sorted(at(ms) for ms in found) for key, found in stamps.items()}


def rehearse_on_matrix(options: RehearsalOptions, settings: Settings, out: TextIO) -> MatrixRehearsalResult:
    if settings.matrix_homeserver:
        raise BotError(
            "a rehearsal on Matrix runs on a Synapse of its own, not on MATRIX_HOMESERVER "
            f"({settings.matrix_homeserver}), where it would post a compressed webinar to real rooms: "
            "unset MATRIX_HOMESERVER to rehearse"
        )
    prepared = load_prepared(options)
    agenda = prepared.agenda
    folder = Path(tempfile.mkdtemp(prefix="webinar-rehearsal-"))
    own: OwnHomeserver | None = None
    bot: RunningBot | None = None
    done = threading.Event()
    try:
        own = OwnHomeserver.start(agenda, folder)
        home = own
        print(f"Rehearsing on a Synapse of its own ({own.synapse.url}) at {options.speed:g}x", file=out)
        clock = ScaledClock(prepared.origin, options.speed)
        clock.hold()  # agenda time starts when the bot is up, not while it connects
        paced = clock.agenda_paced()

        def platform(engine: Engine) -> ChatPort:
            return MatrixChat(
                home.synapse.url,
                home.bot.user_id,
                paced,
                access_token=home.bot.access_token,
                positions=SyncPositionStore(engine),
            )

        launch_options = LaunchOptions(
            options.schedule,
            defaults=options.defaults,
            templates=options.templates,
            transform=lambda loaded: home.with_accounts(prepare(loaded, agenda.date).agenda),
        )
        settings = Settings(database_url=f"sqlite:///{folder / 'rehearsal.db'}")
        bot = launch(launch_options, settings, paced, platform, "matrix")
        clock.release()
        wall, then = time.time(), clock.now()
        bot.wait_until_finished(done)

        def agenda_at(ms: int) -> datetime:
            return then + timedelta(seconds=(ms / 1000 - wall) * options.speed)

        summary = summarize_receipts(bot.webinar.outbox.entries(), own.receipts(agenda_at), options.speed)
        return MatrixRehearsalResult(summary, agenda, bot)
    finally:
        done.set()
        if bot is not None:
            bot.stop()
        if own is not None:
            own.synapse.stop()
        shutil.rmtree(folder, ignore_errors=True)
