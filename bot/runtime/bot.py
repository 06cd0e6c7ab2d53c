"""The composition root: one running webinar bot, wired from its parts.

Slack I/O (directory, sender, delivery, panel, Bolt app) at the edge; the schedule, the live state
and the plan in the middle; the store underneath; one clock for all. `start()` runs it with threads;
tests pass `background=False` and drive it with `tick()` while moving a ManualClock by hand.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from bot.agenda.keys import slugify
from bot.agenda.load import load_schedule
from bot.agenda.model import Agenda
from bot.agenda.problems import Problem
from bot.clock import Clock
from bot.config import Settings
from bot.messages.mrkdwn import escape, mention
from bot.messages.render import Renderer
from bot.questions.desk import QuestionDesk
from bot.runtime.controls import HELP, STEERING, ControlError, parse_control
from bot.runtime.cue_runner import CueRunner
from bot.runtime.debounce import Debounced
from bot.runtime.scheduler import ClockScheduler
from bot.runtime.session import LiveSession
from bot.runtime.watcher import FileWatcher
from bot.slack.app import HttpReceiver, SocketReceiver, build_app
from bot.slack.client import make_client
from bot.slack.delivery import CueDelivery
from bot.slack.directory import Directory, NameResolver, Resolution
from bot.slack.listeners.controls import Reply
from bot.slack.panel import ControlPanel, status_text
from bot.slack.questions import QuestionsEdge
from bot.slack.sender import Post, Priority, SlackSender
from bot.store.control_log import ControlLog
from bot.store.db import create_schema, make_engine
from bot.store.lease import SchedulerLease, describe_owner
from bot.store.live_state import LiveStateStore
from bot.store.outbox import Outbox
from bot.store.questions import QuestionStore, SessionInfo
from bot.timeline.cue import Cue, Kind

log = logging.getLogger(__name__)
BOUNDARY_KINDS = frozenset(
    {Kind.ITEM_START, Kind.SLOT_END, Kind.DISCUSSION_START, Kind.ITEM_END, Kind.OVERRUN}
)


class BotError(Exception):
    """The bot cannot start; the message says why and what to do."""


def webinar_key(agenda: Agenda) -> str:
    """Which rows of the database belong to this webinar: its title and date, stable across edits."""
    return f"{slugify(agenda.title, 'webinar')}-{agenda.date.isoformat()}"


class WebinarBot:
    def __init__(
        self,
        schedule: Path,
        settings: Settings,
        clock: Clock,
        *,
        defaults: Path | None = None,
        templates: Path | None = None,
        http_port: int | None = None,
        http_host: str = "0.0.0.0",
        background: bool = True,
        watch: bool = True,
        agenda_transform: Callable[[Agenda], Agenda] | None = None,
    ) -> None:
        self.schedule = schedule
        self.settings = settings
        self.clock = clock
        self.defaults = defaults
        self.templates = templates
        self.http_port = http_port
        self.http_host = http_host
        self.background = background
        self.watch = watch
        self.transform = agenda_transform or (lambda agenda: agenda)
        self._lock = threading.RLock()
        self._stopped = False
        self.receiver: HttpReceiver | SocketReceiver | None = None
        self.watcher: FileWatcher | None = None
        self.engine: Engine | None = None
        self.lease: SchedulerLease | None = None
        self._refresher: Debounced | None = None

    # -- loading -----------------------------------------------------------------------------

    def _renderer_for(self, agenda: Agenda | None = None) -> Renderer:
        renderer = Renderer(self.templates, language=agenda.settings.language if agenda else "en")
        if agenda is not None:
            renderer.preload()
        return renderer

    def load_agenda(self) -> tuple[Agenda | None, list[Problem]]:
        result = load_schedule(self.schedule, self.defaults, templates=self._renderer_for().names())
        errors = [p for p in result.problems if p.is_error]
        if result.agenda is None or errors:
            return None, errors or result.problems
        return self.transform(result.agenda), []

    # -- life cycle --------------------------------------------------------------------------

    def start(self) -> None:
        agenda, errors = self.load_agenda()
        if agenda is None:
            listed = "\n".join(str(p) for p in errors[:20])
            raise BotError(
                f"the schedule has errors; fix them first (webinar-bot check {self.schedule}):\n{listed}"
            )
        self.renderer = self._renderer_for(agenda)
        self.key = webinar_key(agenda)
        self.engine = make_engine(self.settings.database_url)
        create_schema(self.engine)
        self.lease = SchedulerLease(self.engine, self.key, describe_owner(self.clock.now()))
        if not self.lease.acquire(wait=10.0 if self.engine.dialect.name == "postgresql" else 0.0):
            holder = self.lease.holder() or "another process"
            raise BotError(
                f"another bot is already running this webinar on this database ({holder}); "
                "stop it first: two bots would post every cue twice"
            )
        try:
            self._start_parts(agenda)
        except Exception:
            self.lease.release()
            raise

    def _start_parts(self, agenda: Agenda) -> None:
        assert self.engine is not None
        token, url, clock = self.settings.bot_token, self.settings.api_url, self.clock
        self.client = make_client(token, url, clock)
        self.directory = Directory(self.client)
        self.identity = self.directory.check_auth()
        self.resolution: Resolution = self.directory.resolve(agenda)
        self.directory.open_dms(self.resolution)  # now, not when a speaker's first cue is due
        self.sender = SlackSender(make_client(token, url, clock, for_posts=True), clock)
        self.outbox = Outbox(self.engine, self.key)
        self.session = LiveSession(
            agenda,
            clock,
            LiveStateStore(self.engine, self.key),
            ControlLog(self.engine, self.key),
            self.replan,
        )
        state = self.session.load()
        self.delivery = CueDelivery(
            lambda: self.session.agenda,
            lambda: self.renderer,
            lambda: self.resolution,
            self.directory,
            self.sender,
            self.outbox,
            clock,
        )
        self.delivery.posted_hooks.append(self._after_cue)
        self.scheduler = ClockScheduler(
            clock,
            order=lambda job_id: self.runner.order(job_id),
            before_batch=lambda job_ids: self.runner.prepare(job_ids),
        )
        self.runner = CueRunner(
            self.scheduler, self.outbox, clock, self.delivery.deliver, self._report_missed
        )
        self.scheduler.start(background=self.background)
        self.questions = QuestionStore(self.engine, self.key)
        self._save_webinar(agenda)
        self.names = NameResolver(self.directory, self.questions.name_author)
        self.desk = QuestionDesk(
            self.questions, clock.now, lambda: self.session.agenda, self.session.placement, self.names.name
        )
        self.edge = QuestionsEdge(
            self.desk,
            self.questions,
            self.sender,
            self.client,
            self.runner,
            clock,
            lambda: self.session.agenda,
            lambda: self.resolution,
            lambda: self.identity.user_id,
            self.is_moderator,
            self.say,
        )
        self.delivery.posted_hooks.append(self.edge.on_cue_posted)
        self.delivery.context_hooks["discussion_digest"] = self._digest_context
        self.delivery.message_hooks["discussion_digest"] = self.edge.digest_message
        self.panel = ControlPanel(
            self.sender, lambda: self.renderer, lambda: self.resolution, self.session.set_panel
        )
        if state.panel_ts and state.panel_channel == self.resolution.channels.get("backstage"):
            self.panel.channel, self.panel.ts = state.panel_channel, state.panel_ts
        self._announce_start(agenda)
        self.replan()
        self.runner.recover_in_flight()
        self.edge.recover()
        self.app = build_app(self.client, self.settings.signing_secret, self, self.edge, self)
        if self.http_port is not None:
            self.receiver = HttpReceiver(self.app, self.http_port, self.http_host)
        elif self.settings.app_token:
            self.receiver = SocketReceiver(self.app, self.settings.app_token)
        if self.receiver is not None:
            self.receiver.start()
        if self.background:
            # Cues are due to the millisecond while listener threads work through bursts of events:
            # hand the interpreter between threads every 1 ms rather than every 5, so a waking
            # scheduler never waits long behind them.
            sys.setswitchinterval(0.001)
            self.names.start()
            self._refresher = Debounced(self._refresh_panel_now, min_interval=0.5)
            self._refresher.start()
            self.sender.start()
            if self.watch:
                self.watcher = FileWatcher([p for p in (self.schedule, self.defaults) if p], self.reload)
                self.watcher.start()

    def stop(self, flush_seconds: float = 5.0) -> None:
        """Stop cleanly: no new cue fires, what is queued is sent (for a while), the lease is freed."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        if self.watcher is not None:
            self.watcher.stop()
        if hasattr(self, "scheduler"):
            self.scheduler.shutdown(wait=False)
        if self.receiver is not None:
            self.receiver.stop()
        if hasattr(self, "sender"):
            if not self.background:
                self.sender.drain()
            self.sender.stop(timeout=flush_seconds)
        if self._refresher is not None:
            self._refresher.stop()
        if hasattr(self, "names"):
            self.names.stop()
        if self.lease is not None:
            self.lease.release()
        if self.engine is not None:
            self.engine.dispose()

    def crash(self) -> None:
        """Stop as a killed process would: nothing flushed, nothing confirmed (for restart tests)."""
        with self._lock:
            self._stopped = True
        if self.watcher is not None:
            self.watcher.stop()
        self.scheduler.shutdown(wait=False)
        if self.receiver is not None:
            self.receiver.stop()
        self.sender.abandon()
        self.names.stop()
        if self._refresher is not None:
            self._refresher.stop()
        if self.lease is not None:
            self.lease.release()  # the OS and the database free a dead process's locks
        if self.engine is not None:
            self.engine.dispose()

    def wait_until_finished(self, stop: threading.Event, settle: timedelta = timedelta(seconds=2)) -> bool:
        """Block until the last planned cue is `settle` behind the clock, nothing is left to send and
        the session is not paused (a rehearsal's or a benchmark's end); False if `stop` came first."""
        while not stop.is_set():
            now = self.clock.now()
            last = max((c.at for c in self.session.plan()), default=now) + settle
            if now >= last and self.sender.pending() == 0 and not self.session.paused:
                return True
            self.clock.wait(stop, last if now < last else now + timedelta(seconds=5))
        return False

    def tick(self) -> int:
        """Run every cue due at the clock's now and send everything queued (tests)."""
        self.names.resolve_now()
        ran = self.scheduler.run_due()
        return ran + self.sender.drain()

    # -- planning ----------------------------------------------------------------------------

    def replan(self) -> None:
        with self._lock:
            self.runner.paused = self.session.paused
            self.runner.apply_plan(self.session.plan())
        self.refresh_panel()

    def refresh_panel(self) -> None:
        """Bring the control panel up to date: at once in tests, off the posting threads when running."""
        if self._refresher is not None:
            self._refresher.request()
        else:
            self._refresh_panel_now()

    def _refresh_panel_now(self) -> None:
        state = self.session.state
        report = self.session.status()
        webinar = self._webinar_context()
        self.panel.show(
            webinar,
            report,
            state.adjustments.muted,
            bool(state.adjustments.actual_starts),
            self.session.agenda.tz,
        )

    def _webinar_context(self) -> dict[str, Any]:
        agenda = self.session.agenda
        return {"title": agenda.title, "timezone": agenda.timezone}

    def _save_webinar(self, agenda: Agenda) -> None:
        """What a report needs to know about the webinar, in the database beside its questions."""
        infos = [
            SessionInfo(session.key, session.number, position, session.title, item.title)
            for position, (item, session) in enumerate(agenda.sessions())
        ]
        self.questions.save_webinar(agenda.title, agenda.timezone, agenda.date.isoformat(), infos)

    def _digest_context(self, cue: Cue) -> dict[str, Any]:
        session_key = str((cue.context.get("session") or {}).get("key") or "")
        return {"questions": self.edge.digest_questions(session_key)[:10]}

    def _after_cue(self, cue: Cue, channel: str, ts: str) -> None:
        if cue.kind in BOUNDARY_KINDS:
            self.refresh_panel()

    def reload(self) -> None:
        """The schedule file changed: re-plan from it, or keep the running plan and say why not."""
        agenda, errors = self.load_agenda()
        if agenda is None:
            listed = "\n".join(f"• {escape(str(p))}" for p in errors[:10])
            self.say(
                f":no_entry: I could not use the edit of `{escape(self.schedule.name)}`; the running plan "
                f"stays as it was.\n{listed}"
            )
            return
        if webinar_key(agenda) != self.key:
            self.say(
                ":no_entry: The edited schedule has another title or date, so it is another webinar; "
                "restart the bot to run it. The running plan stays as it was."
            )
            return
        self.renderer = self._renderer_for(agenda)
        if (
            agenda.speakers != self.session.agenda.speakers
            or agenda.moderators != self.session.agenda.moderators
        ):
            fresh = Resolution(channels=self.resolution.channels)
            self.directory.resolve_people(agenda, fresh)
            self.resolution = fresh
        changes = self.session.replace_agenda(agenda)
        self._save_webinar(agenda)
        if changes:
            self.say(
                ":pencil: Schedule updated; later cues follow:\n"
                + "\n".join(f"• {escape(c)}" for c in changes)
            )

    # -- talking -----------------------------------------------------------------------------

    def say(self, text: str, priority: Priority = Priority.REPLY) -> None:
        """Post to backstage (text already mrkdwn-safe)."""
        channel = self.resolution.channels["backstage"]
        self.sender.submit(Post("chat.postMessage", {"channel": channel, "text": text}, priority))

    def _announce_start(self, agenda: Agenda) -> None:
        cues = len(self.session.plan())
        lines = [
            f":robot_face: webinar-bot is running *{escape(agenda.title)}*: {cues} cues planned. "
            "`/webinar help` lists the controls."
        ]
        report = self.resolution.report(agenda)
        if report:
            lines.append(escape(report))
        self.say("\n".join(lines))

    def _report_missed(self, cues: list[Cue]) -> None:
        tz = self.session.agenda.tz
        listed = [f"• {c.at.astimezone(tz):%H:%M:%S} {c.kind.value} to {c.audience}" for c in cues[:15]]
        more = f"\n… and {len(cues) - 15} more" if len(cues) > 15 else ""
        self.say(
            f":warning: {len(cues)} cue{'s' * (len(cues) != 1)} came too late to be useful and were not "
            "posted (the bot was not running when they were due):\n" + "\n".join(listed) + more
        )

    # -- commands ----------------------------------------------------------------------------

    def is_moderator(self, user_id: str) -> bool:
        return user_id in self.resolution.moderators

    def webinar_command(self, user_id: str, text: str) -> Reply:
        try:
            control = parse_control(text)
        except ControlError as exc:
            return Reply(escape(str(exc)))
        if control.action == "help":
            return Reply(HELP)
        if control.action == "status":
            state = self.session.state
            return Reply(
                status_text(
                    self.renderer,
                    self._webinar_context(),
                    self.session.status(),
                    state.adjustments.muted,
                    self.resolution.speakers,
                )
            )
        if control.action == "questions":
            heading, blocks = self.edge.questions_reply(control.target, buttons=self.is_moderator(user_id))
            return Reply(heading, blocks)
        if (control.action in STEERING or control.action in ("report", "reveal")) and not self.is_moderator(
            user_id
        ):
            names = ", ".join(mention(m) for m in sorted(self.resolution.moderators)) or "the moderators"
            return Reply(
                f"Sorry, only the webinar's moderators can do that ({names}). "
                "`/webinar status` shows where the session stands."
            )
        if control.action == "report":
            backstage = self.resolution.channels["backstage"]
            self.edge.upload_report(backstage)
            return Reply(f"The questions report is on its way to <#{backstage}>.")
        if control.action == "reveal":
            if not control.target.strip().isdigit():
                return Reply(
                    "Which question? `/webinar reveal 12` (the number in `/webinar report`'s JSON or CSV)."
                )
            number = int(control.target.strip())
            self.say(f"{mention(user_id)} looked up who asked question {number}.")
            return Reply(self.edge.reveal(number))
        try:
            reply = self.session.steer(user_id, text)
        except ControlError as exc:
            return Reply(escape(str(exc)))
        if reply.log:
            self.say(escape(reply.log).replace("{who}", mention(user_id)))
        return Reply(escape(reply.reply))
