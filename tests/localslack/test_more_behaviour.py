"""Edits, deletions, joins, modal stacks, request encodings and read methods, end to end."""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from slack_bolt import Ack, App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import ManualClock
from bot.localslack import LocalSlack
from localslack.helpers import close_handler, join, make_app

WAIT = 5.0


class Box:
    def __init__(self, expected: int = 1) -> None:
        self.items: list[dict[str, Any]] = []
        self.expected = expected
        self.full = threading.Event()

    def put(self, item: dict[str, Any]) -> None:
        self.items.append(item)
        if len(self.items) >= self.expected:
            self.full.set()

    def wait(self) -> list[dict[str, Any]]:
        assert self.full.wait(WAIT), f"got {len(self.items)} of {self.expected}"
        return self.items


def test_user_edits_and_deletions_arrive_as_message_changed_and_message_deleted(
    slack: LocalSlack, app: App, client: WebClient, socket_mode: SocketModeHandler
) -> None:
    changed, deleted = Box(), Box()
    app.event({"type": "message", "subtype": "message_changed"})(lambda event: changed.put(event))
    app.event({"type": "message", "subtype": "message_deleted"})(lambda event: deleted.put(event))
    app.event("message")(lambda: None)
    (channel,) = join(client, "general")
    user = slack.user("participant01")
    ts = user.post("general", "Q: sampel size?")
    user.edit("general", ts, "Q: sample size?")
    (event,) = changed.wait()
    assert (
        event["message"]["text"] == "Q: sample size?"
        and event["previous_message"]["text"] == "Q: sampel size?"
    )
    user.delete("general", ts)
    (gone,) = deleted.wait()
    assert gone["deleted_ts"] == ts and gone["channel"] == channel
    assert client.conversations_history(channel=channel)["messages"] == []


def test_member_joined_channel_is_delivered_for_the_bot_and_for_users(clock: ManualClock) -> None:
    with LocalSlack(clock=clock, ack_timeout=1.0) as slack:
        app = make_app(slack)
        joins = Box(expected=2)
        app.event("member_joined_channel")(lambda event: joins.put(event))
        handler = SocketModeHandler(app, app_token=slack.app_token, ping_interval=30)
        handler.connect()  # type: ignore[no-untyped-call]
        try:
            slack.wait_connected()
            client = slack.web_client(retry_handlers=[])
            (channel,) = join(client, "psi-panel-7")
            slack.workspace.find_channel("psi-panel-7").members.remove(slack.user("participant20").id)  # type: ignore[union-attr]
            slack.user("participant20").join("psi-panel-7")
            users = [e["user"] for e in joins.wait()]  # Bolt handles envelopes on a pool: any order
            assert sorted(users) == sorted([slack.bot_user_id, slack.user("participant20").id])
            assert all(e["channel"] == channel for e in joins.items)
        finally:
            close_handler(handler, slack)


