"""A real Bolt app over Socket Mode (Bolt's default built-in client, ws:// on loopback) against the stand-in.

Synchronisation is by events and acknowledgements only: a listener sets a threading.Event, or the test
waits on the stand-in's transcript; the timeouts given are safety nets, never waits that must elapse.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import Ack, App, BoltContext, Respond
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.clock import ManualClock
from bot.localslack import LocalSlack
from localslack.helpers import close_handler, join, make_app

WAIT = 5.0


class Inbox:
    """What listeners received, and an event to wait on."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.arrived = threading.Event()
        self._lock = threading.Lock()

    def put(self, item: dict[str, Any]) -> None:
        with self._lock:
            self.items.append(item)
        self.arrived.set()

    def wait(self, count: int = 1) -> list[dict[str, Any]]:
        deadline = threading.Event()
        while len(self.items) < count:
            self.arrived.clear()
            if len(self.items) >= count:
                break
            assert self.arrived.wait(WAIT) or deadline.is_set(), f"only {len(self.items)} of {count} arrived"
        return list(self.items)


def test_bolt_connects_over_plain_ws_and_is_greeted_with_hello(
    slack: LocalSlack, socket_mode: SocketModeHandler
) -> None:
    assert slack.sockets.connection_count == 1
    # The greeting is recorded just after the connection counts: under load, a moment later.
    hello = slack.wait_for(
        lambda: [e for e in slack.transcript.entries() if e.kind == "socket" and e.name == "hello"] or None
    )
    assert len(hello) == 1 and hello[0].ok


def test_a_simulated_users_message_reaches_an_app_message_listener(
    slack: LocalSlack, app: App, client: WebClient, socket_mode: SocketModeHandler
) -> None:
    inbox = Inbox()

    @app.message("slides")
    def on_slides(message: dict[str, Any]) -> None:
        inbox.put(message)

    (channel,) = join(client, "sp-webinar-questions")
    ts = slack.user("participant01").post("sp-webinar-questions", "Will the slides be shared?")
    (message,) = inbox.wait()
    assert message["ts"] == ts and message["channel"] == channel
    assert message["user"] == slack.user("participant01").id and message["client_msg_id"]
    assert message["channel_type"] == "channel"
    assert slack.user("participant01").last_deliveries[0].acked


def test_messages_in_channels_the_bot_has_not_joined_are_not_delivered(
    slack: LocalSlack, socket_mode: SocketModeHandler
) -> None:
    slack.user("participant01").post("general", "anyone here?")
    assert slack.user("participant01").last_deliveries == []


def test_thread_replies_arrive_with_thread_ts_and_parent_user_id(
    slack: LocalSlack, app: App, client: WebClient, socket_mode: SocketModeHandler
) -> None:
    inbox = Inbox()
    app.event("message")(lambda event: inbox.put(event))
    (channel,) = join(client, "sp-webinar-questions")
    parent = client.chat_postMessage(channel=channel, text="Q1")["ts"]
    slack.user("participant02").post(channel, "+1 to this", thread_ts=parent)
    replies = [m for m in inbox.wait(1) if m.get("thread_ts")]
    assert replies[0]["thread_ts"] == parent and replies[0]["parent_user_id"] == slack.bot_user_id


def test_the_bots_own_messages_are_delivered_with_bot_id_so_bolt_can_skip_them(
    slack: LocalSlack, client: WebClient, socket_mode: SocketModeHandler
) -> None:
    (channel,) = join(client, "general")
    client.chat_postMessage(channel=channel, text="announcement")
    slack.drain_events()
    echoes = [e for e in slack.transcript.events("message") if e.channel == channel]
    assert len(echoes) == 1 and echoes[0].ok


def test_a_slash_command_acknowledged_with_text_shows_the_user_an_ephemeral(
    slack: LocalSlack, app: App, socket_mode: SocketModeHandler
) -> None:
    @app.command("/webinar")
    def webinar(ack: Ack, command: dict[str, Any]) -> None:
        ack(f"Status: {command['text']}")

    someone = slack.user("moderator")
    result = someone.slash("/webinar", "status", channel="sp-webinar")
    assert result.acked and result.transport == "socket_mode" and result.effect == "ephemeral"
    assert [e.text for e in someone.ephemerals("sp-webinar")] == ["Status: status"]
    assert slack.messages("sp-webinar") == []


