"""Several workspaces behind one API URL, one app across them, installed with OAuth v2, uninstalled.

Each workspace has its own team id, people, channels and bot token; a call acts in the workspace its token
belongs to; events reach the one app (same signing secret, same app-level token) saying which workspace
they come from. Checked through the real slack_sdk WebClient and a real Bolt app.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from slack_bolt import App, BoltContext
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import ManualClock
from bot.localslack import LocalSlack
from bot.localslack.tenant import Tenant
from localslack.helpers import START, close_handler, join

REDIRECT = "https://bot.example.org/slack/oauth_redirect"
SCOPES = "chat:write,channels:join,channels:read,channels:history"


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    with LocalSlack(clock=ManualClock(START), ack_timeout=1.0) as stand_in:
        stand_in.connect_oauth(REDIRECT)
        yield stand_in


@pytest.fixture
def second(slack: LocalSlack) -> Tenant:
    return slack.add_workspace(name="Second Org", domain="secondorg")


def client(slack: LocalSlack, token: str | None = None) -> WebClient:
    return WebClient(token=token, base_url=slack.api_url, retry_handlers=[])


def error_of(call: Callable[[], Any]) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()
    return str(raised.value.response["error"])


def authorize_url(slack: LocalSlack, team: str | None = None, **extra: str) -> str:
    params = {"client_id": slack.client_id, "scope": SCOPES, "state": "s-123", **extra}
    if team:
        params["team"] = team
    return f"{slack.authorize_url}?{urlencode(params)}"


def code_from(redirect: str) -> str:
    return parse_qs(urlparse(redirect).query)["code"][0]


def install(slack: LocalSlack, tenant: Tenant) -> str:
    """The OAuth v2 exchange for `tenant`; its new bot token."""
    code = code_from(slack.approve(authorize_url(slack, tenant.team_id)))
    answer = client(slack).oauth_v2_access(
        client_id=slack.client_id, client_secret=slack.client_secret, code=code
    )
    return str(answer["access_token"])


# -- several workspaces ---------------------------------------------------------------------------


def test_a_second_workspace_has_its_own_team_people_channels_and_bot_user(
    slack: LocalSlack, second: Tenant
) -> None:
    first = slack.default
    assert second.team_id != first.team_id and second.workspace.team.domain == "secondorg"
    assert second.bot_user_id != first.bot_user_id
    assert second.workspace.bot.app_id == first.workspace.bot.app_id == slack.credentials.app_id
    assert second.user("participant01").id != first.user("participant01").id
    assert second.channel_id("general") != first.channel_id("general")
    assert [t.team_id for t in slack.workspaces()] == [first.team_id, second.team_id]
    assert slack.tenant("secondorg") is second


def test_the_app_is_not_installed_in_a_new_workspace_until_an_admin_approves(
    slack: LocalSlack, second: Tenant
) -> None:
    assert second.bot_token is None
    assert slack.default.bot_token == slack.bot_token


def test_each_call_acts_in_the_workspace_its_token_belongs_to(slack: LocalSlack, second: Tenant) -> None:
    token_b = install(slack, second)
    a, b = client(slack, slack.bot_token), client(slack, token_b)
    assert a.auth_test()["team_id"] == slack.default.team_id
    identity_b = b.auth_test()
    assert identity_b["team_id"] == second.team_id and identity_b["user_id"] == second.bot_user_id
    (channel_b,) = join(b, "general")
    assert channel_b == second.channel_id("general")
    b.chat_postMessage(channel=channel_b, text="hello B")
    assert [m.text for m in second.messages("general")] == ["hello B"]
    assert slack.messages("general") == []
    assert error_of(lambda: a.chat_postMessage(channel=channel_b, text="wrong house")) == "channel_not_found"


def test_a_token_slack_never_issued_is_invalid_auth(slack: LocalSlack) -> None:
    assert error_of(lambda: client(slack, "xoxb-1-2-nothing").auth_test()) == "invalid_auth"


# -- OAuth v2 --------------------------------------------------------------------------------------


def test_approving_the_install_redirects_with_a_code_and_the_state(slack: LocalSlack, second: Tenant) -> None:
    redirect = slack.approve(authorize_url(slack, second.team_id))
    assert redirect.startswith(REDIRECT + "?")
    query = parse_qs(urlparse(redirect).query)
    assert query["state"] == ["s-123"] and query["code"][0]


def test_the_authorize_page_over_http_redirects_the_browser_to_the_app(
    slack: LocalSlack, second: Tenant
) -> None:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(authorize_url(slack, second.team_id), timeout=5)
    assert answer.value.code == 302
    location = answer.value.headers["Location"]
    assert location.startswith(REDIRECT) and "state=s-123" in location


def test_the_authorize_page_refuses_an_unknown_client_id_without_redirecting(slack: LocalSlack) -> None:
    url = authorize_url(slack).replace(slack.client_id, "nobody")
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(url, timeout=5)
    assert answer.value.code == 400
    assert b"invalid_client_id" in answer.value.read()


def test_an_admin_who_denies_sends_the_browser_back_with_access_denied(slack: LocalSlack) -> None:
    redirect = slack.approve(authorize_url(slack), deny=True)
    assert parse_qs(urlparse(redirect).query) == {"error": ["access_denied"], "state": ["s-123"]}


def test_oauth_v2_access_answers_as_slack_documents_it(slack: LocalSlack, second: Tenant) -> None:
    code = code_from(slack.approve(authorize_url(slack, second.team_id), user="moderator"))
    answer = client(slack).oauth_v2_access(
        client_id=slack.client_id, client_secret=slack.client_secret, code=code
    )
    assert answer["ok"] is True and answer["token_type"] == "bot"
    assert str(answer["access_token"]).startswith("xoxb-")
    assert answer["team"] == {"id": second.team_id, "name": "Second Org"}
    assert answer["bot_user_id"] == second.bot_user_id and answer["app_id"] == slack.credentials.app_id
    assert answer["scope"] == SCOPES
    assert answer["authed_user"] == {"id": second.user("moderator").id}
    assert answer["is_enterprise_install"] is False
    assert second.bot_token == answer["access_token"]


def test_a_code_is_good_once(slack: LocalSlack, second: Tenant) -> None:
    code = code_from(slack.approve(authorize_url(slack, second.team_id)))
    exchange = client(slack)
    exchange.oauth_v2_access(client_id=slack.client_id, client_secret=slack.client_secret, code=code)
    again = error_of(
        lambda: exchange.oauth_v2_access(
            client_id=slack.client_id, client_secret=slack.client_secret, code=code
        )
    )
    assert again == "invalid_code"


def test_oauth_v2_access_refuses_a_bad_code_secret_or_redirect_uri(slack: LocalSlack) -> None:
    exchange = client(slack)
    code = code_from(slack.approve(authorize_url(slack, redirect_uri=REDIRECT)))
    assert (
        error_of(lambda: exchange.oauth_v2_access(client_id=slack.client_id, client_secret="x", code=code))
        == "bad_client_secret"
    )
    assert (
        error_of(
            lambda: exchange.oauth_v2_access(
                client_id=slack.client_id,
                client_secret=slack.client_secret,
                code=code,
                redirect_uri="https://evil.example.org/slack/oauth_redirect",
            )
        )
        == "bad_redirect_uri"
    )
    assert (
        error_of(
            lambda: exchange.oauth_v2_access(
                client_id=slack.client_id, client_secret=slack.client_secret, code="made-up"
            )
        )
        == "invalid_code"
    )
    assert slack.default.workspace.team.id  # the default workspace is untouched
    secrets_in_transcript = [e for e in slack.transcript.entries() if slack.client_secret in str(e.args)]
    assert secrets_in_transcript == []


def test_a_redirect_uri_the_app_did_not_configure_is_refused_before_any_code(slack: LocalSlack) -> None:
    with pytest.raises(ValueError, match="bad_redirect_uri"):
        slack.approve(authorize_url(slack, redirect_uri="https://evil.example.org/x"))


def test_a_code_expires_after_ten_minutes(second: Tenant) -> None:
    clock = ManualClock(START)
    with LocalSlack(clock=clock) as slack:
        slack.connect_oauth(REDIRECT)
        tenant = slack.add_workspace()
        code = code_from(slack.approve(authorize_url(slack, tenant.team_id)))
        clock.advance(601)
        assert (
            error_of(
                lambda: client(slack).oauth_v2_access(
                    client_id=slack.client_id, client_secret=slack.client_secret, code=code
                )
            )
            == "invalid_code"
        )
        assert tenant.bot_token is None


def test_scopes_granted_by_the_install_are_the_ones_enforced(slack: LocalSlack, second: Tenant) -> None:
    code = code_from(slack.approve(authorize_url(slack, second.team_id, scope="chat:write,channels:join")))
    token = client(slack).oauth_v2_access(
        client_id=slack.client_id, client_secret=slack.client_secret, code=code
    )["access_token"]
    b = client(slack, str(token))
    assert error_of(lambda: b.users_list()) == "missing_scope"
    assert b.conversations_join(channel=second.channel_id("general"))["ok"]


# -- events from several workspaces ---------------------------------------------------------------


def recording_app(slack: LocalSlack) -> tuple[App, list[tuple[str | None, dict[str, Any]]], threading.Event]:
    """A Bolt app for every workspace: its token per team from the stand-in's installs."""

    def authorize(team_id: str | None, **_: Any) -> AuthorizeResult:
        tenant = slack.tenant(team_id or "")
        return AuthorizeResult(
            enterprise_id=None, team_id=team_id, bot_token=tenant.bot_token, bot_user_id=tenant.bot_user_id
        )

    app = App(
        signing_secret=slack.signing_secret,
        authorize=authorize,
        client=WebClient(base_url=slack.api_url, retry_handlers=[]),
    )
    seen: list[tuple[str | None, dict[str, Any]]] = []
    arrived = threading.Event()

    @app.event("message")
    def on_message(body: dict[str, Any], context: BoltContext) -> None:
        seen.append((context.team_id, body))
        context.client.chat_postMessage(channel=body["event"]["channel"], text="got it")
        arrived.set()

    return app, seen, arrived


