"""One running webinar: its parts, built in order by `build_webinar`, and a short life-cycle list.

There is no logic here beyond the wiring: what each part does lives in its own module. Parts that
run threads (the scheduler, the sender, name look-ups, the panel's refresher, the schedule watcher)
start in the order listed and stop in reverse; tests pass `background=False` and drive the webinar
with `tick()` while moving a ManualClock by hand.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine

from bot.agenda.model import Agenda
from bot.chat.message import Message
from bot.chat.port import ChatPort, MessageRef
from bot.chat.sender import Pacer, Sender
from bot.clock import Clock
from bot.i18n.catalogs import Catalogs
from bot.i18n.localized import Phrase
from bot.i18n.words import NP_
from bot.kinds import Kind
from bot.messages.texts import Texts
from bot.people.book import People
from bot.people.directory import Directory, resolve
from bot.people.help import ConnectionHelp
from bot.people.languages import Readers
from bot.people.names import NameBook
from bot.people.registration import RegistrationDesk
from bot.people.speakers import SpeakerDesk
from bot.questions.desk import QuestionDesk
from bot.questions.intake import Intake
from bot.questions.moderation import Moderation
from bot.questions.threads import Threads
from bot.runtime.backstage import Backstage
from bot.runtime.commands import WebinarCommands
from bot.runtime.cue_runner import STARTUP, Cause, CueRunner
from bot.runtime.delivery import CueDelivery
from bot.runtime.home import AppHome
from bot.runtime.inbox import WebinarInbox
from bot.runtime.panel import ControlPanel
from bot.runtime.planning import Replanner
from bot.runtime.schedule import ScheduleReload, ScheduleSource, session_infos, webinar_key
from bot.runtime.scheduler import ClockScheduler
from bot.runtime.session import LiveSession
from bot.runtime.watcher import FileWatcher
from bot.store.control_log import ControlLog
from bot.store.live_state import LiveStateStore
from bot.store.names import NameStore
from bot.store.outbox import Outbox
from bot.store.people import ConnectionRequests, RegistrantStore, SpeakerAnswers, attendance
from bot.store.questions import QuestionStore
from bot.store.sent_marks import SentMarks
from bot.timeline.cue import Cue, cue_id

log = logging.getLogger(__name__)
PANEL_KINDS = frozenset({Kind.ITEM_START, Kind.SLOT_END, Kind.DISCUSSION_START, Kind.ITEM_END, Kind.OVERRUN})


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Part:
    """Something that runs beside the webinar; `abandon` is how a crash leaves it (default: `stop`)."""

    name: str
    start: Callable[[], None]
    stop: Callable[[], None]
    abandon: Callable[[], None] | None = None


class CueThreadOpener:
    """How the questions ask the runtime to open a session's thread early: its `thread_open` cue, now."""

    def __init__(self, runner: CueRunner) -> None:
        self.runner = runner

    def open_thread_now(self, session_key: str) -> bool:
        return self.runner.fire_now(cue_id(Kind.THREAD_OPEN, session_key, "questions"))