def test_respond_posts_to_the_response_url_ephemeral_by_default_or_in_channel(
    slack: LocalSlack, app: App, socket_mode: SocketModeHandler
) -> None:
    @app.command("/ask")
    def ask(ack: Ack, respond: Respond, command: dict[str, Any]) -> None:
        ack()
        respond("Thanks, your question is queued")
        respond(text=f"Question: {command['text']}", response_type="in_channel")

    asker = slack.user("participant07")
    result = asker.slash("/ask", "How noisy is the data?", channel="sp-webinar-questions")
    assert result.acked and result.effect is None
    slack.wait_for(lambda: asker.ephemerals() and slack.messages("sp-webinar-questions"))
    assert asker.ephemerals()[0].text == "Thanks, your question is queued"
    assert slack.messages("sp-webinar-questions")[0].text == "Question: How noisy is the data?"


def test_a_button_click_reaches_app_action_and_respond_can_replace_the_message(
    slack: LocalSlack, app: App, client: WebClient, socket_mode: SocketModeHandler
) -> None:
    inbox = Inbox()

    @app.action("ready")
    def ready(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        inbox.put(body)
        respond(replace_original=True, text="Speaker is ready")

    (channel,) = join(client, "sp-webinar")
    ts = client.chat_postMessage(
        channel=channel,
        text="Are you ready?",
        blocks=[
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Ready"},
                        "action_id": "ready",
                        "value": "yes",
                    }
                ],
            }
        ],
    )["ts"]
    result = slack.user("ortiz").click(channel, ts, "ready")
    assert result.acked
    (body,) = inbox.wait()
    assert body["actions"][0]["value"] == "yes" and body["container"]["message_ts"] == ts
    assert body["trigger_id"] and body["response_url"].startswith(slack.api_url.removesuffix("api/"))
    slack.wait_for(lambda: slack.messages(channel)[0].text == "Speaker is ready")


