"""`LocalSlack`: the whole stand-in behind one object, for tests, rehearsals and the CLI.

    with LocalSlack(clock=ManualClock(start)) as slack:
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        ...
        slack.user("participant01").post("sp-webinar-questions", "Will the slides be shared?")

It listens on 127.0.0.1 (HTTP on `port`, 0 for a free one; Socket Mode on another free port handed out
by `apps.connections.open`). Events go to the bot over Socket Mode while it has a connection open,
otherwise over HTTP once `connect_http` named its request URLs.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from datetime import tzinfo
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from slack_sdk import WebClient

from bot.clock import Clock, SystemClock
from bot.localslack.delivery import Deliverer, HttpRoute
from bot.localslack.events import DEFAULT_SUBSCRIPTIONS, EventFactory
from bot.localslack.faults import Faults
from bot.localslack.httpserver import HttpFrontEnd
from bot.localslack.ids import IdFactory
from bot.localslack.interactions import Interactions
from bot.localslack.limits import RateLimiter
from bot.localslack.methods.base import ApiContext
from bot.localslack.render import render_by_channel
from bot.localslack.responses import Responses
from bot.localslack.seed import default_workspace, load_workspace
from bot.localslack.simulate import Backend, SimulatedUser
from bot.localslack.socketmode import SocketModeServer
from bot.localslack.transcript import Transcript
from bot.localslack.webapi import Credentials, WebApi
from bot.localslack.workspace import Message, Workspace

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
        team_digits = secrets.randbelow(10**12)
        self.bot_token = f"xoxb-{team_digits}-{secrets.randbelow(10**12)}-{secrets.token_urlsafe(18)}"
        self.app_token = f"xapp-1-{ws.bot.app_id}-{secrets.randbelow(10**12)}-{secrets.token_hex(32)}"
        self.signing_secret = secrets.token_hex(16)
        self.verification_token = secrets.token_urlsafe(18)

        self.transcript = Transcript(self.clock, Path(transcript_path) if transcript_path else None)
        self.faults = Faults(self.clock)
        self.rate_limiter = RateLimiter(limits_clock or self.clock, enabled=rate_limits)
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
        self.events = EventFactory(
            ws,
            ws.ids,
            self.clock,
            self.verification_token,
            frozenset(subscriptions) if subscriptions is not None else DEFAULT_SUBSCRIPTIONS,
        )
        self._ctx = ApiContext(
            ws, self.clock, ws.ids, self.events, self.interactions, self.sockets, self._emit
        )
        self.api = WebApi(
            self._ctx,
            self.transcript,
            self.rate_limiter,
            Credentials(self.bot_token, self.app_token),
            frozenset(scopes) if scopes is not None else None,
        )
        self._responses = Responses(self._ctx)
        self.http = HttpFrontEnd(
            self.api, ws, self.faults, self.interactions, self._responses, self.transcript, host, port
        )
        self._backend = Backend(self._ctx, self.deliverer, self._responses, self.transcript)
        self._users: dict[str, SimulatedUser] = {}
        self._started = False

    # -- life cycle --------------------------------------------------------------------------
    def start(self) -> LocalSlack:
        if not self._started:
            self.sockets.start()
            self.http.start()
            self.workspace.base_url = self.http.base_url
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

    def _emit(self, events: list[dict[str, Any]]) -> None:
        for event in self.events.subscribed(events):
            self.deliverer.enqueue(self.events.envelope(event))

    # -- people and state --------------------------------------------------------------------
    def user(self, ref: str) -> SimulatedUser:
        """A simulated user, by id, name or email."""
        found = self.workspace.find_user(ref)
        if found is None or found.is_bot:
            raise KeyError(f"no user {ref!r} in the workspace")
        if found.id not in self._users:
            self._users[found.id] = SimulatedUser(self._backend, found)
        return self._users[found.id]

    def channel_id(self, ref: str) -> str:
        found = self.workspace.find_channel(ref)
        if found is None:
            raise KeyError(f"no conversation {ref!r}")
        return found.id

    def messages(self, channel: str, include_replies: bool = True) -> list[Message]:
        """Live messages of a conversation (by id or name), oldest first."""
        with self.workspace.lock:
            conversation = self.workspace.channels[self.channel_id(channel)]
            return [
                m
                for m in conversation.ordered_messages()
                if not m.deleted and (include_replies or not m.is_reply or m.reply_broadcast)
            ]

    def wait_for(self, condition: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Block until `condition()` is truthy, re-checking whenever anything happens here."""
        return self.transcript.wait_for(condition, timeout)

    def render_by_channel(self, zone: tzinfo | None = None) -> str:
        return render_by_channel(self.workspace, zone)
