"""Where the app is installed: one bot token per workspace, the codes of the OAuth v2 exchange, revocations.

One app (one app id, one client id and secret, one signing secret, one app-level token) lives in every
workspace that installed it, as in real Slack. Installing gives the workspace a bot token (installing
again while installed keeps it); uninstalling revokes it, so a call with it is answered `token_revoked`
rather than the `invalid_auth` of a token Slack never issued. An authorisation code is good once, for
ten minutes of transport time, and only with the `redirect_uri` it was issued for (when one was given).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field

from bot.clock import Clock

CODE_TTL_SECONDS = 600.0


@dataclass(frozen=True)
class AppCredentials:
    """What identifies the app itself, the same in every workspace."""

    app_id: str
    client_id: str
    client_secret: str = field(repr=False)
    signing_secret: str = field(repr=False)
    app_token: str = field(repr=False)
    verification_token: str = field(repr=False)


@dataclass(frozen=True)
class Grant:
    """An approved installation waiting for `oauth.v2.access`: which workspace, who approved, what for."""

    code: str
    team_id: str
    user_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    issued: float


def new_bot_token() -> str:
    return f"xoxb-{secrets.randbelow(10**12)}-{secrets.randbelow(10**12)}-{secrets.token_urlsafe(18)}"


class Installs:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._token_of: dict[str, str] = {}  # team id -> live bot token
        self._team_of: dict[str, str] = {}  # live bot token -> team id
        self._revoked: dict[str, str] = {}  # revoked bot token -> team id
        self._grants: dict[str, Grant] = {}
        self._scopes: dict[str, tuple[str, ...]] = {}  # team id -> granted scopes

    def install(self, team_id: str, scopes: tuple[str, ...] = (), token: str | None = None) -> str:
        """The workspace's bot token, issued now unless it already has one."""
        with self._lock:
            current = self._token_of.get(team_id)
            if current is None:
                current = token or new_bot_token()
                self._token_of[team_id] = current
                self._team_of[current] = team_id
            if scopes:
                self._scopes[team_id] = scopes
            return current

    def uninstall(self, team_id: str) -> str | None:
        """Revoke the workspace's bot token; the token revoked, or None when it was not installed."""
        with self._lock:
            token = self._token_of.pop(team_id, None)
            if token is not None:
                self._team_of.pop(token, None)
                self._revoked[token] = team_id
            self._scopes.pop(team_id, None)
            return token

    def token_of(self, team_id: str) -> str | None:
        with self._lock:
            return self._token_of.get(team_id)

    def team_of(self, token: str) -> str | None:
        """The workspace a live bot token belongs to."""
        with self._lock:
            return self._team_of.get(token)

    def is_revoked(self, token: str) -> bool:
        with self._lock:
            return token in self._revoked

    def scopes_of(self, team_id: str) -> tuple[str, ...]:
        with self._lock:
            return self._scopes.get(team_id, ())

    def grant(self, team_id: str, user_id: str, redirect_uri: str, scopes: tuple[str, ...]) -> str:
        """A one-time code for `oauth.v2.access`, as Slack appends to the redirect after approval."""
        code = f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**12)}.{secrets.token_hex(32)}"
        with self._lock:
            self._grants[code] = Grant(code, team_id, user_id, redirect_uri, scopes, self._clock.monotonic())
        return code

    def redeem(self, code: str, redirect_uri: str) -> Grant | str:
        """The grant, now spent, or Slack's error code: `invalid_code`, `bad_redirect_uri`."""
        with self._lock:
            grant = self._grants.get(code)
            if grant is None or self._clock.monotonic() - grant.issued > CODE_TTL_SECONDS:
                self._grants.pop(code, None)
                return "invalid_code"
            if grant.redirect_uri and redirect_uri != grant.redirect_uri:
                return "bad_redirect_uri"
            del self._grants[code]
            return grant
