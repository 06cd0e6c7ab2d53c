"""The app across workspaces: which workspace a token belongs to, the OAuth v2 install, uninstalling.

The install is Slack's browser step without the browser: `GET /oauth/v2/authorize?client_id=..&scope=..
&state=..[&redirect_uri=..][&team=T..]` (what Bolt's install page links to) stands for an admin of the
workspace (`team`, else the first one) approving at once, and answers with the redirect to the app's
redirect URL carrying `code` and `state`. A test that wants someone else to approve, or a refusal,
calls `approve` with the authorize URL instead.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse

from bot.localslack.installs import AppCredentials, Installs
from bot.localslack.methods.base import ApiError
from bot.localslack.tenant import Tenant


@dataclass(frozen=True)
class Refusal:
    """An authorize request Slack would not even redirect: a page saying why (`invalid_client_id`...)."""

    error: str


class AppDirectory:
    def __init__(self, credentials: AppCredentials, installs: Installs) -> None:
        self.credentials = credentials
        self.installs = installs
        self._lock = threading.Lock()
        self._tenants: dict[str, Tenant] = {}
        self._first: Tenant | None = None
        self.redirect_urls: tuple[str, ...] = ()

    # -- the workspaces ------------------------------------------------------------------------
    def add(self, tenant: Tenant) -> Tenant:
        with self._lock:
            if tenant.team_id in self._tenants:
                raise ValueError(f"a workspace with team id {tenant.team_id} exists already")
            self._tenants[tenant.team_id] = tenant
            if self._first is None:
                self._first = tenant
            return tenant

    @property
    def default(self) -> Tenant:
        assert self._first is not None, "the stand-in always has its first workspace"
        return self._first

    def tenants(self) -> list[Tenant]:
        with self._lock:
            return list(self._tenants.values())

    def by_team(self, team_id: str) -> Tenant | None:
        with self._lock:
            return self._tenants.get(team_id)

    def by_team_ref(self, ref: str) -> Tenant | None:
        """A workspace by team id or domain."""
        found = self.by_team(ref)
        return found or next((t for t in self.tenants() if t.workspace.team.domain == ref), None)

    def by_channel(self, channel_id: str | None, user_id: str | None = None) -> Tenant:
        """The workspace a conversation (or else a user) belongs to; ids are unique across workspaces."""
        tenants = self.tenants()
        if channel_id:
            found = next((t for t in tenants if t.has_channel(channel_id)), None)
            if found is not None:
                return found
        if user_id:
            found = next((t for t in tenants if t.has_user(user_id)), None)
            if found is not None:
                return found
        return self.default

    def resolve(self, token_kind: str, token: str | None) -> Tenant | str:
        """The workspace a call acts in, or the auth error Slack would answer."""
        if token_kind == "none":
            return self._by_bot_token(token) or self.default
        if not token:
            return "not_authed"
        app_token = self.credentials.app_token
        if token_kind == "app":
            if token == app_token:
                return self.default
            return "not_allowed_token_type" if self._by_bot_token(token) else "invalid_auth"
        tenant = self._by_bot_token(token)
        if tenant is not None:
            return tenant
        if token == app_token:
            return "not_allowed_token_type"
        return "token_revoked" if self.installs.is_revoked(token) else "invalid_auth"

    def _by_bot_token(self, token: str | None) -> Tenant | None:
        team = self.installs.team_of(token) if token else None
        return self.by_team(team) if team is not None else None

    # -- OAuth v2 ------------------------------------------------------------------------------
    def _redirect_uri_allowed(self, redirect_uri: str) -> bool:
        return any(redirect_uri.startswith(url) for url in self.redirect_urls)

    def approve(self, authorize_url: str, user: str | None = None, deny: bool = False) -> str | Refusal:
        """An admin's answer to the authorize page: the URL Slack redirects the browser to, or a refusal.

        `user` approves (by name, email or id; default the workspace's first admin); `deny` cancels,
        which Slack reports to the app as `error=access_denied`.
        """
        params: Mapping[str, str] = dict(parse_qsl(urlparse(authorize_url).query, keep_blank_values=True))
        if params.get("client_id") != self.credentials.client_id:
            return Refusal("invalid_client_id")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri and not self._redirect_uri_allowed(redirect_uri):
            return Refusal("bad_redirect_uri")
        target = redirect_uri or (self.redirect_urls[0] if self.redirect_urls else "")
        if not target:
            return Refusal("no_redirect_uri")
        tenant = self.by_team_ref(params["team"]) if params.get("team") else self.default
        if tenant is None:
            return Refusal("team_not_found")
        state = params.get("state", "")
        if deny:
            return _with_query(target, {"error": "access_denied", "state": state})
        approver = tenant.user(user).user if user else tenant.admin()
        scopes = tuple(s for s in params.get("scope", "").replace(" ", ",").split(",") if s)
        code = self.installs.grant(tenant.team_id, approver.id, redirect_uri, scopes)
        return _with_query(target, {"code": code, "state": state})

    def _check_client(self, client_id: str, client_secret: str) -> None:
        if client_id != self.credentials.client_id:
            raise ApiError("invalid_client_id")
        if client_secret != self.credentials.client_secret:
            raise ApiError("bad_client_secret")

    def exchange_code(
        self, client_id: str, client_secret: str, code: str, redirect_uri: str
    ) -> dict[str, Any]:
        self._check_client(client_id, client_secret)
        grant = self.installs.redeem(code, redirect_uri)
        if isinstance(grant, str):
            raise ApiError(grant)
        tenant = self.by_team(grant.team_id)
        if tenant is None:
            raise ApiError("invalid_code")
        token = self.installs.install(grant.team_id, grant.scopes)
        team = tenant.workspace.team
        return {
            "access_token": token,
            "token_type": "bot",
            "scope": ",".join(grant.scopes),
            "bot_user_id": tenant.bot_user_id,
            "app_id": self.credentials.app_id,
            "team": {"id": team.id, "name": team.name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": grant.user_id},
        }

    def uninstall_app(self, team_id: str, client_id: str, client_secret: str) -> None:
        self._check_client(client_id, client_secret)
        tenant = self.by_team(team_id)
        if tenant is not None:
            tenant.uninstall()


def _with_query(url: str, params: Mapping[str, str]) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