def test_an_event_from_the_second_workspace_is_signed_for_the_one_app_and_says_its_team(
    slack: LocalSlack, second: Tenant, serve_http: Callable[[App], str]
) -> None:
    join(client(slack, install(slack, second)), "general")
    app, seen, arrived = recording_app(slack)
    slack.connect_http(serve_http(app))
    second.user("participant01").post("general", "hello from B")
    assert arrived.wait(5)
    ((team, body),) = seen
    assert team == second.team_id == body["team_id"]
    assert body["api_app_id"] == slack.credentials.app_id
    assert body["authorizations"][0]["team_id"] == second.team_id
    assert body["authorizations"][0]["user_id"] == second.bot_user_id
    assert [m.text for m in second.messages("general")] == ["hello from B", "got it"]
    assert slack.messages("general") == []


def test_socket_mode_carries_every_workspaces_events_on_the_one_app_level_token(
    slack: LocalSlack, second: Tenant
) -> None:
    join(client(slack, install(slack, second)), "general")
    join(client(slack, slack.bot_token), "general")
    app, seen, _ = recording_app(slack)
    handler = SocketModeHandler(app, app_token=slack.app_token)
    handler.connect()  # type: ignore[no-untyped-call]
    slack.wait_connected()
    try:
        second.user("participant02").post("general", "B here")
        slack.user("participant02").post("general", "A here")
        slack.wait_for(lambda: len(seen) == 2 or None)
    finally:
        close_handler(handler, slack)
    assert sorted((team or "", body["event"]["text"]) for team, body in seen) == sorted(
        [(second.team_id, "B here"), (slack.default.team_id, "A here")]
    )


