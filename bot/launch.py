"""The composition root of a process that runs one webinar: the schedule, the store, the chat
platform and the webinar's parts, put together in order, started, and stopped.

Wiring only: the database and the lease that keeps a second bot off the same webinar, the Slack
adapter, `build_webinar`, and the chat adapter told where to deliver what comes in.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from bot.agenda.model import Agenda
from bot.chat.port import ChatError, ChatPort
from bot.clock import Clock
from bot.config import Settings
from bot.people.directory import SetupError
from bot.runtime.schedule import ScheduleSource, webinar_key
from bot.runtime.webinar import Webinar, build_webinar
from bot.slack.adapter import SlackChat
from bot.store.db import create_schema, make_engine
from bot.store.lease import SchedulerLease, describe_owner

log = logging.getLogger(__name__)


class BotError(Exception):
    """The bot cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class LaunchOptions:
    schedule: Path
    defaults: Path | None = None
    templates: Path | None = None
    http_port: int | None = None
    http_host: str = "0.0.0.0"
    background: bool = True
    watch: bool = True
    transform: Callable[[Agenda], Agenda] | None = None


@dataclass
class RunningBot:
    webinar: Webinar
    chat: ChatPort
    engine: Engine
    lease: SchedulerLease
    _stopped: bool = False

    def stop(self, flush_seconds: float = 5.0) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.chat.close()
        self.webinar.stop(flush_seconds)
        self.lease.release()
        self.engine.dispose()

    def crash(self) -> None:
        """As a killed process: nothing flushed; the OS and the database free a dead process's locks."""
        self._stopped = True
        self.chat.close()
        self.webinar.crash()
        self.lease.release()
        self.engine.dispose()

    def tick(self) -> int:
        return self.webinar.tick()

    def wait_until_finished(self, stop: threading.Event, settle: timedelta = timedelta(seconds=2)) -> bool:
        return self.webinar.wait_until_finished(stop, settle)


def tune_interpreter() -> None:
    """For a process that runs webinars: cues are due to the millisecond while listener threads work
    through bursts of events, so hand the interpreter between threads every 1 ms rather than every 5,
    and a waking scheduler never waits long behind them. Process-wide, so the entry point calls it."""
    sys.setswitchinterval(0.001)


def launch(
    options: LaunchOptions,
    settings: Settings,
    clock: Clock,
    platform: Callable[[Engine], ChatPort] | None = None,
    platform_key: str = "slack",
) -> RunningBot:
    """Start the webinar of `options.schedule` on Slack, or on the platform `platform` builds (given
    the store, for what an adapter keeps across restarts); BotError says why it cannot."""
    source = ScheduleSource(options.schedule, options.defaults, options.templates, options.transform)
    agenda, errors = source.load()
    if agenda is None:
        listed = "\n".join(str(p) for p in errors[:20])
        raise BotError(
            f"the schedule has errors; fix them first (webinar-bot check {options.schedule}):\n{listed}"
        )
    engine = make_engine(settings.database_url)
    create_schema(engine)
    lease = SchedulerLease(engine, webinar_key(agenda), describe_owner(clock.now()))
    if not lease.acquire(wait=10.0 if engine.dialect.name == "postgresql" else 0.0):
        holder = lease.holder() or "another process"
        engine.dispose()
        raise BotError(
            f"another bot is already running this webinar on this database ({holder}); "
            "stop it first: two bots would post every cue twice"
        )
    chat = platform(engine) if platform is not None else SlackChat(
        settings.bot_token,
        settings.api_url,
        clock,
        signing_secret=settings.signing_secret,
        app_token=settings.app_token,
        http_port=options.http_port,
        http_host=options.http_host,
    )
    try:
        chat.identity()
        webinar = build_webinar(agenda, source, chat, platform_key, engine, clock)
    except BaseException as exc:
        chat.close()
        lease.release()
        engine.dispose()
        if isinstance(exc, ChatError | SetupError):
            raise BotError(str(exc)) from exc
        raise
    running = RunningBot(webinar, chat, engine, lease)
    try:
        webinar.start(background=options.background, watch=options.watch)
        chat.listen(webinar.inbox)
    except BaseException:
        running.stop(flush_seconds=0)
        raise
    return running
