"""Run a rehearsal: the real bot, Socket Mode and all, against the stand-in on a faster clock."""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.agenda.load import load_schedule
from bot.agenda.model import MODES, Agenda
from bot.agenda.problems import ScheduleUnreadable
from bot.clock import ScaledClock
from bot.config import Settings
from bot.files import Unreadable, read_user_text
from bot.launch import BotError, LaunchOptions, RunningBot, launch
from bot.localslack import LocalSlack
from bot.localslack.workspace import User
from bot.manifest import bot_events
from bot.people.csv_import import parse_registrants
from bot.people.registrants import Details
from bot.rehearsal.console import ChatConsole
from bot.rehearsal.crowd import Crowd, SlackAudience, Tally
from bot.rehearsal.prepare import Prepared, prepare
from bot.rehearsal.script import ScriptStep, load_script
from bot.rehearsal.summary import Summary, summarize
from bot.rehearsal.workspace import rehearsal_workspace
from bot.runtime.schedule import webinar_key
from bot.slack.mrkdwn import to_plain
from bot.store.db import create_schema, make_engine
from bot.store.people import RegistrantStore

log = logging.getLogger(__name__)


@dataclass
class RehearsalOptions:
    schedule: Path
    speed: float = 60.0
    transcript: Path | None = None
    script: Path | None = None
    defaults: Path | None = None
    templates: Path | None = None
    today: date | None = None
    quiet: bool = False
    width: int = 120
    crowd: int = 0
    registrants: Path | None = None


@dataclass
class RehearsalResult:
    summary: Summary
    agenda: Agenda
    bot: RunningBot
    slack: LocalSlack
    crowd: Tally | None = None


def load_prepared(options: RehearsalOptions) -> Prepared:
    """The schedule, checked, moved to today with its reminders compressed (on any platform)."""
    result = load_schedule(options.schedule, options.defaults)
    errors = [p for p in result.problems if p.is_error]
    if result.agenda is None or errors:
        listed = "\n".join(str(p) for p in errors[:20])
        raise BotError(f"the schedule has errors; fix them first:\n{listed}")
    today = options.today or datetime.now(result.agenda.tz).date()  # the rehearsal's only wall-clock read
    return prepare(result.agenda, today)


def header(prepared: Prepared, speed: float, where: str, out: TextIO) -> None:
    """What is rehearsed, where, how fast and for how long (on any platform)."""
    agenda = prepared.agenda
    start = agenda.start.astimezone(agenda.tz)
    seconds = (agenda.end - prepared.origin).total_seconds() / speed
    length = f"{seconds / 60:.1f} minutes" if seconds >= 90 else f"{seconds:.0f} seconds"
    print(f"Rehearsing {agenda.title}", file=out)
    when = f"{start:%H:%M} {start.tzname()}"
    print(
        f"  {where}, {speed:g}x faster: {when} today, about {length};"
        " reminders further ahead are compressed into the lead-in.",
        file=out,
    )
    print("  Ctrl-C stops it.\n", file=out, flush=True)