QUESTION_MODAL = {
    "type": "modal",
    "callback_id": "ask_modal",
    "title": {"type": "plain_text", "text": "Ask a question"},
    "submit": {"type": "plain_text", "text": "Ask"},
    "private_metadata": "sp-webinar",
    "blocks": [
        {
            "type": "input",
            "block_id": "q",
            "label": {"type": "plain_text", "text": "Question"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        },
        {
            "type": "input",
            "block_id": "to",
            "label": {"type": "plain_text", "text": "For"},
            "element": {
                "type": "static_select",
                "action_id": "speaker",
                "options": [
                    {"text": {"type": "plain_text", "text": "Ortiz"}, "value": "ortiz"},
                    {"text": {"type": "plain_text", "text": "Pal"}, "value": "pal"},
                ],
            },
        },
    ],
}


def test_a_modal_opened_from_a_slash_command_is_submitted_to_app_view(
    slack: LocalSlack, app: App, socket_mode: SocketModeHandler
) -> None:
    submissions = Inbox()

    @app.command("/ask")
    def ask(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=QUESTION_MODAL)

    @app.view("ask_modal")
    def submitted(ack: Ack, view: dict[str, Any]) -> None:
        text = view["state"]["values"]["q"]["text"]["value"]
        if len(text) < 5:
            ack(response_action="errors", errors={"q": "Please write a full question"})
            return
        ack()
        submissions.put(view)

    asker = slack.user("participant09")
    assert asker.slash("/ask", channel="sp-webinar-questions").acked
    modal = slack.wait_for(asker.modal)
    assert modal.callback_id == "ask_modal"

    too_short = asker.submit_view(modal.id, {"q": {"text": "Hm?"}, "to": {"speaker": "pal"}})
    assert too_short.effect == "errors" and modal.errors == {"q": "Please write a full question"}
    assert asker.modal() is modal

    done = asker.submit_view(modal.id, {"q": {"text": "How was the data cleaned?"}, "to": {"speaker": "pal"}})
    assert done.acked and done.effect == "close" and asker.modal() is None
    (view,) = submissions.wait()
    assert view["state"]["values"]["to"]["speaker"]["selected_option"]["value"] == "pal"
    assert view["private_metadata"] == "sp-webinar"


def test_views_open_with_a_reused_or_stale_trigger_is_refused(
    slack: LocalSlack, app: App, clock: ManualClock, socket_mode: SocketModeHandler
) -> None:
    triggers = Inbox()

    @app.command("/webinar")
    def webinar(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        triggers.put(body)

    moderator = slack.user("moderator")
    moderator.slash("/webinar", "menu", channel="general")
    moderator.slash("/webinar", "menu", channel="general")
    first, second = (body["trigger_id"] for body in triggers.wait(2))
    client = slack.web_client(retry_handlers=[])
    assert client.views_open(trigger_id=first, view=QUESTION_MODAL)["ok"]
    with pytest.raises(SlackApiError) as reused:
        client.views_open(trigger_id=first, view=QUESTION_MODAL)
    assert reused.value.response["error"] == "exchanged_trigger_id"
    clock.advance(3.5)
    with pytest.raises(SlackApiError) as stale:
        client.views_open(trigger_id=second, view=QUESTION_MODAL)
    assert stale.value.response["error"] == "expired_trigger_id"


def test_a_message_shortcut_carries_the_message(
    slack: LocalSlack, app: App, client: WebClient, socket_mode: SocketModeHandler
) -> None:
    inbox = Inbox()

    @app.shortcut("forward_question")
    def forward(ack: Ack, shortcut: dict[str, Any]) -> None:
        ack()
        inbox.put(shortcut)

    app.event("message")(lambda: None)  # acknowledge the question's message event

    join(client, "sp-webinar-questions")
    ts = slack.user("participant03").post("sp-webinar-questions", "What about outliers?")
    assert slack.user("moderator").shortcut("forward_question", "sp-webinar-questions", ts).acked
    (shortcut,) = inbox.wait()
    assert shortcut["type"] == "message_action" and shortcut["message"]["text"] == "What about outliers?"


def test_reactions_arrive_as_reaction_added_with_item_and_item_user(
    slack: LocalSlack, app: App, client: WebClient, socket_mode: SocketModeHandler
) -> None:
    inbox = Inbox()
    app.event("reaction_added")(lambda event: inbox.put(event))
    (channel,) = join(client, "sp-webinar-questions")
    ts = client.chat_postMessage(channel=channel, text="Q2: sampling?")["ts"]
    slack.user("participant11").react(channel, ts, "+1")
    (event,) = inbox.wait()
    assert event["item"] == {"type": "message", "channel": channel, "ts": ts}
    assert event["item_user"] == slack.bot_user_id and event["reaction"] == "+1"
    assert client.reactions_get(channel=channel, timestamp=ts)["message"]["reactions"][0]["count"] == 1


def test_app_home_opened_lets_the_bot_publish_a_home_tab(
    slack: LocalSlack, app: App, socket_mode: SocketModeHandler
) -> None:
    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Next: Q&A"}}],
            },
        )

    viewer = slack.user("participant12")
    assert viewer.open_home().acked
    home_view = slack.wait_for(viewer.home)
    assert home_view.blocks[0]["text"]["text"] == "Next: Q&A"


def test_a_mention_arrives_as_app_mention_and_dms_as_im_messages(
    slack: LocalSlack, app: App, client: WebClient, socket_mode: SocketModeHandler
) -> None:
    mentions, dms = Inbox(), Inbox()
    app.event("app_mention")(lambda event: mentions.put(event))

    @app.event("message")
    def on_message(event: dict[str, Any]) -> None:
        if event.get("channel_type") == "im":
            dms.put(event)

    join(client, "general")
    slack.user("participant13").post("general", f"<@{slack.bot_user_id}> when do we start?")
    slack.user("participant13").dm("Can I present too?")
    assert mentions.wait()[0]["text"].endswith("when do we start?")
    assert dms.wait()[0]["text"] == "Can I present too?"


def test_after_a_disconnect_message_the_client_reconnects_and_deliveries_continue(
    slack: LocalSlack, app: App, client: WebClient, socket_mode: SocketModeHandler
) -> None:
    inbox = Inbox()
    app.message("still")(lambda message: inbox.put(message))
    join(client, "general")
    assert slack.disconnect_socket("refresh_requested") == 1
    slack.wait_for(lambda: slack.sockets.connections_opened >= 2 and slack.sockets.connection_count == 1)
    assert len(slack.transcript.calls("apps.connections.open")) == 2
    slack.user("participant14").post("general", "still there?")
    assert inbox.wait()[0]["text"] == "still there?"


def inbox_listener(inbox: Inbox) -> Any:
    def listener(event: dict[str, Any]) -> None:
        inbox.put(event)

    return listener


