"""A rehearsal on Matrix: the whole webinar, faster, on a Synapse of its own.

A throw-away Synapse starts on loopback (bot.matrix.homeserver): the bot and each speaker
(`@key:localhost`) get accounts, the first moderator creates the schedule's rooms under their
aliases (backstage invite-only, the bot and the moderators in it), and the bot's account is exempted
from the message rate limit, as an operator would. A configured MATRIX_HOMESERVER is refused: a
rehearsal would post a compressed webinar into real rooms.

As on Slack: the chat is printed as it happens, room by room, and `--transcript` keeps every event
of the bot's rooms (bot.rehearsal.matrix_watch); `--script` plays a moderator's `!webinar` commands
in backstage at agenda times; `--crowd K` registers K participants who join the rooms, ask and vote
(bot.rehearsal.matrix_crowd; exempted from the message rate limit too, since the rehearsal packs an
hour of their asking into a minute). `--registrants` registers the organisers' list, each person with
an account of their own on the rehearsal's Synapse given as their Matrix id (the list's `matrix` column
on a real homeserver: Matrix has no directory by e-mail), so each gets their reminders in a direct room.

The verdict is the Slack rehearsal's (bot.rehearsal.summary): every planned cue posted once and on
time. Synapse stamps each event in real time (`origin_server_ts`); it is read as agenda time through
the rehearsal's scaled clock.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
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
from bot.matrix.participant import Participant, Refused
from bot.matrix.writer import KEY_FIELD
from bot.people.directory import AUDIENCES
from bot.people.registrants import Details
from bot.rehearsal.console import ConsoleLines
from bot.rehearsal.crowd import Crowd, Tally
from bot.rehearsal.matrix_crowd import MatrixAudience
from bot.rehearsal.matrix_watch import RoomWatch
from bot.rehearsal.prepare import prepare
from bot.rehearsal.run import RehearsalOptions, header, load_prepared, register_before, registrant_list
from bot.rehearsal.script import ScriptStep, load_script
from bot.rehearsal.summary import Summary, summarize_receipts
from bot.store.sync_position import SyncPositionStore

log = logging.getLogger(__name__)
LOCALPART = re.compile(r"[^a-z0-9._=-]")


@dataclass
class MatrixRehearsalResult:
    summary: Summary
    agenda: Agenda
    bot: RunningBot
    crowd: Tally | None = None
    events: int = 0  # events the watch saw in the bot's rooms


def localpart(key: str) -> str:
    return LOCALPART.sub("_", key.lower()) or "speaker"


def alias_name(channel: str) -> str:
    return channel.strip().lstrip("#").split(":", 1)[0]


@dataclass
class OwnHomeserver:
    """A Synapse of the rehearsal's own, with the schedule's people and rooms on it."""

    synapse: LocalSynapse
    bot: Account
    rooms: dict[str, str]  # audience -> room id
    people: dict[str, Account]  # speaker key -> account
    names: dict[str, str] = field(default_factory=dict)  # Matrix id -> display name
    labels: dict[str, str] = field(default_factory=dict)  # room id -> `#alias`, as the console names it
    crowd: list[Participant] = field(default_factory=list)

    @property
    def accounts(self) -> dict[str, str]:  # speaker key -> Matrix id
        return {key: account.user_id for key, account in self.people.items()}

    @classmethod
    def start(cls, agenda: Agenda, folder: Path, crowd: int = 0) -> OwnHomeserver:
        synapse = LocalSynapse(folder / "synapse")
        try:
            synapse.start()
        except SynapseUnavailable as exc:
            raise BotError(f"cannot rehearse on Matrix: {exc}") from exc
        try:
            return cls._populate(synapse, agenda, crowd)
        except BaseException:
            synapse.stop()
            raise

    @classmethod
    def _populate(cls, synapse: LocalSynapse, agenda: Agenda, crowd: int) -> OwnHomeserver:
        admin = synapse.register("admin", "Admin", admin=True)
        bot = synapse.register("webinarbot", "Webinar Bot")
        synapse.exempt_from_rate_limits(admin, bot.user_id)
        people = {key: synapse.register(localpart(key), s.name) for key, s in agenda.speakers.items()}
        names = {people[key].user_id: s.name for key, s in agenda.speakers.items()}
        moderators = [people[m] for m in agenda.moderators if m in people]
        owner = moderators[0] if moderators else admin
        rooms: dict[str, str] = {}
        labels: dict[str, str] = {}
        assert agenda.channels is not None
        for audience in AUDIENCES:
            name = alias_name(agenda.channels.for_audience(audience) or audience)
            backstage = audience == "backstage"
            invited = [bot.user_id, *(m.user_id for m in moderators[1:])] if backstage else []
            rooms[audience] = synapse.create_room(owner, name, not backstage, invited)
            labels[rooms[audience]] = f"#{name}"
        for moderator in moderators[1:]:
            Participant(synapse.url, moderator).join(rooms["backstage"])
        own = cls(synapse, bot, rooms, people, names, labels)
        for n in range(1, crowd + 1):
            name = f"Participant {n:02d}"
            account = synapse.register(f"participant{n:02d}", name)
            synapse.exempt_from_rate_limits(admin, account.user_id)
            person = Participant(synapse.url, account, name)
            person.join(rooms["announcements"])
            person.join(rooms["questions"])
            own.crowd.append(person)
            own.names[account.user_id] = name
        return own

    def registrants(self, rows: list[Details]) -> list[Details]:
        """The organisers' list with an account each on this Synapse, given as their Matrix id."""
        given: list[Details] = []
        taken = {account.user_id.split(":", 1)[0].lstrip("@") for account in self.people.values()}
        for n, details in enumerate(rows, 1):
            wanted = (details.matrix or "").lstrip("@").split(":", 1)[0]
            name = localpart(wanted or (details.email or "").split("@")[0] or f"registrant{n}")
            if name in taken:
                name = f"{name}.{n}"
            taken.add(name)
            account = self.synapse.register(name, details.name)
            self.names[account.user_id] = details.name
            given.append(dataclasses.replace(details, matrix=account.user_id))
        return given

    def with_accounts(self, agenda: Agenda) -> Agenda:
        speakers = {
            key: dataclasses.replace(speaker, matrix=self.accounts.get(key, speaker.matrix))
            for key, speaker in agenda.speakers.items()
        }
        return dataclasses.replace(agenda, speakers=speakers)

    def receipts(self, at: AgendaTime) -> dict[str, list[datetime]]:
        stamps = self.synapse.keyed_posts(self.bot, list(self.rooms.values()), KEY_FIELD)
        return {key: sorted(at(ms) for ms in found) for key, found in stamps.items()}

    def player(self, who: str | None, agenda: Agenda) -> Participant | None:
        """Who plays a script step: a speaker by key or Matrix id (by default the first moderator),
        in backstage (invited by the room's creator if they are not in it yet)."""
        wanted = [who] if who else [m for m in agenda.moderators if m in self.people]
        by_id = {account.user_id: key for key, account in self.people.items()}
        key = next(
            (w if w in self.people else by_id[w] for w in wanted if w in self.people or w in by_id), None
        )
        if key is None:
            return None
        person = Participant(self.synapse.url, self.people[key], agenda.speakers[key].name)
        try:
            person.join(self.rooms["backstage"])
        except Refused:
            owner = next((self.people[m] for m in agenda.moderators if m in self.people), None)
            if owner is None:
                return None
            Participant(self.synapse.url, owner).invite(self.rooms["backstage"], person.id)
            person.join(self.rooms["backstage"])
        return person


