"""Every webinar of a folder, in one process, on one chat platform; and, with other processes on the
same PostgreSQL database, one replica of a deployment.

Each pass (`scan`, every two seconds):

1. **Files.** A new schedule starts its webinar; an edited one is re-planned (or refused, the running
   plan kept, as in `run`); a removed one stops, and its backstage is told. A broken new file is
   refused with its problems logged and, where its backstage can be found, posted there; the
   other webinars carry on.
2. **People.** Every replica answers people for every webinar (the sender, the router): Slack may
   deliver any event or command to any replica. What they change is stored.
3. **Cues.** Each webinar's cues run on exactly one replica: the holder of its lease
   (`bot.store.lease`, which dies with its holder). A replica takes free webinars up to its fair
   share (`bot.store.replicas`), hands over what it holds beyond it when another replica joins,
   and gives up cues whose lease it lost. A replica that takes a webinar over posts what is still
   due exactly once, by the outbox and the reconcile every start already does.
4. **Sync.** The holder picks up what other replicas stored (a control, a registration) and
   re-plans.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine

from bot.agenda.load import read_defaults
from bot.agenda.model import Agenda
from bot.agenda.problems import Problem
from bot.chat.markup import compose
from bot.chat.message import Message, Text, lines
from bot.chat.port import ChatError, ChatPort, PostMessage
from bot.chat.sender import Pacer, Priority, Sender
from bot.clock import Clock
from bot.health import Health
from bot.i18n.catalogs import Catalogs
from bot.people.directory import SetupError
from bot.runtime.schedule import ScheduleSource, webinar_key
from bot.runtime.watcher import Signature
from bot.runtime.webinar import Webinar, build_webinar
from bot.serve.folder import ScheduleFile, schedule_files
from bot.serve.router import Route, Router
from bot.serve.tagged import TaggedChat
from bot.store.health import store_health
from bot.store.lease import LockSession, SchedulerLease
from bot.store.replicas import ReplicaRegistry, fair_share
from bot.store.sent_marks import SentMarks
from bot.store.versions import Stamp, stamps

log = logging.getLogger(__name__)


_CLOSERS = 16  # webinars closed side by side when the process stops


class Workspaces(Protocol):
    """OAuth mode: the workspaces that installed the app, each with its own token."""

    def team_of(self, workspace: str) -> str | None:
        """The team id a schedule's `workspace:` names ("" when it names none), if installed there."""
        ...

    def chat_for(self, team: str) -> ChatPort: ...


@dataclass
class Entry:
    """One schedule file and what runs from it."""

    file: ScheduleFile
    signature: Signature
    key: str = ""
    webinar: Webinar | None = None
    lease: SchedulerLease | None = None
    problems: list[str] = field(default_factory=list)
    waiting_for: str | None = None  # the workspace it names, where the app is not installed (yet)
    team: str = ""
    synced: Stamp | None = None  # the stored numbers its webinar last synced at (see bot.store.versions)

    @property
    def runs_cues(self) -> bool:
        return self.lease is not None and self.lease.held


@dataclass(frozen=True)
class WebinarState:
    """Where one webinar of the folder stands, for `status` and the health check."""

    file: str
    key: str
    runs_cues: bool
    problems: tuple[str, ...]


