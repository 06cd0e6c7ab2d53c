"""OAuth mode: one Bolt app for every workspace that installed it, with slack-bolt's `OAuthSettings`.

`/slack/install` sends the admin's browser to Slack's authorize page (with a `state` kept in the bot's
database and in a cookie); Slack sends it back to `/slack/oauth_redirect` with a code, which Bolt
exchanges (`oauth.v2.access`) and stores with slack-sdk's SQLAlchemy installation store. A bad, replayed
or expired state gets Bolt's failure page (401, "please try again"), never a traceback. Each event is
authorised with its workspace's installation (Bolt's installation-store authorize) and goes to that
workspace's inbox; an uninstall deletes the installation and tells `on_uninstalled`.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App, BoltContext
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient

from bot.chat.port import Identity, Inbox
from bot.clock import Clock
from bot.config import SLACK_API_URL, InstallSettings
from bot.slack import listeners
from bot.slack.client import retry_handlers
from bot.slack.installations import Installations

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


def authorization_url(api_url: str) -> str | None:
    """Slack's authorize page beside its Web API: Bolt's default for slack.com, `<root>/oauth/v2/authorize`
    for another API URL (the local stand-in)."""
    if api_url.rstrip("/") == SLACK_API_URL.rstrip("/"):
        return None
    root = api_url.rstrip("/").removesuffix("/api")
    return f"{root}/oauth/v2/authorize"


def oauth_settings(install: InstallSettings, installations: Installations) -> OAuthSettings:
    return OAuthSettings(
        client_id=install.client_id,
        client_secret=install.client_secret,
        scopes=list(install.scopes),
        redirect_uri=install.redirect_uri or None,
        install_path=INSTALL_PATH,
        install_page_rendering_enabled=False,  # straight to Slack's own page, which says what is asked
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=authorization_url(installations.api_url),
        installation_store=installations.store,
        installation_store_bot_only=True,
        state_store=installations.states,
        state_expiration_seconds=installations.states.expiration_seconds,
    )


def build_oauth_app(
    install: InstallSettings,
    installations: Installations,
    inbox_for: Callable[[str], Inbox | None],
    clock: Clock,
    *,
    signing_secret: str,
    on_uninstalled: Callable[[str], None] | None = None,
) -> App:
    """The Bolt app of OAuth mode; serve it with `bot.slack.app.HttpReceiver` (and `SocketReceiver`).

    `inbox_for(team_id)`: where that workspace's payloads go (None: no webinar runs there; a command is
    answered so). `on_uninstalled(team_id)`: the workspace uninstalled the app or revoked its token (may
    come twice, once for each event); its installation is already deleted.
    """
    app = App(
        client=WebClient(base_url=installations.api_url, retry_handlers=retry_handlers(clock)),
        signing_secret=signing_secret or "socket-mode-needs-no-signing-secret",
        process_before_response=True,
        request_verification_enabled=False,  # SlackGuard verified it, against the injected clock
        ignoring_self_events_enabled=True,
        raise_error_for_unhandled_request=False,
        installation_store=installations.store,
        installation_store_bot_only=True,
        oauth_settings=oauth_settings(install, installations),
    )

    def route(context: BoltContext) -> listeners.Route | None:
        team = context.team_id or ""
        inbox = inbox_for(team) if team else None
        if inbox is None:
            return None
        identity = Identity(context.bot_user_id or "", "", team)
        return listeners.Route(inbox, listeners.Translator(identity, clock))

    listeners.register_routed(app, route, on_uninstalled)
    return app