@dataclass
class Webinar:
    key: str
    clock: Clock
    session: LiveSession
    directory: Directory
    texts: Texts
    outbox: Outbox
    runner: CueRunner
    sender: Sender
    delivery: CueDelivery
    backstage: Backstage
    panel: ControlPanel
    replanner: Replanner
    names: NameBook
    questions: QuestionStore
    desk: QuestionDesk
    threads: Threads
    intake: Intake
    moderation: Moderation
    commands: WebinarCommands
    inbox: WebinarInbox
    reload: ScheduleReload
    people: People
    registration: RegistrationDesk
    parts: list[Part] = field(default_factory=list)  # answering people
    cue_parts: list[Part] = field(default_factory=list)  # running the cues (the lease holder only)
    flush_seconds: float = 5.0
    _synced: tuple[int | None, object] = (None, None)
    _stopped: bool = False

    def start(self, background: bool = True, watch: bool = True) -> None:
        """Answer people and run the cues: the whole webinar, in one process."""
        self.answer_people(background)
        self.run_cues(background, watch)

    def answer_people(self, background: bool = True) -> None:
        """What every replica of a deployment runs for every webinar, whoever runs its cues: the
        parts that answer people (the sender, name look-ups). Changes people make (a control, a
        registration) are stored; the replica that runs the cues picks them up (`sync`)."""
        self.parts = self._people_parts(background)
        for part in self.parts:
            part.start()

    def run_cues(self, background: bool = True, watch: bool = True) -> None:
        """Say so in backstage, apply the plan, recover what a crash left, then run the cues (only
        the holder of the webinar's lease: one process at a time)."""
        agenda = self.session.agenda
        platform = self.directory.chat.platform
        matching = self.people.match(self.directory.chat, self.directory.platform_key)
        unresolved = self.directory.resolution.report(agenda, platform)
        if matching.unmatched:
            unresolved = [
                *unresolved,
                Phrase.counted(
                    NP_(
                        "{count} registrant whose {platform} account was not found: they get no "
                        "direct messages (`webinar-bot registrants export` lists them)",
                        "{count} registrants whose {platform} accounts were not found: they get no "
                        "direct messages (`webinar-bot registrants export` lists them)",
                    ),
                    len(matching.unmatched),
                    platform=platform,
                ),
            ]
        self.session.load()
        self.people.changed()
        self.backstage.running(agenda.title, len(self.session.plan()), unresolved)
        self.replanner.active = True
        self.replanner.replan(STARTUP)
        self.registration.welcome()
        self.runner.recover_in_flight()
        self.threads.recover()
        self.cue_parts = self._cue_parts(background, watch)
        for part in self.cue_parts:
            part.start()
        self._synced = self._shared_state()

    def stop_cues(self) -> None:
        """Hand the cues over (the lease goes to another replica): no cue fires here any more."""
        self.replanner.active = False
        for part in reversed(self.cue_parts):
            part.stop()
        self.cue_parts = []

    def _shared_state(self) -> tuple[int | None, object]:
        return self.session.stored_version(), self.people.stored_state()

    def sync(self) -> bool:
        """Pick up what another replica stored (a moderator's control, a registration, a speaker's
        answer, a list imported meanwhile: its people with an account given for this platform are
        found now, the others by e-mail at the next start) and re-plan; whether anything had changed."""
        self.people.match(self.directory.chat, self.directory.platform_key, by_email=False)
        current = self._shared_state()
        if current == self._synced:
            return False
        self._synced = current
        self.session.load()
        self.people.changed()
        self.replanner.replan(Cause("a change made on another replica"))
        return True

    def _people_parts(self, background: bool) -> list[Part]:
        if not background:
            return [Part("sender", _nothing, self._drain, self.sender.abandon)]
        return [
            Part("name look-ups", self.names.start, self.names.stop),
            Part(
                "sender", self.sender.start, lambda: self.sender.stop(self.flush_seconds), self.sender.abandon
            ),
        ]

    def _cue_parts(self, background: bool, watch: bool) -> list[Part]:
        """What runs beside the cues, in starting order (they stop in reverse, the scheduler first,
        so no cue fires while the sender flushes)."""
        if not background:
            return [Part("scheduler", lambda: self.runner.start(background=False), self.runner.stop)]
        parts = [Part("panel", self.panel.start, self.panel.stop)]
        if watch:
            watcher = FileWatcher(self.reload.source.files, self.reload)
            parts.append(Part("schedule watcher", watcher.start, watcher.stop))
        parts.append(Part("scheduler", lambda: self.runner.start(background=True), self.runner.stop))
        return parts

    def _drain(self) -> None:
        self.sender.drain()

    def stop(self, flush_seconds: float = 5.0) -> None:
        """Stop cleanly: no new cue fires, what is queued is sent (for a while)."""
        if self._stopped:
            return
        self._stopped = True
        self.flush_seconds = flush_seconds
        for part in reversed(self.cue_parts + self.parts):
            part.stop()

    def crash(self) -> None:
        """Stop as a killed process would: nothing flushed, nothing confirmed (for restart tests)."""
        self._stopped = True
        for part in reversed(self.cue_parts + self.parts):
            (part.abandon or part.stop)()

    def tick(self) -> int:
        """Run every cue due at the clock's now and send everything queued (tests)."""
        self.names.resolve_now()
        ran = self.runner.scheduler.run_due()
        return ran + self.sender.drain()

    def wait_until_finished(self, stop: threading.Event, settle: timedelta = timedelta(seconds=2)) -> bool:
        """Block until the last planned cue is `settle` behind the clock, no cue is left to fire,
        nothing is left to send and the session is not paused (a rehearsal's or a benchmark's end);
        False if `stop` came first."""
        while not stop.is_set():
            now = self.clock.now()
            last = max((c.at for c in self.session.plan()), default=now) + settle
            idle = self.runner.scheduler.idle() and self.sender.pending() == 0
            if now >= last and idle and not self.session.paused:
                return True
            self.clock.wait(stop, last if now < last else now + timedelta(seconds=5))
        return False


