"""The composition root of a process that runs one webinar (`run`) or a folder of them (`serve`): the
schedule, the store, the chat platform and the webinar's parts, put together in order, started, and
stopped.

Wiring only: the database and the lease that keeps a second bot off the same webinar, the chat
adapter (Slack, or Matrix: `chat_platform` picks it by name), `build_webinar`, and the adapter told
where to deliver what comes in.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from bot.agenda.model import Agenda
from bot.chat.port import ChatError, ChatPort
from bot.clock import Clock
from bot.config import InstallSettings, Settings
from bot.health import Health
from bot.people.directory import SetupError
from bot.runtime.schedule import ScheduleSource, webinar_key
from bot.runtime.webinar import Webinar, build_webinar
from bot.serve.fleet import Fleet
from bot.serve.listener import SoleListener, lease_key
from bot.slack.adapter import SlackChat
from bot.slack.app import HttpReceiver, Receiver, SocketReceiver
from bot.store.db import create_schema, make_engine
from bot.store.health import store_health
from bot.store.lease import SchedulerLease, describe_owner

if TYPE_CHECKING:  # OAuth mode only: slack-sdk's SQLAlchemy stores load when it is used
    from bot.slack.installations import Installations

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


def slack_chat(
    settings: Settings, clock: Clock, http_port: int | None, http_host: str, health: Callable[[], Health]
) -> SlackChat:
    """One workspace's Slack, from the settings: Socket Mode, or the Events API on `http_port`."""
    return SlackChat(
        settings.bot_token,
        settings.api_url,
        clock,
        signing_secret=settings.signing_secret,
        app_token=settings.app_token,
        http_port=http_port,
        http_host=http_host,
        health=health,
    )


PLATFORMS = ("slack", "matrix")
# Where every connection of an account hears every event (Matrix's sync; Slack deals each event to
# one connection): one replica of a deployment listens at a time.
ONE_LISTENER = ("matrix",)