# -- uninstalling ---------------------------------------------------------------------------------


def test_uninstalling_revokes_the_token_tells_the_app_and_leaves_the_other_workspace_working(
    slack: LocalSlack, second: Tenant, serve_http: Callable[[App], str]
) -> None:
    token_b = install(slack, second)
    join(client(slack, token_b), "general")
    app, _, _ = recording_app(slack)
    farewells: list[tuple[str, str | None, dict[str, Any]]] = []
    told = threading.Event()  # set by the second farewell, whichever Bolt's threads run last

    @app.event("tokens_revoked")
    def revoked(event: dict[str, Any], context: BoltContext) -> None:
        farewells.append(("tokens_revoked", context.team_id, event))
        if len(farewells) == 2:
            told.set()

    @app.event("app_uninstalled")
    def uninstalled(event: dict[str, Any], context: BoltContext) -> None:
        farewells.append(("app_uninstalled", context.team_id, event))
        if len(farewells) == 2:
            told.set()

    slack.connect_http(serve_http(app))
    client(slack, token_b).apps_uninstall(client_id=slack.client_id, client_secret=slack.client_secret)
    slack.drain_events()
    assert told.wait(5)  # Bolt runs a listener after its ack
    assert sorted((kind, team) for kind, team, _ in farewells) == [
        ("app_uninstalled", second.team_id),
        ("tokens_revoked", second.team_id),
    ]
    sent = [e.name for e in slack.transcript.events() if e.name in ("tokens_revoked", "app_uninstalled")]
    assert sent == ["tokens_revoked", "app_uninstalled"]  # in Slack's order
    (revoked_event,) = [event for kind, _, event in farewells if kind == "tokens_revoked"]
    assert revoked_event["tokens"] == {"oauth": [], "bot": [second.bot_user_id]}
    assert error_of(lambda: client(slack, token_b).auth_test()) == "token_revoked"
    assert second.bot_user_id not in second.workspace.find_channel("general").members  # type: ignore[union-attr]
    second.user("participant01").post("general", "anyone?")
    assert second.user("participant01").last_deliveries == []
    assert client(slack, slack.bot_token).auth_test()["team_id"] == slack.default.team_id


def test_apps_uninstall_needs_the_apps_own_client_secret(slack: LocalSlack, second: Tenant) -> None:
    token_b = install(slack, second)
    refused = error_of(
        lambda: client(slack, token_b).apps_uninstall(client_id=slack.client_id, client_secret="no")
    )
    assert refused == "bad_client_secret"
    assert second.bot_token == token_b


def test_reinstalling_after_an_uninstall_issues_a_new_token(slack: LocalSlack, second: Tenant) -> None:
    first_token = install(slack, second)
    second.uninstall()
    assert second.bot_token is None
    new_token = install(slack, second)
    assert new_token != first_token
    assert client(slack, new_token).auth_test()["team_id"] == second.team_id
