"""OAuth mode: the bot installed in two workspaces of one stand-in, over real HTTP, tokens in its database.

The install is driven as a browser would: GET /slack/install, follow to the stand-in's authorize page
(an admin approves at once), follow back to /slack/oauth_redirect with the state cookie. Installations
and states live in the bot's own database (SQLite, and PostgreSQL where one is reachable).
"""

from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from sqlalchemy import Engine, inspect

from bot.chat.inbound import Inbound, Posted, Reply
from bot.chat.message import Message, Text
from bot.chat.port import ChatError, Inbox, PostMessage
from bot.clock import ManualClock
from bot.config import InstallSettings, load_install_settings
from bot.localslack import LocalSlack
from bot.localslack.tenant import Tenant
from bot.manifest import bot_scopes
from bot.slack.adapter import SlackChat
from bot.slack.app import HttpReceiver
from bot.slack.installations import Installations, NotInstalled
from bot.slack.oauth import authorization_url, build_oauth_app
from bot.store import create_schema, make_engine

COOKIE = "slack-app-oauth-state"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: str


def get(url: str, cookie: str | None = None) -> Answer:
    """One GET, redirects not followed (the test follows them, as a browser would)."""
    parsed = urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname or "", parsed.port, timeout=5)
    try:
        path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return Answer(response.status, headers, response.read().decode("utf-8", "replace"))
    finally:
        connection.close()


class Recorder:
    """An inbox per workspace that records what arrives and answers a question in the same channel."""

    def __init__(self, reply: Callable[[str, Posted], None] | None = None) -> None:
        self.seen: list[tuple[str, Inbound]] = []
        self.arrived = threading.Event()
        self.reply = reply

    def inbox_for(self, team_id: str) -> Inbox | None:
        recorder = self

        class TeamInbox:
            def receive(self, event: Inbound) -> Reply | None:
                recorder.seen.append((team_id, event))
                if recorder.reply is not None and isinstance(event, Posted):
                    recorder.reply(team_id, event)
                recorder.arrived.set()
                return None

        return TeamInbox()


@dataclass
class Bot:
    """The bot's OAuth side, served over HTTP against the stand-in."""

    slack: LocalSlack
    installations: Installations
    recorder: Recorder
    base_url: str
    uninstalled: list[str] = field(default_factory=list)

    def install(self, tenant: Tenant) -> Answer:
        """The whole browser round trip for `tenant`; the bot's last answer (its success or failure page)."""
        start = get(f"{self.base_url}slack/install?{urlencode({'team': tenant.team_id})}")
        assert start.status == 302, start
        cookie = start.headers["set-cookie"].split(";", 1)[0]
        approval = get(start.headers["location"])
        assert approval.status == 302, approval
        return get(approval.headers["location"], cookie)


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = make_engine(store_url)
    create_schema(engine)
    yield engine
    engine.dispose()


def serve(
    slack: LocalSlack, engine: Engine, clock: ManualClock, recorder: Recorder, state_ttl: int = 600
) -> Iterator[Bot]:
    install = InstallSettings(slack.client_id, slack.client_secret, tuple(sorted(bot_scopes())))
    installations = Installations(engine, install.client_id, slack.api_url, clock, state_ttl=state_ttl)
    installations.create_tables()
    bot = Bot(slack, installations, recorder, "")
    app = build_oauth_app(
        install,
        installations,
        recorder.inbox_for,
        clock,
        signing_secret=slack.signing_secret,
        on_uninstalled=bot.uninstalled.append,
    )
    receiver = HttpReceiver(app, 0, "127.0.0.1", signing_secret=slack.signing_secret, clock=clock)
    receiver.start()
    bot.base_url = f"http://127.0.0.1:{receiver.port}/"
    slack.connect_oauth(f"{bot.base_url}slack/oauth_redirect")
    slack.connect_http(f"{bot.base_url}slack/events")
    try:
        yield bot
    finally:
        receiver.stop()


@pytest.fixture
def workspaces(clock: ManualClock) -> Iterator[tuple[LocalSlack, Tenant, Tenant]]:
    with LocalSlack(clock=clock, ack_timeout=3.0, signing_clock=clock) as slack:
        # Two workspaces where the app is not installed yet (the default one has it from the start).
        first = slack.add_workspace(name="First Org", domain="firstorg")
        second = slack.add_workspace(name="Second Org", domain="secondorg")
        yield slack, first, second


