"""The workspaces the app is installed in, kept by slack-sdk's SQLAlchemy stores in the bot's own database.

OAuth mode keeps one installation per workspace (its bot token, bot user, scopes) in slack-sdk's
`SQLAlchemyInstallationStore`, and the OAuth `state` values in its `SQLAlchemyOAuthStateStore`, both on
the engine the rest of the bot uses, so PostgreSQL replicas share them. Tokens are read from the store at
each use, never cached: an uninstall or a re-install takes effect on the next call.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError

from bot.chat.port import ChatError, Identity
from bot.clock import Clock
from bot.slack.client import make_client

STATE_TTL_SECONDS = 600  # how long an install link (its `state`) stays good: Bolt's default


class NotInstalled(ChatError):
    """The app is not (or no longer) installed in the workspace: nothing can be posted there."""


@dataclass(frozen=True)
class Installed:
    """One workspace's installation, as the adapter needs it (the token stays out of reprs)."""

    team_id: str
    team_name: str
    bot_user_id: str
    bot_token: str = field(repr=False)


class Installations:
    def __init__(
        self, engine: Engine, client_id: str, api_url: str, clock: Clock, state_ttl: int = STATE_TTL_SECONDS
    ) -> None:
        self.api_url = api_url
        self.clock = clock
        self.store = SQLAlchemyInstallationStore(client_id=client_id, engine=engine)
        self.states = SQLAlchemyOAuthStateStore(expiration_seconds=state_ttl, engine=engine)

    def create_tables(self) -> None:
        """Create slack-sdk's tables next to the bot's (safe at every start: existing ones are kept)."""
        for metadata in (self.store.metadata, self.states.metadata):
            try:
                metadata.create_all(self.store.engine, checkfirst=True)
            except DBAPIError:
                # Two replicas creating them at once: the loser finds them made and checks again.
                metadata.create_all(self.store.engine, checkfirst=True)

    def find(self, team_id: str) -> Installed | None:
        """The workspace's live installation, None when the app is not installed there."""
        bot = self.store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            return None
        return Installed(team_id, str(bot.team_name or ""), str(bot.bot_user_id or ""), str(bot.bot_token))

    def teams(self) -> list[str]:
        """Every workspace with an installation, in the order they installed."""
        bots = self.store.bots
        query = select(bots.c.team_id).where(bots.c.client_id == self.store.client_id).order_by(bots.c.id)
        with self.store.engine.connect() as conn:
            return list(dict.fromkeys(str(row[0]) for row in conn.execute(query) if row[0]))

    def __iter__(self) -> Iterator[Installed]:
        for team in self.teams():
            found = self.find(team)
            if found is not None:
                yield found

    def identity(self, team_id: str) -> Identity:
        """Who the bot is in that workspace."""
        found = self.require(team_id)
        return Identity(found.bot_user_id, "", found.team_id, found.team_name)

    def client_for(self, team_id: str, *, for_posts: bool = False) -> WebClient:
        """A WebClient with the workspace's current bot token (retries as `bot.slack.client` says)."""
        return make_client(self.require(team_id).bot_token, self.api_url, self.clock, for_posts=for_posts)

    def clients(self, team_id: str) -> TeamClients:
        """The `ClientSource` of one workspace, for `SlackChat.for_team`."""
        return TeamClients(self, team_id)

    def team_of(self, workspace: str) -> str | None:
        """The installed workspace a schedule's `workspace:` names: its team id, or its domain (the
        `example` of example.slack.com, asked of Slack with each installation's token); None when
        the app is not installed there."""
        if self.find(workspace) is not None:
            return workspace
        for installed in self:
            try:
                url = str(self.client_for(installed.team_id).auth_test().get("url") or "")
            except SlackApiError:
                continue
            if url.split("//", 1)[-1].split(".", 1)[0].lower() == workspace.lower():
                return installed.team_id
        return None

    def require(self, team_id: str) -> Installed:
        """The workspace's installation; NotInstalled (a permanent ChatError) when there is none."""
        found = self.find(team_id)
        if found is None:
            raise NotInstalled(f"the Slack app is not installed in workspace {team_id}")
        return found


class TeamClients:
    """One workspace's WebClients, following its installation: a new token gets new clients."""

    def __init__(self, installations: Installations, team_id: str) -> None:
        self._installations = installations
        self.team_id = team_id
        self._lock = threading.Lock()
        self._made: dict[bool, tuple[str, WebClient]] = {}

    def client(self, *, for_posts: bool = False) -> WebClient:
        token = self._installations.require(self.team_id).bot_token
        with self._lock:
            made = self._made.get(for_posts)
            if made is None or made[0] != token:
                api = self._installations
                made = (token, make_client(token, api.api_url, api.clock, for_posts=for_posts))
                self._made[for_posts] = made
            return made[1]
