"""`LocalSlack`: the whole stand-in behind one object, for tests, rehearsals and the CLI.

    with LocalSlack(clock=ManualClock(start)) as slack:
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        ...
        slack.user("participant01").post("sp-webinar-questions", "Will the slides be shared?")

It listens on 127.0.0.1 (HTTP on `port`, 0 for a free one; Socket Mode on another free port handed out
by `apps.connections.open`). Events go to the bot over Socket Mode while it has a connection open,
otherwise over HTTP once `connect_http` named its request URLs.

It serves one workspace by default, with the app installed (`bot_token`). `add_workspace` adds more
behind the same API URL, for the same app (one app id, signing secret and app-level token); the app is
installed there through OAuth v2 (`connect_oauth`, `/oauth/v2/authorize`, `oauth.v2.access`), and each
call acts in the workspace its token belongs to.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import tzinfo
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from slack_sdk import WebClient

from bot.clock import Clock, SystemClock
from bot.localslack.delivery import Deliverer, HttpRoute
from bot.localslack.directory import AppDirectory, Refusal
from bot.localslack.events import DEFAULT_SUBSCRIPTIONS
from bot.localslack.faults import Faults
from bot.localslack.httpserver import HttpFrontEnd
from bot.localslack.ids import IdFactory
from bot.localslack.installs import AppCredentials, Installs
from bot.localslack.interactions import Interactions
from bot.localslack.limits import RateLimiter
from bot.localslack.seed import default_workspace, load_workspace
from bot.localslack.simulate import SimulatedUser
from bot.localslack.socketmode import SocketModeServer
from bot.localslack.tenant import Tenant
from bot.localslack.transcript import Transcript
from bot.localslack.webapi import WebApi
from bot.localslack.workspace import Message, Team, Workspace

T = TypeVar("T")


class LocalSlack:
    def __init__(
        self,
        clock: Clock | None = None,
        workspace: Workspace | Path | str | None = None,
        port: int = 0,
        ack_timeout: float = 3.0,
        transcript_path: Path | str | None = None,
        scopes: Iterable[str] | None = None,
        rate_limits: bool = True,
        host: str = "127.0.0.1",
        subscriptions: Iterable[str] | None = None,
        limits_clock: Clock | None = None,
        signing_clock: Clock | None = None,
    ) -> None:
        """`limits_clock`: what Slack's rate limits are counted in (default `clock`'s transport time;
        a rehearsal passes its agenda-paced clock, so limits hold in agenda time at any speed).
        `signing_clock`: whose `now()` stamps signed HTTP deliveries (default the wall clock, as Slack's,
        which a bare Bolt app checks against; a bot that checks against its injected clock, as the
        webinar bot does, is given the same clock here)."""
        self.clock: Clock = clock or SystemClock()
        if isinstance(workspace, Workspace):
            ws = workspace
        else:
            ids = IdFactory()
            ws = load_workspace(Path(workspace), ids) if workspace is not None else default_workspace(ids)
        self.workspace = ws
        self.signing_secret = secrets.token_hex(16)
        self.verification_token = secrets.token_urlsafe(18)
        self.credentials = AppCredentials(
            app_id=ws.bot.app_id,
            client_id=f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**13)}",
            client_secret=secrets.token_hex(16),
            signing_secret=self.signing_secret,
            app_token=f"xapp-1-{ws.bot.app_id}-{secrets.randbelow(10**12)}-{secrets.token_hex(32)}",
            verification_token=self.verification_token,
        )
        self.app_token = self.credentials.app_token
        self.installs = Installs(self.clock)
        # The first workspace has the app installed from the start: single-workspace mode's bot token.
        self.bot_token = self.installs.install(ws.team.id)

        self.transcript = Transcript(self.clock, Path(transcript_path) if transcript_path else None)
        self.faults = Faults(self.clock)
        self._limits_clock = limits_clock or self.clock
        self._rate_limits = rate_limits
        self.rate_limiter = RateLimiter(self._limits_clock, enabled=rate_limits)
        self.interactions = Interactions(self.clock)
        self.sockets = SocketModeServer(ws.bot.app_id, self.transcript, host)
        self.deliverer = Deliverer(
            self.sockets,
            self.faults,
            self.transcript,
            self.signing_secret,
            ack_timeout,
            signed_at=(lambda: signing_clock.now().timestamp()) if signing_clock else None,
        )
        self._subscriptions = frozenset(subscriptions) if subscriptions is not None else DEFAULT_SUBSCRIPTIONS
        self.directory = AppDirectory(self.credentials, self.installs)
        self.default = self.directory.add(self._tenant(ws, self.rate_limiter))
        self.events = self.default.events
        self._ctx = self.default.ctx
        self.api = WebApi(self.directory, self.transcript, frozenset(scopes) if scopes is not None else None)
        self.http = HttpFrontEnd(
            self.api, self.directory, self.faults, self.interactions, self.transcript, host, port
        )
        self._started = False

    def _tenant(self, ws: Workspace, limiter: RateLimiter) -> Tenant:
        return Tenant(
            ws,
            clock=self.clock,
            installs=self.installs,
            limiter=limiter,
            interactions=self.interactions,
            sockets=self.sockets,
            deliverer=self.deliverer,
            transcript=self.transcript,
            verification_token=self.verification_token,
            subscriptions=self._subscriptions,
            app=self.directory,
        )

    # -- more workspaces -----------------------------------------------------------------------
    def add_workspace(
        self,
        workspace: Workspace | Path | str | None = None,
        *,
        name: str | None = None,
        domain: str | None = None,
        installed: bool = False,
    ) -> Tenant:
        """Another workspace behind the same API URL, where the same app can be installed.

        By default a copy of the default workspace's people and channels (new ids, so nothing is shared)
        named `name`/`domain`; or one from a workspace file. The app is not installed there until an
        admin approves it (`install_url`/OAuth), unless `installed`.
        """
        ids = self.workspace.ids
        if isinstance(workspace, Workspace):
            ws = workspace
        elif workspace is not None:
            ws = load_workspace(Path(workspace), ids)
        else:
            ws = default_workspace(ids)
        number = len(self.directory.tenants()) + 1
        ws.team = Team(
            ws.team.id,
            name or (ws.team.name if workspace is not None else f"Local Webinars {number}"),
            domain or (ws.team.domain if workspace is not None else f"localwebinars{number}"),
        )
        ws.bot = replace(ws.bot, app_id=self.credentials.app_id)
        ws.base_url = self.workspace.base_url
        tenant = self.directory.add(
            self._tenant(ws, RateLimiter(self._limits_clock, enabled=self._rate_limits))
        )
        if installed:
            self.installs.install(tenant.team_id)
        return tenant

    def workspaces(self) -> list[Tenant]:
        """Every workspace, the default first."""
        return self.directory.tenants()

    def tenant(self, team: str) -> Tenant:
        """A workspace by team id or domain."""
        found = self.directory.by_team_ref(team)
        if found is None:
            raise KeyError(f"no workspace {team!r}")
        return found

    # -- OAuth ---------------------------------------------------------------------------------
    @property
    def client_id(self) -> str:
        return self.credentials.client_id

    @property
    def client_secret(self) -> str:
        return self.credentials.client_secret

    @property
    def authorize_url(self) -> str:
        """Slack's `https://slack.com/oauth/v2/authorize`, here."""
        return f"{self.http.base_url}oauth/v2/authorize"

    def connect_oauth(self, *redirect_urls: str) -> None:
        """The app's configured Redirect URLs (a `redirect_uri` must start with one of them)."""
        self.directory.redirect_urls = tuple(redirect_urls)

    def approve(self, authorize_url: str, user: str | None = None, deny: bool = False) -> str:
        """An admin approves (or denies) the install page at `authorize_url`; the redirect to follow."""
        answer = self.directory.approve(authorize_url, user, deny)
        if isinstance(answer, Refusal):
            raise ValueError(f"Slack would refuse this install: {answer.error}")
        return answer

    def oauth_env(self) -> dict[str, str]:
        """The `.env` variables of OAuth mode: `env()` without a bot token, with the client credentials."""
        env = {k: v for k, v in self.env().items() if k != "SLACK_BOT_TOKEN"}
        return {**env, "SLACK_CLIENT_ID": self.client_id, "SLACK_CLIENT_SECRET": self.client_secret}

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> LocalSlack:
        if not self._started:
            self.sockets.start()
            self.http.start()
            for tenant in self.directory.tenants():
                tenant.workspace.base_url = self.http.base_url
            self.interactions.base_url = self.http.base_url
            self.deliverer.start()
            self._started = True
        return self

    def stop(self) -> None:
        if self._started:
            self.deliverer.begin_stop()
            self.sockets.stop()
            self.http.stop()
            self.deliverer.stop()
            self.transcript.close()
            self._started = False

    def __enter__(self) -> LocalSlack:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- what a client needs -----------------------------------------------------------------
    @property
    def port(self) -> int:
        return self.http.port

    @property
    def api_url(self) -> str:
        """`http://127.0.0.1:P/api/`, what `WebClient(base_url=...)` wants."""
        return f"{self.http.base_url}api/"

    @property
    def bot_user_id(self) -> str:
        return self.workspace.bot.user_id

    def env(self) -> dict[str, str]:
        """The `.env` variables that point a Slack client here."""
        return {
            "SLACK_API_URL": self.api_url,
            "SLACK_BOT_TOKEN": self.bot_token,
            "SLACK_APP_TOKEN": self.app_token,
            "SLACK_SIGNING_SECRET": self.signing_secret,
        }

    def web_client(self, **kwargs: Any) -> WebClient:
        """A real `slack_sdk.WebClient` pointed here with the bot token."""
        return WebClient(token=self.bot_token, base_url=self.api_url, **kwargs)

    # -- event delivery ----------------------------------------------------------------------
    def connect_http(
        self, events_url: str, commands_url: str | None = None, interactivity_url: str | None = None
    ) -> None:
        """Deliver over HTTP (when no Socket Mode connection is open) to these request URLs."""
        self.deliverer.http = HttpRoute(
            events_url, commands_url or events_url, interactivity_url or events_url
        )

    def disconnect_http(self) -> None:
        self.deliverer.http = None

    def wait_connected(self, count: int = 1, timeout: float = 5.0) -> int:
        """Wait until `count` Socket Mode connections are open (and greeted)."""
        return self.wait_for(
            lambda: self.sockets.connection_count if self.sockets.connection_count >= count else None, timeout
        )

    def disconnect_socket(self, reason: str = "refresh_requested", close: bool = False) -> int:
        """Send Socket Mode `disconnect` (refresh_requested, warning, link_disabled) to every connection."""
        return self.sockets.disconnect(reason, close)

    def drain_events(self, timeout: float = 5.0) -> None:
        """Wait until the events the bot's own calls caused so far have been delivered."""
        if not self.deliverer.drain(timeout):
            raise TimeoutError("events still being delivered")

    # -- people and state --------------------------------------------------------------------
    def user(self, ref: str) -> SimulatedUser:
        """A simulated user of the default workspace, by id, name or email."""
        return self.default.user(ref)

    def channel_id(self, ref: str) -> str:
        return self.default.channel_id(ref)

    def messages(self, channel: str, include_replies: bool = True) -> list[Message]:
        """Live messages of a conversation of the default workspace (by id or name), oldest first."""
        return self.default.messages(channel, include_replies)

    def wait_for(self, condition: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Block until `condition()` is truthy, re-checking whenever anything happens here."""
        return self.transcript.wait_for(condition, timeout)

    def render_by_channel(self, zone: tzinfo | None = None) -> str:
        return self.default.render_by_channel(zone)