def chat_platform(name: str, settings: Settings, clock: Clock) -> Callable[[Engine], ChatPort] | None:
    """The adapter a process runs on, by the platform's name (`--platform`): None for Slack, whose
    adapter `launch` and `launch_fleet` build themselves (Socket Mode, HTTP or OAuth); for Matrix,
    what builds it from the MATRIX_* settings once the store is open. ValueError says what is
    missing; ImportError, that the platform's client library is not installed."""
    if name == "slack":
        return None
    if name == "matrix":
        from bot.matrix.connect import matrix_platform  # only a Matrix process loads matrix-nio

        return matrix_platform(settings, clock)
    raise ValueError(f"unknown chat platform {name!r} (one of {', '.join(PLATFORMS)})")


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
    chat = (
        platform(engine)
        if platform is not None
        else slack_chat(settings, clock, options.http_port, options.http_host, store_health(engine, [lease]))
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


@dataclass
class RunningFleet:
    """A `serve` process: every webinar of a folder on one chat platform."""

    fleet: Fleet
    receiver: Receiver | None
    engine: Engine
    chat: ChatPort | None = None
    listener: SoleListener | None = None  # where one replica alone may listen (Matrix)
    _stopped: bool = False

    def stop(self, flush_seconds: float = 5.0) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._stop_receiving()
        self.fleet.stop(flush_seconds)
        self.engine.dispose()

    def crash(self) -> None:
        """As a killed process: the leases go with it, nothing is flushed (tests)."""
        self._stopped = True
        self._stop_receiving()
        self.fleet.crash()
        self.engine.dispose()

    def _stop_receiving(self) -> None:
        if self.chat is not None:
            self.chat.close()
        elif self.receiver is not None:
            self.receiver.stop()
        if self.listener is not None:
            self.listener.stop()


@dataclass(frozen=True)
class ServeOptions:
    folder: Path
    templates: Path | None = None
    http_port: int | None = None
    http_host: str = "0.0.0.0"
    background: bool = True
    interval: float = 2.0
    transform: Callable[[Agenda], Agenda] | None = None


class InstalledWorkspaces:
    """OAuth mode's workspaces for the fleet: each webinar posts with its own workspace's token."""

    def __init__(self, installations: Installations, clock: Clock) -> None:
        self.installations = installations
        self.clock = clock

    def team_of(self, workspace: str) -> str | None:
        if workspace:
            return self.installations.team_of(workspace)
        teams = self.installations.teams()
        return teams[0] if len(teams) == 1 else None  # one installation: a schedule need not say

    def chat_for(self, team: str) -> ChatPort:
        return SlackChat.for_team(self.installations, team, self.clock)


def launch_fleet(
    options: ServeOptions,
    settings: Settings,
    clock: Clock,
    install: InstallSettings | None = None,
    platform: Callable[[Engine], ChatPort] | None = None,
    platform_key: str = "slack",
) -> RunningFleet:
    """Start every webinar of `options.folder` on Slack: with the bot token of one workspace, or,
    with `install` (OAuth) and no bot token, in each workspace that installed the app; or on the
    platform `platform` builds (given the store), one adapter for every webinar, its inbound values
    handed to the fleet's router. BotError says why it cannot."""
    if not options.folder.is_dir():
        raise BotError(f"{options.folder} is not a folder of schedules")
    engine = make_engine(settings.database_url)
    create_schema(engine)
    fleet: Fleet | None = None

    def health() -> Health:
        return fleet.health() if fleet is not None else Health(False, detail="starting")

    owner = describe_owner(clock.now())
    settle = engine.dialect.name == "postgresql"
    fleet_options: dict[str, Any] = dict(
        templates=options.templates,
        background=options.background,
        transform=options.transform,
        settle_first=settle,
    )
    if platform is not None:
        return _fleet_on(platform(engine), platform_key, options, engine, clock, owner, fleet_options)
    if install is not None and install.enabled and not settings.bot_token:
        from bot.slack.installations import Installations
        from bot.slack.oauth import build_oauth_app

        installations = Installations(engine, install.client_id, settings.api_url, clock)
        installations.create_tables()
        workspaces = InstalledWorkspaces(installations, clock)
        fleet = Fleet(
            options.folder, None, "slack", engine, clock, owner, workspaces=workspaces, **fleet_options
        )
        app = build_oauth_app(
            install,
            installations,
            fleet.router.for_workspace,
            clock,
            signing_secret=settings.signing_secret,
            on_uninstalled=fleet.uninstalled,
        )
        receiver: Receiver | None = None
        if options.http_port is not None:
            receiver = HttpReceiver(
                app,
                options.http_port,
                options.http_host,
                signing_secret=settings.signing_secret,
                clock=clock,
                health=health,
            )
        elif settings.app_token:
            receiver = SocketReceiver(app, settings.app_token)
        running = RunningFleet(fleet, receiver, engine)
        try:
            fleet.start(options.interval)
            if receiver is not None:
                receiver.start()
        except BaseException:
            running.stop(flush_seconds=0)
            raise
        return running
    chat = slack_chat(settings, clock, options.http_port, options.http_host, health)
    try:
        chat.identity()
    except ChatError as exc:
        chat.close()
        engine.dispose()
        raise BotError(str(exc)) from exc
    fleet = Fleet(options.folder, chat, "slack", engine, clock, owner, **fleet_options)
    running = RunningFleet(fleet, None, engine, chat)
    try:
        fleet.start(options.interval)
        chat.listen(fleet.router, on_uninstalled=fleet.uninstalled)
        running.receiver = chat.receiver
    except BaseException:
        running.stop(flush_seconds=0)
        raise
    return running


def _fleet_on(
    chat: ChatPort,
    platform_key: str,
    options: ServeOptions,
    engine: Engine,
    clock: Clock,
    owner: str,
    fleet_options: dict[str, Any],
) -> RunningFleet:
    """A fleet on one adapter that is not Slack's (Matrix): the adapter listens once, for every
    webinar, and the router picks which one each value is for; where every connection hears every
    event, in one replica of the deployment at a time."""
    try:
        chat.identity()
    except ChatError as exc:
        chat.close()
        engine.dispose()
        raise BotError(str(exc)) from exc
    fleet = Fleet(options.folder, chat, platform_key, engine, clock, owner, **fleet_options)
    running = RunningFleet(fleet, None, engine, chat)
    try:
        fleet.start(options.interval)
        if platform_key in ONE_LISTENER:
            lease = SchedulerLease(engine, lease_key(chat.identity().person), owner, fleet.locks)
            running.listener = SoleListener(chat, fleet.router, lease)
            running.listener.start(options.interval, options.background)
        else:
            chat.listen(fleet.router)
    except BaseException:
        running.stop(flush_seconds=0)
        raise
    return running