def answer_in_channel(bot: Callable[[], Bot]) -> Callable[[str, Posted], None]:
    """What the lead's runtime does: post the reply with the adapter of the event's workspace."""

    def reply(team_id: str, event: Posted) -> None:
        chat = SlackChat.for_team(bot().installations, team_id, bot().installations.clock)
        chat.post(PostMessage(event.ref.conversation, Message((Text(f"noted: {event.text}"),))))

    return reply


@pytest.fixture
def bot(workspaces: tuple[LocalSlack, Tenant, Tenant], engine: Engine, clock: ManualClock) -> Iterator[Bot]:
    slack = workspaces[0]
    holder: list[Bot] = []
    recorder = Recorder(answer_in_channel(lambda: holder[0]))
    for served in serve(slack, engine, clock, recorder):
        holder.append(served)
        yield served


# -- installing ----------------------------------------------------------------------------------


def test_installing_in_two_workspaces_stores_each_installation_in_the_bots_database(
    bot: Bot, workspaces: tuple[LocalSlack, Tenant, Tenant], engine: Engine
) -> None:
    _, first, second = workspaces
    for tenant in (first, second):
        page = bot.install(tenant)
        assert page.status == 200, page.body
        assert "set-cookie" in page.headers  # the state cookie is cleared
    assert bot.installations.teams() == [first.team_id, second.team_id]
    found = bot.installations.find(second.team_id)
    assert found is not None
    assert found.bot_user_id == second.bot_user_id and found.bot_token == second.bot_token
    assert found.team_name == "Second Org"
    assert {"slack_installations", "slack_bots", "slack_oauth_states", "webinars"} <= set(
        inspect(engine).get_table_names()
    )
    assert bot.installations.client_for(first.team_id).auth_test()["team_id"] == first.team_id
    assert bot.installations.client_for(second.team_id).auth_test()["team_id"] == second.team_id