def session_of(cue: Cue) -> str:
    """The session a cue is about (a discussion's digest), from its context."""
    session = cue.context.get("session")
    return str(session.get("key") or "") if isinstance(session, dict) else ""


def build_webinar(
    agenda: Agenda,
    source: ScheduleSource,
    chat: ChatPort,
    platform_key: str,
    engine: Engine,
    clock: Clock,
    pacer: Pacer | None = None,
    marks: SentMarks | None = None,
) -> Webinar:
    """Every part of one webinar, each built from the ones before it. `pacer`: the rate limits it
    shares with the other webinars of its workspace (by default, its own); `marks`: where its posted
    cues are marked sent together with the other webinars' (by default, each at once)."""
    key = webinar_key(agenda)
    directory = Directory(chat, platform_key, resolve(agenda, chat, platform_key))
    catalogs = Catalogs()
    texts = Texts(source.templates, agenda, catalogs)
    outbox = Outbox(engine, key, marks)
    questions = QuestionStore(engine, key)
    people = People(
        RegistrantStore(engine, key), SpeakerAnswers(engine, key), ConnectionRequests(engine, key), clock
    )
    session = LiveSession(agenda, clock, LiveStateStore(engine, key), ControlLog(engine, key), people)
    session.load()
    names = NameBook(chat, NameStore(engine), clock)
    readers = Readers(session, people, names, directory, catalogs)
    sender = Sender(chat, clock, pacer)
    delivery = CueDelivery(session, texts, directory, people, sender, outbox, clock, readers)
    backstage = Backstage(directory, sender, readers.webinar_words)

    def report_missed(cues: list[Cue]) -> None:
        backstage.missed(cues, session.agenda.tz)

    runner = CueRunner(
        ClockScheduler(clock), outbox, clock, delivery.deliver, report_missed, delivery.prerender
    )
    panel = ControlPanel(session, texts, directory, people, sender)
    replanner = Replanner(session, runner, panel)
    desk = QuestionDesk(questions, clock, session)
    threads = Threads(questions, sender, chat, CueThreadOpener(runner), session, directory, clock, readers)
    intake = Intake(desk, threads, sender, names, directory, clock, readers)
    moderation = Moderation(
        desk, threads, sender, names, directory, session, clock, readers, lambda: attendance(engine, key)
    )

    def plan_changed(reason: str) -> None:
        replanner.replan(Cause(reason))

    registration = RegistrationDesk(session, people, sender, directory, names, clock, plan_changed, readers)
    speakers = SpeakerDesk(session, people, sender, directory, clock, plan_changed, readers)
    help_desk = ConnectionHelp(people, sender, directory, names, clock, readers)
    commands = WebinarCommands(
        session, replanner, directory, moderation, backstage, panel, names, registration, readers
    )
    home = AppHome(moderation, registration, people, directory, sender, readers)
    inbox = WebinarInbox(
        commands, intake, moderation, directory, sender, registration, speakers, help_desk, home
    )
    reload = ScheduleReload(source, key, session, directory, texts, questions, replanner, backstage)

    def after_cue(cue: Cue, ref: MessageRef) -> None:
        if cue.kind is Kind.THREAD_OPEN:
            threads.opened(cue.subject, ref)
        if cue.kind in PANEL_KINDS:
            panel.refresh()

    def digest(cue: Cue, message: Message) -> Message:
        return moderation.digest_for_cue(session_of(cue), message)

    delivery.on_posted.append(after_cue)
    delivery.rebuild["discussion_digest"] = digest
    questions.save_webinar(
        agenda.title,
        agenda.timezone,
        agenda.date.isoformat(),
        session_infos(agenda),
        agenda.settings.language,
    )
    return Webinar(
        key,
        clock,
        session,
        directory,
        texts,
        outbox,
        runner,
        sender,
        delivery,
        backstage,
        panel,
        replanner,
        names,
        questions,
        desk,
        threads,
        intake,
        moderation,
        commands,
        inbox,
        reload,
        people,
        registration,
    )
