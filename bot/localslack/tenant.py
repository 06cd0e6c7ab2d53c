"""One workspace as the stand-in serves it to the app: its state, its events, its people, its bot token.

Every workspace has its own team id, users, channels, bot user and rate limits; what they share (one
API URL, one Socket Mode server, one signing secret, the transcript, the faults) belongs to `LocalSlack`.
A `Tenant` is also the handle a test holds: `slack.add_workspace(...).user("participant01").post(...)`.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from bot.clock import Clock
from bot.localslack.delivery import Deliverer
from bot.localslack.events import EventFactory
from bot.localslack.installs import Installs
from bot.localslack.interactions import Interactions
from bot.localslack.limits import RateLimiter
from bot.localslack.methods.base import ApiContext, AppLevel
from bot.localslack.render import render_by_channel
from bot.localslack.responses import Responses
from bot.localslack.simulate import Backend, SimulatedUser
from bot.localslack.socketmode import SocketModeServer
from bot.localslack.transcript import Transcript
from bot.localslack.workspace import Message, User, Workspace


class Tenant:
    def __init__(
        self,
        ws: Workspace,
        *,
        clock: Clock,
        installs: Installs,
        limiter: RateLimiter,
        interactions: Interactions,
        sockets: SocketModeServer,
        deliverer: Deliverer,
        transcript: Transcript,
        verification_token: str,
        subscriptions: frozenset[str],
        app: AppLevel | None,
    ) -> None:
        self.workspace = ws
        self.limiter = limiter
        self._installs = installs
        self._deliverer = deliverer
        self.events = EventFactory(
            ws, ws.ids, clock, verification_token, subscriptions, installed=lambda: self.installed
        )
        self.ctx = ApiContext(ws, clock, ws.ids, self.events, interactions, sockets, self.emit, app)
        self.responses = Responses(self.ctx)
        self.backend = Backend(self.ctx, deliverer, self.responses, transcript)
        self._users: dict[str, SimulatedUser] = {}

    # -- identity and installation -------------------------------------------------------------
    @property
    def team_id(self) -> str:
        return self.workspace.team.id

    @property
    def bot_user_id(self) -> str:
        return self.workspace.bot.user_id

    @property
    def bot_token(self) -> str | None:
        """The live bot token of this workspace; None while the app is not installed here."""
        return self._installs.token_of(self.team_id)

    @property
    def installed(self) -> bool:
        return self.bot_token is not None

    def granted_scopes(self) -> frozenset[str] | None:
        """The scopes an OAuth install granted here, None when installed without OAuth (all of them)."""
        scopes = self._installs.scopes_of(self.team_id)
        return frozenset(scopes) if scopes else None

    def admin(self) -> User:
        """Who approves an install here when a test names nobody: the first admin, else the first human."""
        humans = [u for u in self.workspace.humans() if not u.deleted]
        if not humans:
            raise KeyError(f"no one in {self.workspace.team.name} can install an app")
        return next((u for u in humans if u.is_admin), humans[0])

    def uninstall(self) -> None:
        """An admin removes the app: its token is revoked, it leaves every channel, and it is told."""
        if self._installs.uninstall(self.team_id) is None:
            return
        with self.workspace.lock:
            for channel in self.workspace.channels.values():
                if self.bot_user_id in channel.members and not channel.is_im:
                    channel.members.remove(self.bot_user_id)
        self.emit(self.events.farewell())

    # -- events --------------------------------------------------------------------------------
    def emit(self, events: list[dict[str, Any]]) -> None:
        """Deliver inner events in the background (those the app subscribed to, while installed)."""
        for event in self.events.subscribed(events):
            self._deliverer.enqueue(self.events.envelope(event))

    # -- people and state ----------------------------------------------------------------------
    def user(self, ref: str) -> SimulatedUser:
        """A simulated user of this workspace, by id, name or email."""
        found = self.workspace.find_user(ref)
        if found is None or found.is_bot:
            raise KeyError(f"no user {ref!r} in the workspace")
        if found.id not in self._users:
            self._users[found.id] = SimulatedUser(self.backend, found)
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

    def has_channel(self, channel_id: str) -> bool:
        with self.workspace.lock:
            return channel_id in self.workspace.channels

    def has_user(self, user_id: str) -> bool:
        with self.workspace.lock:
            return user_id in self.workspace.users

    def render_by_channel(self, zone: tzinfo | None = None) -> str:
        return render_by_channel(self.workspace, zone)