def test_envelopes_are_spread_over_several_connections(slack: LocalSlack, client: WebClient) -> None:
    inboxes = [Inbox(), Inbox()]
    handlers = []
    for inbox in inboxes:
        app = make_app(slack)
        app.event("message")(inbox_listener(inbox))
        handlers.append(SocketModeHandler(app, app_token=slack.app_token, ping_interval=30))
    try:
        for n, handler in enumerate(handlers, start=1):
            handler.connect()  # type: ignore[no-untyped-call]
            slack.wait_connected(n)
        join(client, "general")
        for n in range(4):
            slack.user("participant15").post("general", f"message {n}")
        assert len(inboxes[0].wait(2)) == 2 and len(inboxes[1].wait(2)) == 2
    finally:
        for handler in handlers:
            close_handler(handler, slack)


@pytest.fixture
def quick_slack(clock: ManualClock) -> Iterator[LocalSlack]:
    with LocalSlack(clock=clock, ack_timeout=0.2, subscriptions={"message.channels"}) as stand_in:
        yield stand_in


def test_an_unacknowledged_envelope_is_redelivered_with_retry_attempt(quick_slack: LocalSlack) -> None:
    slack = quick_slack
    seen: list[SocketModeRequest] = []
    done = threading.Event()

    def listener(sm: SocketModeClient, request: SocketModeRequest) -> None:
        seen.append(request)
        if request.retry_attempt:  # ignore the first delivery, acknowledge the retry
            sm.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
            done.set()

    sm_client = SocketModeClient(app_token=slack.app_token, web_client=slack.web_client(retry_handlers=[]))
    sm_client.socket_mode_request_listeners.append(listener)  # type: ignore[arg-type]
    sm_client.connect()
    try:
        slack.wait_connected()
        slack.web_client().conversations_join(channel=slack.channel_id("general"))
        slack.drain_events()
        seen.clear()
        slack.user("participant16").post("general", "hello?")
        assert done.wait(WAIT)
        result = slack.user("participant16").last_deliveries[0]
        assert result.acked and result.attempts == 2
        assert [r.retry_attempt for r in seen] == [0, 1] and seen[1].retry_reason == "timeout"
        assert seen[0].payload["event_id"] == seen[1].payload["event_id"]
    finally:
        close_handler(sm_client, slack)


def test_context_carries_the_bot_identity_from_auth_test(
    slack: LocalSlack, app: App, client: WebClient, socket_mode: SocketModeHandler
) -> None:
    inbox = Inbox()

    @app.message("who")
    def who(context: BoltContext) -> None:
        inbox.put({"bot_user_id": context.bot_user_id, "bot_id": context.bot_id})

    join(client, "general")
    slack.user("participant17").post("general", "who are you?")
    assert inbox.wait()[0] == {"bot_user_id": slack.bot_user_id, "bot_id": slack.workspace.bot.bot_id}


def test_respond_with_delete_original_removes_the_clicked_message(
    slack: LocalSlack, app: App, client: WebClient, socket_mode: SocketModeHandler
) -> None:
    @app.action("dismiss")
    def dismiss(ack: Ack, respond: Respond) -> None:
        ack()
        respond(delete_original=True)

    (channel,) = join(client, "sp-webinar")
    button = {"type": "button", "text": {"type": "plain_text", "text": "Dismiss"}, "action_id": "dismiss"}
    ts = client.chat_postMessage(
        channel=channel, text="Reminder", blocks=[{"type": "actions", "elements": [button]}]
    )["ts"]
    assert slack.user("ortiz").click(channel, ts, "dismiss").acked
    slack.wait_for(lambda: not slack.messages(channel))
    assert [e.name for e in slack.transcript.entries() if e.kind == "response_url"] == ["delete_original"]


def test_a_slash_command_nobody_acknowledges_fails_with_operation_timeout(quick_slack: LocalSlack) -> None:
    slack = quick_slack
    sm_client = SocketModeClient(app_token=slack.app_token, web_client=slack.web_client(retry_handlers=[]))
    sm_client.connect()  # connected, but no listener: nothing is ever acknowledged
    try:
        slack.wait_connected()
        result = slack.user("moderator").slash("/webinar", "status")
        assert not result.acked and result.attempts == 1 and result.error == "operation_timeout"
        assert slack.user("moderator").ephemerals() == []
    finally:
        close_handler(sm_client, slack)