def test_the_install_link_goes_to_slacks_authorize_page_with_the_manifests_scopes(
    bot: Bot, workspaces: tuple[LocalSlack, Tenant, Tenant]
) -> None:
    slack = workspaces[0]
    start = get(f"{bot.base_url}slack/install")
    assert start.status == 302
    location = urlparse(start.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == slack.authorize_url
    query = parse_qs(location.query)
    assert query["client_id"] == [slack.client_id]
    assert set(query["scope"][0].split(",")) == set(bot_scopes())
    assert start.headers["set-cookie"].startswith(f"{COOKIE}={query['state'][0]};")


def test_a_bad_state_is_refused_politely_and_installs_nothing(
    bot: Bot, workspaces: tuple[LocalSlack, Tenant, Tenant], caplog: pytest.LogCaptureFixture
) -> None:
    _, _, second = workspaces
    start = get(f"{bot.base_url}slack/install?team={second.team_id}")
    cookie = start.headers["set-cookie"].split(";", 1)[0]
    approval = get(start.headers["location"])
    forged = approval.headers["location"].replace("state=", "state=forged-")
    with caplog.at_level(logging.DEBUG):
        page = get(forged, cookie)
    assert page.status in (400, 401)
    assert "try again" in page.body.lower() and "Traceback" not in page.body
    assert not [r for r in caplog.records if r.exc_info]
    assert bot.installations.find(second.team_id) is None
    assert second.bot_token is None


def test_a_replayed_redirect_is_refused(bot: Bot, workspaces: tuple[LocalSlack, Tenant, Tenant]) -> None:
    _, _, second = workspaces
    start = get(f"{bot.base_url}slack/install?team={second.team_id}")
    cookie = start.headers["set-cookie"].split(";", 1)[0]
    redirect = get(start.headers["location"]).headers["location"]
    assert get(redirect, cookie).status == 200
    again = get(redirect, cookie)
    assert again.status == 401 and "try again" in again.body.lower()


def test_a_redirect_without_the_browsers_state_cookie_is_refused(
    bot: Bot, workspaces: tuple[LocalSlack, Tenant, Tenant]
) -> None:
    _, _, second = workspaces
    start = get(f"{bot.base_url}slack/install?team={second.team_id}")
    page = get(get(start.headers["location"]).headers["location"])
    assert page.status == 400 and "try again" in page.body.lower()
    assert bot.installations.find(second.team_id) is None


def test_an_expired_state_is_refused(
    workspaces: tuple[LocalSlack, Tenant, Tenant], engine: Engine, clock: ManualClock
) -> None:
    slack, _, second = workspaces
    # slack-sdk's state store dates states by the wall clock: a lifetime of 0 s has passed by the redirect.
    for bot in serve(slack, engine, clock, Recorder(), state_ttl=0):
        page = bot.install(second)
        assert page.status == 401 and "try again" in page.body.lower()
        assert bot.installations.find(second.team_id) is None


def test_an_admin_who_cancels_gets_a_polite_page(
    bot: Bot, workspaces: tuple[LocalSlack, Tenant, Tenant]
) -> None:
    slack, _, second = workspaces
    start = get(f"{bot.base_url}slack/install?team={second.team_id}")
    cookie = start.headers["set-cookie"].split(";", 1)[0]
    page = get(slack.approve(start.headers["location"], deny=True), cookie)
    assert page.status == 200 and "access_denied" in page.body
    assert bot.installations.find(second.team_id) is None


# -- events and replies per workspace -----------------------------------------------------------


def test_an_event_from_workspace_b_reaches_b_and_the_reply_is_posted_with_bs_token_into_b(
    bot: Bot, workspaces: tuple[LocalSlack, Tenant, Tenant]
) -> None:
    slack, first, second = workspaces
    for tenant in (first, second):
        bot.install(tenant)
    for tenant in (first, second):
        bot.installations.client_for(tenant.team_id).conversations_join(channel=tenant.channel_id("general"))

    second.user("participant03").post("general", "Is the recording shared?")
    slack.drain_events()
    assert bot.recorder.arrived.wait(5)
    ((team, event),) = bot.recorder.seen
    assert team == second.team_id
    assert isinstance(event, Posted) and event.person == second.user("participant03").id
    assert event.ref.conversation == second.channel_id("general")
    texts_b = [m.text for m in second.messages("general")]
    assert texts_b == ["Is the recording shared?", "noted: Is the recording shared?"]
    (reply,) = [m for m in second.messages("general") if m.bot_id]
    assert reply.user == second.bot_user_id
    assert first.messages("general") == []
    posts = [e for e in slack.transcript.calls("chat.postMessage") if e.ok]
    assert [e.detail.get("team") for e in posts] == [second.team_id]


def test_the_bots_own_reply_is_not_taken_for_a_question(
    bot: Bot, workspaces: tuple[LocalSlack, Tenant, Tenant]
) -> None:
    slack, _, second = workspaces
    bot.install(second)
    bot.installations.client_for(second.team_id).conversations_join(channel=second.channel_id("general"))
    second.user("participant03").post("general", "hello")
    slack.drain_events()  # the bot's reply (posted before the ack) comes back as an event from B
    assert [type(e).__name__ for _, e in bot.recorder.seen] == ["Posted"]


def test_a_workspace_with_no_inbox_gets_a_polite_answer_to_a_command(
    workspaces: tuple[LocalSlack, Tenant, Tenant], engine: Engine, clock: ManualClock
) -> None:
    slack, first, second = workspaces

    class OnlyFirst(Recorder):
        def inbox_for(self, team_id: str) -> Inbox | None:
            return super().inbox_for(team_id) if team_id == first.team_id else None

    for bot in serve(slack, engine, clock, OnlyFirst()):
        bot.install(second)
        person = second.user("participant01")
        result = person.slash("/webinar", "status")
        assert result.acked and result.effect == "ephemeral"
        assert [e.text for e in person.ephemerals()] == ["No webinar runs in this workspace yet."]
        assert bot.recorder.seen == []


# -- uninstalling -------------------------------------------------------------------------------


def test_uninstalling_b_removes_its_tokens_and_calls_back_while_a_keeps_working(
    bot: Bot, workspaces: tuple[LocalSlack, Tenant, Tenant]
) -> None:
    slack, first, second = workspaces
    for tenant in (first, second):
        bot.install(tenant)
    chat_b = SlackChat.for_team(bot.installations, second.team_id, bot.installations.clock)
    assert chat_b.identity().person == second.bot_user_id

    second.uninstall()
    slack.drain_events()
    assert set(bot.uninstalled) == {second.team_id}
    assert bot.installations.find(second.team_id) is None
    assert bot.installations.teams() == [first.team_id]
    with pytest.raises(NotInstalled):
        bot.installations.client_for(second.team_id)
    with pytest.raises(ChatError):
        chat_b.post(PostMessage(second.channel_id("general"), Message((Text("still there?"),))))

    chat_a = SlackChat.for_team(bot.installations, first.team_id, bot.installations.clock)
    chat_a.join(first.channel_id("general"))
    chat_a.post(PostMessage(first.channel_id("general"), Message((Text("A carries on"),))))
    assert [m.text for m in first.messages("general")] == ["A carries on"]


def test_a_reinstall_gives_the_adapter_the_new_token_at_its_next_call(
    bot: Bot, workspaces: tuple[LocalSlack, Tenant, Tenant]
) -> None:
    slack, _, second = workspaces
    bot.install(second)
    chat_b = SlackChat.for_team(bot.installations, second.team_id, bot.installations.clock)
    old = second.bot_token
    second.uninstall()
    slack.drain_events()
    bot.install(second)
    assert second.bot_token != old
    chat_b.join(second.channel_id("general"))
    chat_b.post(PostMessage(second.channel_id("general"), Message((Text("back"),))))
    assert [m.text for m in second.messages("general")] == ["back"]


# -- settings -----------------------------------------------------------------------------------


def test_install_settings_come_from_the_environment_with_the_manifests_scopes_by_default() -> None:
    env = {"SLACK_CLIENT_ID": "123.456", "SLACK_CLIENT_SECRET": "s3cr3t-value"}
    settings = load_install_settings(env, None)
    assert settings.enabled and settings.scopes == tuple(sorted(bot_scopes()))
    assert settings.redirect_uri == ""
    assert "s3cr3t-value" not in repr(settings) and "s3cr3t-value" not in settings.describe()
    custom = load_install_settings(
        {
            "SLACK_CLIENT_ID": "1",
            "SLACK_CLIENT_SECRET": "2",
            "SLACK_SCOPES": "chat:write, commands",
            "SLACK_INSTALL_REDIRECT_URI": "https://bot.example.org/slack/oauth_redirect",
        },
        None,
    )
    assert custom.scopes == ("chat:write", "commands")
    assert custom.redirect_uri == "https://bot.example.org/slack/oauth_redirect"
    assert not load_install_settings({}, None).enabled


def test_the_authorize_page_is_slacks_for_slack_and_the_stand_ins_for_the_stand_in() -> None:
    assert authorization_url("https://slack.com/api/") is None  # Bolt's default, slack.com's
    assert authorization_url("http://127.0.0.1:5000/api/") == "http://127.0.0.1:5000/oauth/v2/authorize"


# -- single-workspace mode ----------------------------------------------------------------------


def test_single_workspace_mode_still_uses_the_environments_token_and_hears_an_uninstall(
    clock: ManualClock,
) -> None:
    with LocalSlack(clock=clock, ack_timeout=3.0, signing_clock=clock) as slack:
        chat = SlackChat(
            slack.bot_token,
            slack.api_url,
            clock,
            signing_secret=slack.signing_secret,
            http_port=0,
            http_host="127.0.0.1",
        )
        heard: list[str] = []
        recorder = Recorder()
        inbox = recorder.inbox_for(slack.default.team_id)
        assert inbox is not None
        chat.listen(inbox, on_uninstalled=heard.append)
        try:
            assert isinstance(chat.receiver, HttpReceiver)
            slack.connect_http(f"http://127.0.0.1:{chat.receiver.port}/slack/events")
            chat.join(slack.channel_id("general"))
            slack.user("participant01").post("general", "hello")
            assert [type(e).__name__ for _, e in recorder.seen] == ["Posted"]
            slack.default.uninstall()
            slack.drain_events()
            assert set(heard) == {slack.default.team_id}
        finally:
            chat.close()