class Fleet:
    def __init__(
        self,
        folder: Path,
        chat: ChatPort | None,
        platform_key: str,
        engine: Engine,
        clock: Clock,
        owner: str,
        *,
        templates: Path | None = None,
        background: bool = True,
        transform: Callable[[Agenda], Agenda] | None = None,
        settle_first: bool = False,
        workspaces: Workspaces | None = None,
    ) -> None:
        """`chat`: the one workspace's platform; or None with `workspaces` (OAuth mode: each
        webinar in the workspace its schedule names). `settle_first`: on the first pass only say
        this replica is alive, so replicas started together see each other before they share the
        webinars out."""
        self.folder = folder
        self.chat = chat
        self.platform_key = platform_key
        self.engine = engine
        self.clock = clock
        self.owner = owner
        self.templates = templates
        self.background = background
        self.transform = transform
        self.workspaces = workspaces
        self.router = Router(clock)
        # One PostgreSQL session holds every lease of this process (a connection each would not scale).
        self.locks = LockSession(engine) if engine.dialect.name == "postgresql" else None
        self.registry = ReplicaRegistry(engine, owner, self.locks)
        self.marks = SentMarks(engine) if background else None  # its cues marked sent together
        self._pacers: dict[str, Pacer] = {}  # by workspace ("": the one of single-workspace mode)
        # Its own notes (a refused file), within the workspace's limits like the webinars' writes.
        self.sender = Sender(chat, clock, self._pacer("")) if chat is not None else None
        self.entries: dict[Path, Entry] = {}
        self._settling = settle_first
        self._lock = threading.RLock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # -- the loop ---------------------------------------------------------------------------------

    def start(self, interval: float = 2.0) -> None:
        if self.marks is not None:
            self.marks.start()
        if self.background and self.sender is not None:
            self.sender.start()
        self.scan()
        if self.background:
            self._thread = threading.Thread(target=self._run, args=(interval,), name="fleet", daemon=True)
            self._thread.start()

    def _run(self, interval: float) -> None:
        while not self._stop.is_set():
            if self._stop.wait(interval):
                return
            try:
                self.scan()
            except Exception:  # one bad pass must not stop every webinar
                log.exception("serve: a pass over the folder failed; trying again")

    def stop(self, flush_seconds: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            entries = list(self.entries.values())
            if entries:  # side by side: each flushes its own queue, a hundred need not take minutes
                with ThreadPoolExecutor(min(_CLOSERS, len(entries)), thread_name_prefix="close") as closers:
                    list(closers.map(lambda entry: self._close(entry, flush_seconds), entries))
            self.entries.clear()
        if self.marks is not None:
            self.marks.stop(flush_seconds)
        self.registry.leave()
        if self.locks is not None:
            self.locks.close()
        if self.background and self.sender is not None:
            self.sender.stop(flush_seconds)

    def crash(self) -> None:
        """As a killed process: nothing flushed or released by hand (tests)."""
        self._stop.set()
        with self._lock:
            for entry in self.entries.values():
                if entry.webinar is not None:
                    entry.webinar.crash()
                if entry.lease is not None:
                    entry.lease.release()  # what the OS or the database does for a dead process
            self.entries.clear()
        if self.marks is not None:
            self.marks.abandon()
        self.registry.abandon()
        if self.locks is not None:
            self.locks.close()  # as the server does when a process dies: its session, and its locks, go
        if self.sender is not None:
            self.sender.abandon()

    def tick(self) -> int:
        """Run what is due in every webinar and send what is queued (tests, background=False)."""
        done = self.sender.drain() if self.sender is not None else 0
        for webinar in self.webinars():
            done += webinar.tick() if webinar.cue_parts else webinar.sender.drain()
        return done

    # -- one pass ---------------------------------------------------------------------------------

    def scan(self) -> None:
        with self._lock:
            self._files()
            self._leases(self.clock.now())
            self._sync()

    def _sync(self) -> None:
        """Each webinar whose cues run here picks up what another replica changed: one look at every
        webinar's stored numbers, then a fresh read only where they moved."""
        running = [e for e in self.entries.values() if e.runs_cues and e.webinar is not None]
        if not running:
            return
        stored = stamps(self.engine)
        for entry in running:
            stamp = stored.get(entry.key, (None, None))
            if stamp != entry.synced and entry.webinar is not None:
                entry.synced = stamp
                entry.webinar.sync()

    def _files(self) -> None:
        files = {f.path: f for f in schedule_files(self.folder)}
        for path in [p for p in self.entries if p not in files]:
            gone = self.entries.pop(path)
            if gone.webinar is not None:
                if gone.runs_cues:
                    w = gone.webinar.backstage.words()
                    said = w(":wave: `{file}` was removed from the schedules: this webinar has stopped.")
                    gone.webinar.backstage.say(compose(said, file=path.name))
                log.info("serve: %s was removed; %s stopped", path.name, gone.key)
            self._close(gone)
        for path, file in files.items():
            entry = self.entries.get(path)
            signature = file.signature()
            waiting = entry is not None and entry.waiting_for is not None
            if entry is None or (entry.webinar is None and (entry.signature != signature or waiting)):
                self.entries[path] = self._open(file, signature)
            elif entry.signature != signature:
                entry.signature = signature
                if entry.webinar is not None and self._renamed(entry, file):
                    log.info("serve: %s now has another title or date: a new webinar", path.name)
                    self._close(entry)
                    self.entries[path] = self._open(file, signature)
                elif entry.webinar is not None:
                    entry.webinar.reload()

    def _renamed(self, entry: Entry, file: ScheduleFile) -> bool:
        """Whether an edit gave the file another title or date: another webinar (`run` refuses such
        an edit; here the old webinar stops and the new one starts)."""
        agenda, _ = ScheduleSource(file.path, file.defaults, self.templates, self.transform).load()
        return agenda is not None and webinar_key(agenda) != entry.key

    def _open(self, file: ScheduleFile, signature: Signature) -> Entry:
        entry = Entry(file, signature)
        source = ScheduleSource(file.path, file.defaults, self.templates, self.transform)
        agenda, errors = source.load()
        if agenda is None:
            self._refuse(entry, errors)
            return entry
        key = webinar_key(agenda)
        taken = [e for e in self.entries.values() if e.key == key and e.file.path != file.path]
        if taken:
            entry.problems = [f"{taken[0].file.path.name} is the same webinar (same title and date)"]
            log.error("serve: %s refused: %s", file.path.name, entry.problems[0])
            return entry
        entry.key = key
        chat = self.chat
        if self.workspaces is not None:
            workspace = agenda.settings.workspace
            team = self.workspaces.team_of(workspace)
            if team is None:
                entry.waiting_for = workspace
                entry.problems = [
                    f"the app is not installed in the workspace {workspace!r} yet"
                    if workspace
                    else "say which workspace runs it (`workspace:` in the schedule): the app is installed "
                    "in several, or in none yet"
                ]
                return entry
            entry.team = team
            chat = self.workspaces.chat_for(team)
        assert chat is not None
        try:
            webinar = build_webinar(
                agenda,
                source,
                TaggedChat(chat, key),
                self.platform_key,
                self.engine,
                self.clock,
                self._pacer(entry.team),
                self.marks,
            )
        except (SetupError, ChatError) as exc:
            entry.problems = [str(exc)]
            log.error("serve: %s cannot start: %s", file.path.name, exc)
            return entry
        webinar.answer_people(self.background)
        entry.webinar = webinar
        entry.lease = SchedulerLease(self.engine, key, self.owner, self.locks)
        conversations = frozenset(webinar.directory.resolution.channels.values())
        readers = webinar.commands.readers
        window = self._window(webinar)
        self.router.add(Route(key, webinar.inbox, conversations, window, readers.words, entry.team))
        log.info("serve: %s opened (%s)", file.path.name, key)
        return entry

    def _pacer(self, team: str) -> Pacer:
        """The rate limits of a workspace, shared by its webinars: the platform counts per workspace."""
        pacer = self._pacers.get(team)
        if pacer is None:
            pacer = self._pacers[team] = Pacer()
        return pacer

    @staticmethod
    def _window(webinar: Webinar) -> Callable[[], tuple[datetime, datetime]]:
        def window() -> tuple[datetime, datetime]:
            placement = webinar.session.placement()
            return placement.start, placement.end

        return window

    def _refuse(self, entry: Entry, errors: list[Problem]) -> None:
        entry.problems = [str(p) for p in errors[:20]]
        log.error(
            "serve: %s refused; the other webinars carry on:\n%s",
            entry.file.path.name,
            "\n".join(entry.problems),
        )
        found = self._backstage_of(entry.file)
        if found is None or self.sender is None:
            return
        backstage, language = found
        w = Catalogs().words(language)
        head = compose(
            w(":no_entry: I could not start the webinar of `{file}`: its schedule has errors."),
            file=entry.file.path.name,
        )
        listed = [(Text(f"• {p}"),) for p in entry.problems[:10]]
        self.sender.send(PostMessage(backstage, Message(lines(head, *listed))), Priority.REPLY)

    def _backstage_of(self, file: ScheduleFile) -> tuple[str, str] | None:
        """The backstage a broken YAML schedule names, if the chat platform knows it, and the
        schedule's language."""
        if file.path.suffix.lower() not in (".yaml", ".yml") or self.chat is None:
            return None
        try:
            header, _ = read_defaults(file.path)
            name = header.channels.get("backstage")
            found = self.chat.find_conversation(name) if name else None
        except Exception:  # a broken file may break anything: it is logged already
            log.debug("serve: no backstage found for %s", file.path.name, exc_info=True)
            return None
        language = str(header.settings.get("language") or "en")
        return (found.id, language) if found is not None else None

    def uninstalled(self, team: str) -> None:
        """The app was uninstalled from a workspace (or its token revoked): its webinars stop, and
        start again if it is installed again."""
        with self._lock:
            for entry in self.entries.values():
                if entry.webinar is not None and entry.team == team:
                    log.warning("serve: %s stops: the app was uninstalled from workspace %s", entry.key, team)
                    self._close(entry, flush_seconds=0)
                    entry.webinar, entry.lease = None, None
                    entry.waiting_for = team
                    entry.problems = [f"the app was uninstalled from the workspace {team}"]

    def _close(self, entry: Entry, flush_seconds: float = 5.0) -> None:
        self.router.remove(entry.key)
        if entry.webinar is not None:
            entry.webinar.stop(flush_seconds)
        if entry.lease is not None:
            entry.lease.release()

    # -- leases -----------------------------------------------------------------------------------

    def _leases(self, now: datetime) -> None:
        open_entries = [e for e in self.entries.values() if e.webinar is not None and e.lease is not None]
        for entry in open_entries:
            if entry.runs_cues and entry.lease is not None and not entry.lease.still_held():
                log.error("serve: lost the lease of %s (the database went away?): its cues stop", entry.key)
                self._hand_over(entry)
        held = [e for e in open_entries if e.runs_cues]
        self.registry.seen(now, len(held))
        if self._settling:
            self._settling = False
            return
        share = fair_share(len(open_entries), len(self.registry.alive(now)))
        if len(held) > share:  # another replica joined: hand over the webinars furthest ahead
            later_first = sorted(held, key=lambda e: self._start_of(e), reverse=True)
            for entry in later_first[: len(held) - share]:
                self._hand_over(entry)
            return
        if len(held) >= share:
            return
        for entry in sorted(open_entries, key=self._start_of):
            if len(held) >= share:
                break
            if entry.runs_cues or entry.lease is None or entry.webinar is None:
                continue
            if entry.lease.acquire(0.0):
                entry.webinar.run_cues(self.background, watch=False)
                held.append(entry)
                log.info("serve: running the cues of %s", entry.key)

    @staticmethod
    def _start_of(entry: Entry) -> datetime:
        assert entry.webinar is not None
        return entry.webinar.session.placement().start

    def _hand_over(self, entry: Entry) -> None:
        entry.synced = None
        if entry.webinar is not None:
            entry.webinar.stop_cues()
        if entry.lease is not None:
            entry.lease.release()
        log.info("serve: handed over the cues of %s", entry.key)

    # -- what it runs -----------------------------------------------------------------------------

    def health(self) -> Health:
        """For `/healthz`: the database answers; how many webinars' cues run here (none is healthy:
        another replica may run them all)."""
        database = store_health(self.engine, [])()
        with self._lock:
            held = sum(1 for e in self.entries.values() if e.runs_cues)
        return replace(database, leases=held)

    def webinars(self) -> list[Webinar]:
        with self._lock:
            return [e.webinar for e in self.entries.values() if e.webinar is not None]

    def states(self) -> list[WebinarState]:
        with self._lock:
            return [
                WebinarState(e.file.path.name, e.key, e.runs_cues, tuple(e.problems))
                for e in sorted(self.entries.values(), key=lambda e: e.file.path.name)
            ]