class Rehearsal:
    def __init__(self, options: RehearsalOptions, out: TextIO) -> None:
        self.options = options
        self.out = out
        self._done = threading.Event()
        self.registered = 0

    def _prepare(self) -> Prepared:
        return load_prepared(self.options)

    def run(self) -> RehearsalResult:
        prepared = self._prepare()
        agenda = prepared.agenda
        clock = ScaledClock(prepared.origin, self.options.speed)
        clock.hold()  # agenda time starts when the bot is up, not while it connects
        paced = clock.agenda_paced()  # Slack's limits and the bot's pacing in agenda time, at any speed
        folder = Path(tempfile.mkdtemp(prefix="webinar-rehearsal-"))
        slack = LocalSlack(
            clock=clock,
            workspace=rehearsal_workspace(agenda),
            transcript_path=self.options.transcript,
            subscriptions=bot_events(),
            limits_clock=paced,
        )
        slack.start()
        bot: RunningBot | None = None
        try:
            steps = load_script(self.options.script, agenda.date, agenda.tz) if self.options.script else []
            env = slack.env()
            settings = Settings(
                bot_token=env["SLACK_BOT_TOKEN"],
                app_token=env["SLACK_APP_TOKEN"],
                signing_secret=env["SLACK_SIGNING_SECRET"],
                api_url=env["SLACK_API_URL"],
                database_url=f"sqlite:///{folder / 'rehearsal.db'}",
            )
            header(prepared, self.options.speed, "against the local Slack stand-in", self.out)
            if self.options.registrants is not None:
                self._register(agenda, slack, settings.database_url, prepared.origin)
            if not self.options.quiet:
                ChatConsole(slack, agenda.tz, self.out, self.options.width, prepared.notes).attach()
            options = LaunchOptions(
                self.options.schedule,
                defaults=self.options.defaults,
                templates=self.options.templates,
                transform=lambda loaded: prepare(loaded, agenda.date).agenda,
            )
            bot = launch(options, settings, paced)
            clock.release()
            player = threading.Thread(target=self._play, args=(steps, slack, bot, clock), daemon=True)
            player.start()
            crowd = (
                Crowd(SlackAudience(slack), bot.webinar, clock, self.options.crowd)
                if self.options.crowd > 0
                else None
            )
            crowd_done = threading.Event()
            crowd_thread = None
            if crowd is not None:
                crowd_thread = threading.Thread(
                    target=crowd.run, args=(crowd_done,), name="crowd", daemon=True
                )
                crowd_thread.start()
            bot.wait_until_finished(self._done)
            summary = summarize(bot.webinar.outbox.entries(), slack.transcript, self.options.speed)
            summary.registrants = self.registered
            tally = None
            if crowd is not None and crowd_thread is not None:
                # The account is closed only once no participant is still asking (one may be waiting
                # for a form) and the stand-in has delivered everything they did to the bot.
                crowd_done.set()
                crowd_thread.join(timeout=15)
                tally = crowd.settle()
            return RehearsalResult(summary, agenda, bot, slack, tally)
        finally:
            self._done.set()
            if bot is not None:
                bot.stop()
            slack.stop()
            shutil.rmtree(folder, ignore_errors=True)

    def _register(self, agenda: Agenda, slack: LocalSlack, database: str, at: datetime) -> None:
        """The organisers' list, in the rehearsal's database: each e-mail a user of the stand-in
        (created when the workspace has none), registered before the rehearsal's first cue."""
        assert self.options.registrants is not None
        workspace = slack.workspace
        rows = registrant_list(self.options.registrants, agenda, self.out)
        for details in rows:
            if details.email and workspace.find_user(details.email) is None:
                workspace.add_user(
                    User(
                        id=workspace.ids.new("U"),
                        name=details.email.split("@")[0],
                        real_name=details.name,
                        email=details.email,
                        tz=details.timezone or agenda.timezone,
                        locale={"fr": "fr-FR", "es": "es-ES"}.get(details.language or "", "en-US"),
                    )
                )
        self.registered = register_before(rows, agenda, database, at)

    def _play(self, steps: list[ScriptStep], slack: LocalSlack, bot: RunningBot, clock: ScaledClock) -> None:
        moderators = sorted(bot.webinar.directory.moderators)
        for step in steps:
            if clock.wait(self._done, step.at):
                return
            who = step.actor
            user = slack.user(who) if who else (slack.user(moderators[0]) if moderators else None)
            if user is None:
                print("  (script: no moderator to play it)", file=self.out)
                continue
            backstage = bot.webinar.directory.channel("backstage")
            try:
                user.slash("/webinar", step.control, channel=backstage)
            except Exception as exc:  # a script step must not end the rehearsal
                print(f"  (script step '{step.control}' failed: {exc})", file=self.out)
                continue
            replies = user.ephemerals()
            if replies:
                print(
                    f"{'':10}  {'':24}  ↳ {to_plain(replies[-1].text).splitlines()[0]}",
                    file=self.out,
                    flush=True,
                )


def rehearse(options: RehearsalOptions, out: TextIO) -> RehearsalResult:
    if not options.schedule.exists():
        raise ScheduleUnreadable(str(options.schedule), "no such file")
    return Rehearsal(options, out).run()


def registrant_list(path: Path, agenda: Agenda, out: TextIO) -> list[Details]:
    """The organisers' list for a rehearsal, its problems printed (a list that cannot be read at all
    is a BotError)."""
    text = read_user_text(path, "registrant list")
    if isinstance(text, Unreadable):
        raise BotError(str(text))
    parsed = parse_registrants(text, agenda.registration.modes if agenda.registration else MODES)
    if parsed.fatal:
        raise BotError(f"{path} {parsed.fatal}")
    for problem in parsed.problems:
        print(f"  ({path}: {problem})", file=out)
    return [row.details for row in parsed.rows]


def register_before(rows: list[Details], agenda: Agenda, database: str, at: datetime) -> int:
    """Register `rows` in the rehearsal's database a second before `at`; how many are registered."""
    engine = make_engine(database)
    try:
        create_schema(engine)
        store = RegistrantStore(engine, webinar_key(agenda))
        for details in rows:
            store.save(details, at - timedelta(seconds=1), source="import")
        return len(store.all())
    finally:
        engine.dispose()