@dataclass
class AgendaTime:
    """Real milliseconds (Synapse's `origin_server_ts`) as agenda time: the agenda's origin until the
    rehearsal's clock is released, then `speed` times faster from there."""

    origin: datetime
    speed: float
    wall: float | None = None

    def release(self) -> None:
        self.wall = time.time()

    def __call__(self, ms: int) -> datetime:
        if self.wall is None:
            return self.origin
        return self.origin + timedelta(seconds=max(ms / 1000 - self.wall, 0.0) * self.speed)


def rehearse_on_matrix(options: RehearsalOptions, settings: Settings, out: TextIO) -> MatrixRehearsalResult:
    if settings.matrix_homeserver:
        raise BotError(
            "a rehearsal on Matrix runs on a Synapse of its own, not on MATRIX_HOMESERVER "
            f"({settings.matrix_homeserver}), where it would post a compressed webinar to real rooms: "
            "unset MATRIX_HOMESERVER to rehearse"
        )
    prepared = load_prepared(options)
    agenda = prepared.agenda
    steps = load_script(options.script, agenda.date, agenda.tz) if options.script else []
    folder = Path(tempfile.mkdtemp(prefix="webinar-rehearsal-"))
    own: OwnHomeserver | None = None
    bot: RunningBot | None = None
    watch: RoomWatch | None = None
    audience: MatrixAudience | None = None
    done = threading.Event()
    try:
        own = OwnHomeserver.start(agenda, folder, options.crowd)
        home = own
        header(prepared, options.speed, f"on a Synapse of its own ({own.synapse.url})", out)
        clock = ScaledClock(prepared.origin, options.speed)
        clock.hold()  # agenda time starts when the bot is up, not while it connects
        paced = clock.agenda_paced()
        stamps = AgendaTime(prepared.origin, options.speed)
        if not options.quiet or options.transcript is not None:
            watch = RoomWatch(
                Participant(own.synapse.url, own.bot, "Webinar Bot"),
                own.labels,
                own.names,
                stamps,
                None if options.quiet else ConsoleLines(agenda.tz, out, options.width),
                prepared.notes,
                options.transcript,
            )
            watch.start()

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
        registered = 0
        if options.registrants is not None:
            rows = own.registrants(registrant_list(options.registrants, agenda, out))
            registered = register_before(rows, agenda, settings.database_url, prepared.origin)
        bot = launch(launch_options, settings, paced, platform, "matrix")
        clock.release()
        stamps.release()
        running = bot
        player = threading.Thread(
            target=_play, args=(steps, own, agenda, clock, done, out), name="script", daemon=True
        )
        player.start()
        crowd: Crowd | None = None
        crowd_done = threading.Event()
        crowd_thread: threading.Thread | None = None
        if own.crowd:
            chat = running.chat
            assert isinstance(chat, MatrixChat)
            audience = MatrixAudience(own.crowd, own.rooms, chat.handled)
            crowd = Crowd(audience, running.webinar, clock, len(own.crowd))
            crowd_thread = threading.Thread(target=crowd.run, args=(crowd_done,), name="crowd", daemon=True)
            crowd_thread.start()
        bot.wait_until_finished(done)
        tally = None
        if crowd is not None and crowd_thread is not None:
            crowd_done.set()
            crowd_thread.join(timeout=15)
            tally = crowd.settle()
        summary = summarize_receipts(bot.webinar.outbox.entries(), own.receipts(stamps), options.speed)
        summary.registrants = registered
        if watch is not None:
            watch.stop()
        return MatrixRehearsalResult(summary, agenda, bot, tally, watch.events if watch is not None else 0)
    finally:
        done.set()
        if audience is not None:
            audience.close()
        if bot is not None:
            bot.stop()
        if watch is not None:
            watch.stop()
        if own is not None:
            own.synapse.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _play(
    steps: list[ScriptStep],
    own: OwnHomeserver,
    agenda: Agenda,
    clock: ScaledClock,
    done: threading.Event,
    out: TextIO,
) -> None:
    """The moderator's script: `!webinar CONTROL` in backstage at each step's agenda time (the bot's
    answer comes to their direct room, where the console shows it)."""
    for step in steps:
        if clock.wait(done, step.at):
            return
        try:
            person = own.player(step.actor, agenda)
            if person is None:
                print(
                    f"  (script: no one to play '{step.control}' as {step.actor or 'a moderator'})", file=out
                )
                continue
            person.says(own.rooms["backstage"], f"!webinar {step.control}")
        except (Refused, OSError) as exc:  # a script step must not end the rehearsal
            print(f"  (script step '{step.control}' failed: {exc})", file=out)