MODAL = {
    "type": "modal",
    "callback_id": "steer",
    "title": {"type": "plain_text", "text": "Steer the webinar"},
    "submit": {"type": "plain_text", "text": "Apply"},
    "blocks": [
        {
            "type": "actions",
            "block_id": "tools",
            "elements": [
                {"type": "button", "action_id": "extend", "text": {"type": "plain_text", "text": "+5 min"}}
            ],
        },
        {
            "type": "input",
            "block_id": "note",
            "optional": True,
            "label": {"type": "plain_text", "text": "Note"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        },
        {
            "type": "input",
            "block_id": "what",
            "label": {"type": "plain_text", "text": "What"},
            "element": {
                "type": "radio_buttons",
                "action_id": "choice",
                "options": [
                    {"text": {"type": "plain_text", "text": "Pause"}, "value": "pause"},
                    {"text": {"type": "plain_text", "text": "Skip"}, "value": "skip"},
                ],
            },
        },
    ],
}


def test_modal_buttons_updates_pushes_and_clear(
    slack: LocalSlack, app: App, socket_mode: SocketModeHandler
) -> None:
    clicks = Box()

    @app.command("/webinar")
    def open_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    @app.action("extend")
    def extend(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        clicks.put(body)
        view = body["view"]
        with pytest.raises(SlackApiError):
            client.views_update(view_id=view["id"], hash="stale-hash", view=MODAL)
        client.views_update(
            view_id=view["id"], hash=view["hash"], view={**MODAL, "private_metadata": "extended"}
        )

    @app.view("steer")
    def steer(ack: Ack, view: dict[str, Any]) -> None:
        choice = view["state"]["values"]["what"]["choice"]["selected_option"]["value"]
        if choice == "pause":
            ack(response_action="push", view={**MODAL, "callback_id": "confirm"})
        else:
            ack(response_action="update", view={**MODAL, "callback_id": "steer2"})

    @app.view("confirm")
    def confirm(ack: Ack) -> None:
        ack(response_action="clear")

    moderator = slack.user("moderator")
    moderator.slash("/webinar", channel="sp-webinar")
    modal = slack.wait_for(moderator.modal)
    assert moderator.click_in_view(modal.id, "extend").acked
    assert clicks.wait()[0]["container"] == {"type": "view", "view_id": modal.id}
    slack.wait_for(lambda: modal.private_metadata == "extended")

    pushed = moderator.submit_view(modal.id, {"what": {"choice": "pause"}})
    assert pushed.effect == "push" and len(slack.workspace.open_modals(moderator.id)) == 2
    top = moderator.modal()
    assert top is not None and top.callback_id == "confirm" and top.previous_view_id == modal.id
    cleared = moderator.submit_view(top.id, {"what": {"choice": "skip"}})
    assert cleared.effect == "clear" and moderator.modal() is None


def test_a_required_input_left_empty_is_a_test_mistake_not_a_submission(
    slack: LocalSlack, app: App, socket_mode: SocketModeHandler
) -> None:
    @app.command("/webinar")
    def open_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    moderator = slack.user("moderator")
    moderator.slash("/webinar", channel="sp-webinar")
    modal = slack.wait_for(moderator.modal)
    with pytest.raises(ValueError, match="required input"):
        moderator.submit_view(modal.id, {"note": {"text": "hi"}})
    with pytest.raises(ValueError, match="no option"):
        moderator.submit_view(modal.id, {"what": {"choice": "dance"}})


def test_get_query_strings_form_tokens_and_multipart_bodies_are_all_accepted(slack: LocalSlack) -> None:
    query = urllib.parse.urlencode({"token": slack.bot_token, "email": "mote@example.org"})
    with urllib.request.urlopen(f"{slack.api_url}users.lookupByEmail?{query}", timeout=5) as response:
        assert json.loads(response.read())["user"]["name"] == "mote"
    boundary = "xYzZY"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="token"\r\n\r\n{slack.bot_token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="user"\r\n\r\n{slack.user("mote").id}\r\n'
        f"--{boundary}--\r\n"
    ).encode()
    request = urllib.request.Request(
        f"{slack.api_url}users.info",
        data=body,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read())["user"]["tz"] == "Africa/Windhoek"


def test_a_duplicated_http_event_repeats_with_retry_num(
    slack: LocalSlack, client: WebClient, serve_http: Callable[[App], str]
) -> None:
    app = make_app(slack)
    seen = Box(expected=2)
    app.event("message")(
        lambda body, request: seen.put(
            {"id": body["event_id"], "retry": request.headers.get("x-slack-retry-num")}
        )
    )
    slack.connect_http(serve_http(app))
    join(client, "general")
    slack.faults.duplicate_events()
    slack.user("participant04").post("general", "twice?")
    first, second = seen.wait()
    assert first["id"] == second["id"] and first["retry"] is None and second["retry"] == ["1"]


def test_history_is_newest_first_and_pages(slack: LocalSlack, client: WebClient, clock: ManualClock) -> None:
    (channel,) = join(client, "general")
    stamps = []
    for n in range(5):
        clock.advance(60)
        stamps.append(client.chat_postMessage(channel=channel, text=f"m{n}")["ts"])
    page = client.conversations_history(channel=channel, limit=2)
    assert [m["text"] for m in page["messages"]] == ["m4", "m3"] and page["has_more"]
    rest = client.conversations_history(channel=channel, cursor=page["response_metadata"]["next_cursor"])
    assert [m["text"] for m in rest["messages"]] == ["m2", "m1", "m0"]
    window = client.conversations_history(channel=channel, oldest=stamps[1], latest=stamps[3], inclusive=True)
    assert [m["text"] for m in window["messages"]] == ["m3", "m2", "m1"]
    with pytest.raises(SlackApiError) as raised:
        client.conversations_history(channel=slack.channel_id("psi-panel-7"))
    assert raised.value.response["error"] == "not_in_channel"


def test_identity_and_directory_methods(slack: LocalSlack, client: WebClient) -> None:
    assert client.team_info()["team"]["id"] == slack.workspace.team.id
    assert client.bots_info(bot=slack.workspace.bot.bot_id)["bot"]["user_id"] == slack.bot_user_id
    members = client.conversations_members(channel=slack.channel_id("sp-webinar-questions"))["members"]
    assert slack.user("participant20").id in members
    everyone = client.users_list()["members"]
    assert {u["name"] for u in everyone} >= {"ortiz", "yakbowski", "participant01"}
    assert client.api_test(foo="bar")["args"] == {"foo": "bar"}
    with pytest.raises(SlackApiError) as raised:
        client.api_test(error="my_error")
    assert raised.value.response["error"] == "my_error"
