"""The real slack_sdk WebClient against the stand-in: shapes, state and Slack's error codes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import ManualClock
from bot.localslack import LocalSlack
from localslack.helpers import START, join


def error_of(call: object) -> str:
    assert isinstance(call, SlackApiError)
    return str(call.response["error"])


def test_auth_test_names_the_bot_user_and_team(slack: LocalSlack, client: WebClient) -> None:
    reply = client.auth_test()
    assert reply["user_id"] == slack.bot_user_id
    assert reply["bot_id"].startswith("B")
    assert reply["team_id"] == slack.workspace.team.id


def test_a_wrong_token_is_refused_with_invalid_auth(slack: LocalSlack) -> None:
    bad = WebClient(token="xoxb-not-the-token", base_url=slack.api_url, retry_handlers=[])
    with pytest.raises(SlackApiError) as raised:
        bad.auth_test()
    assert raised.value.response["error"] == "invalid_auth"


def test_no_token_at_all_is_not_authed(slack: LocalSlack) -> None:
    anonymous = WebClient(base_url=slack.api_url, retry_handlers=[])
    with pytest.raises(SlackApiError) as raised:
        anonymous.conversations_list()
    assert raised.value.response["error"] == "not_authed"


def test_the_app_token_only_opens_socket_mode_connections(slack: LocalSlack) -> None:
    app_client = WebClient(token=slack.app_token, base_url=slack.api_url, retry_handlers=[])
    assert app_client.apps_connections_open(app_token=slack.app_token)["url"].startswith("ws://127.0.0.1:")
    with pytest.raises(SlackApiError) as raised:
        app_client.chat_postMessage(channel="general", text="hi")
    assert raised.value.response["error"] == "not_allowed_token_type"


def test_an_unknown_method_answers_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.api_call("chat.postTelegram", json={"channel": "general"})
    assert raised.value.response["error"] == "unknown_method"


def test_post_to_channel_bot_is_not_in_fails_with_not_in_channel_until_it_joins(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="sp-webinar", text="Welcome!")
    assert raised.value.response["error"] == "not_in_channel"
    join(client, "sp-webinar")
    assert client.chat_postMessage(channel="sp-webinar", text="Welcome!")["ok"]


def test_post_to_unknown_channel_fails_with_channel_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0NOSUCHCH", text="hello")
    assert raised.value.response["error"] == "channel_not_found"


def test_post_returns_channel_ts_and_message_with_agenda_time_ts(
    slack: LocalSlack, client: WebClient, clock: ManualClock
) -> None:
    (channel,) = join(client, "sp-webinar")
    clock.advance(4 * 60)
    reply = client.chat_postMessage(channel="#sp-webinar", text="Starting in 1 minute")
    assert reply["channel"] == channel
    assert reply["ts"] == f"{int(START.timestamp()) + 240}.000000"
    assert reply["message"]["text"] == "Starting in 1 minute"
    assert reply["message"]["bot_id"] == slack.workspace.bot.bot_id
    assert [m.text for m in slack.messages(channel)] == ["Starting in 1 minute"]


def test_timestamps_stay_strictly_increasing_when_the_clock_stands_still(client: WebClient) -> None:
    join(client, "general")
    stamps = [client.chat_postMessage(channel="general", text=f"n{i}")["ts"] for i in range(3)]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
    assert all(ts.startswith(f"{int(START.timestamp())}.") for ts in stamps)


def test_post_by_user_id_lands_in_the_dm_with_that_user(slack: LocalSlack, client: WebClient) -> None:
    ortiz = slack.user("ortiz@example.org")
    reply = client.chat_postMessage(channel=ortiz.id, text="Your talk starts in 5 minutes")
    assert reply["channel"].startswith("D")
    opened = client.conversations_open(users=ortiz.id)
    assert opened["channel"]["id"] == reply["channel"]


def test_update_and_delete_change_the_stored_message(slack: LocalSlack, client: WebClient) -> None:
    (channel,) = join(client, "general")
    ts = client.chat_postMessage(channel=channel, text="draft")["ts"]
    updated = client.chat_update(channel=channel, ts=ts, text="final")
    assert updated["message"]["text"] == "final" and "edited" in updated["message"]
    assert slack.messages(channel)[0].text == "final"
    client.chat_delete(channel=channel, ts=ts)
    assert slack.messages(channel) == []
    with pytest.raises(SlackApiError) as raised:
        client.chat_update(channel=channel, ts=ts, text="again")
    assert raised.value.response["error"] == "message_not_found"


def test_the_bot_cannot_edit_a_users_message(slack: LocalSlack, client: WebClient) -> None:
    (channel,) = join(client, "general")
    ts = slack.user("participant01").post("general", "my question")
    with pytest.raises(SlackApiError) as raised:
        client.chat_update(channel=channel, ts=ts, text="censored")
    assert raised.value.response["error"] == "cant_update_message"


def test_thread_replies_hang_under_their_parent(slack: LocalSlack, client: WebClient) -> None:
    (channel,) = join(client, "sp-webinar-questions")
    parent = client.chat_postMessage(channel=channel, text="Q1: what about noise?")["ts"]
    slack.user("participant02").post(channel, "Good question", thread_ts=parent)
    client.chat_postMessage(channel=channel, text="Answered live", thread_ts=parent)
    replies = client.conversations_replies(channel=channel, ts=parent)["messages"]
    assert [m["text"] for m in replies] == ["Q1: what about noise?", "Good question", "Answered live"]
    assert replies[0]["reply_count"] == 2
    assert replies[1]["parent_user_id"] == slack.bot_user_id
    history = client.conversations_history(channel=channel)["messages"]
    assert [m["text"] for m in history] == ["Q1: what about noise?"]


def test_reply_to_a_ts_that_names_no_message_fails_with_thread_not_found(client: WebClient) -> None:
    (channel,) = join(client, "general")
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=channel, text="orphan", thread_ts="1540296000.000999")
    assert raised.value.response["error"] == "thread_not_found"


def test_text_of_40001_characters_fails_with_msg_too_long_and_40000_passes(client: WebClient) -> None:
    (channel,) = join(client, "general")
    assert client.chat_postMessage(channel=channel, text="x" * 40_000)["ok"]
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=channel, text="x" * 40_001)
    assert raised.value.response["error"] == "msg_too_long"


@pytest.mark.parametrize(
    "blocks",
    [
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}] * 51,
        [{"type": "carousel"}],
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
        [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
        [
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "b" * 76}, "action_id": "a"}
                ],
            }
        ],
        [{"type": "divider", "block_id": "b" * 256}],
    ],
    ids=["51-blocks", "unknown-type", "long-section", "long-header", "long-button", "long-block-id"],
)
def test_malformed_or_oversized_blocks_fail_with_invalid_blocks(
    client: WebClient, blocks: list[dict[str, Any]]
) -> None:
    (channel,) = join(client, "general")
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=channel, text="fallback", blocks=blocks)
    assert raised.value.response["error"] == "invalid_blocks"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_a_message_with_neither_text_nor_blocks_fails_with_no_text(client: WebClient) -> None:
    (channel,) = join(client, "general")
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=channel, text="")
    assert raised.value.response["error"] == "no_text"


def test_users_lookup_by_email_finds_speakers_and_reports_users_not_found(
    slack: LocalSlack, client: WebClient
) -> None:
    user = client.users_lookupByEmail(email="kulke@example.org")["user"]
    assert user["name"] == "kulke" and user["tz"] == "Europe/Berlin"
    with pytest.raises(SlackApiError) as raised:
        client.users_lookupByEmail(email="nobody@example.org")
    assert raised.value.response["error"] == "users_not_found"


def test_users_info_gives_time_zone_offset_at_agenda_time_and_locale_on_request(
    slack: LocalSlack, client: WebClient
) -> None:
    geneva = slack.user("ganter").id
    info = client.users_info(user=geneva, include_locale=True)["user"]
    assert info["tz"] == "Europe/Zurich" and info["tz_offset"] == 7200  # CEST on 2018-10-23
    assert info["locale"] == "fr-FR"
    assert "locale" not in client.users_info(user=geneva)["user"]


def test_conversations_list_pages_with_cursors_until_the_last_page(client: WebClient) -> None:
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        page = client.conversations_list(limit=2, cursor=cursor, types="public_channel")
        seen += [c["name"] for c in page["channels"]]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == 3
    assert set(seen) == {
        "general",
        "sp-webinar",
        "sp-webinar-questions",
        "psi-panel-7",
        "psi-panel-7-questions",
    }


def test_private_backstage_channels_are_invisible_to_a_bot_that_is_not_invited(client: WebClient) -> None:
    names = [c["name"] for c in client.conversations_list(types="public_channel,private_channel")["channels"]]
    assert "sp-webinar-backstage" not in names
    with pytest.raises(SlackApiError) as raised:
        client.conversations_join(channel="sp-webinar-backstage")
    assert raised.value.response["error"] in ("channel_not_found", "method_not_supported_for_channel_type")


def test_reactions_add_get_remove_and_already_reacted(client: WebClient) -> None:
    (channel,) = join(client, "general")
    ts = client.chat_postMessage(channel=channel, text="vote")["ts"]
    client.reactions_add(channel=channel, timestamp=ts, name="+1")
    with pytest.raises(SlackApiError) as raised:
        client.reactions_add(channel=channel, timestamp=ts, name="+1")
    assert raised.value.response["error"] == "already_reacted"
    got = client.reactions_get(channel=channel, timestamp=ts)["message"]["reactions"]
    assert got == [{"name": "+1", "users": [client.auth_test()["user_id"]], "count": 1}]
    client.reactions_remove(channel=channel, timestamp=ts, name="+1")
    with pytest.raises(SlackApiError) as raised:
        client.reactions_remove(channel=channel, timestamp=ts, name="+1")
    assert raised.value.response["error"] == "no_reaction"
    with pytest.raises(SlackApiError) as raised:
        client.reactions_add(channel=channel, timestamp="1.000000", name="tada")
    assert raised.value.response["error"] == "message_not_found"


def test_ephemeral_messages_reach_one_user_and_stay_out_of_history(
    slack: LocalSlack, client: WebClient
) -> None:
    (channel,) = join(client, "general")
    someone = slack.user("participant03")
    client.chat_postEphemeral(channel=channel, user=someone.id, text="only for you")
    assert [e.text for e in someone.ephemerals("general")] == ["only for you"]
    assert slack.user("participant04").ephemerals() == []
    assert client.conversations_history(channel=channel)["messages"] == []


def test_permalink_points_at_the_stand_in(slack: LocalSlack, client: WebClient) -> None:
    (channel,) = join(client, "general")
    ts = client.chat_postMessage(channel=channel, text="link me")["ts"]
    link = client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    assert link.startswith(slack.api_url.removesuffix("api/")) and ts.replace(".", "") in link


def test_usergroup_members_are_listed(slack: LocalSlack, client: WebClient) -> None:
    groups = client.usergroups_list(include_users=True)["usergroups"]
    moderators = next(g for g in groups if g["handle"] == "webinar-moderators")
    users = client.usergroups_users_list(usergroup=moderators["id"])["users"]
    assert slack.user("moderator").id in users
    with pytest.raises(SlackApiError) as raised:
        client.usergroups_users_list(usergroup="S0NOPE")
    assert raised.value.response["error"] == "no_such_subteam"


def test_files_upload_v2_uploads_and_shares_the_report_in_a_thread(
    slack: LocalSlack, client: WebClient
) -> None:
    (channel,) = join(client, "sp-webinar")
    parent = client.chat_postMessage(channel=channel, text="The webinar is over")["ts"]
    reply = client.files_upload_v2(
        channel=channel,
        thread_ts=parent,
        filename="report.md",
        content="# Report\n42 questions",
        title="Webinar report",
        initial_comment="Here is the report",
    )
    file_id = reply["file"]["id"]
    stored = slack.workspace.file(file_id)
    assert stored is not None and stored.content == b"# Report\n42 questions"
    shared = slack.messages(channel)[-1]
    assert shared.files == [file_id] and shared.thread_ts == parent and shared.text == "Here is the report"
    assert client.files_info(file=file_id)["file"]["title"] == "Webinar report"


def test_scopes_when_given_are_enforced_with_missing_scope(clock: ManualClock) -> None:
    with LocalSlack(clock=clock, scopes={"chat:write", "channels:join"}) as limited:
        client = limited.web_client(retry_handlers=[])
        assert client.conversations_join(channel=limited.channel_id("general"))["ok"]
        with pytest.raises(SlackApiError) as raised:
            client.users_lookupByEmail(email="pal@example.org")
        assert raised.value.response["error"] == "missing_scope"
        assert raised.value.response["needed"] == "users:read.email"


def test_stand_in_agenda_time_follows_the_injected_clock(clock: ManualClock, slack: LocalSlack) -> None:
    clock.set(datetime(2018, 10, 23, 15, 30, tzinfo=UTC))
    ts = slack.user("participant05").post("general", "hello at half past three")
    assert ts.startswith(str(int(datetime(2018, 10, 23, 15, 30, tzinfo=UTC).timestamp())))


def test_eighty_clients_connecting_at_once_are_all_answered(slack: LocalSlack) -> None:
    """A `serve` process with many webinars opens as many connections in one burst (urllib opens
    one per call); Slack answers them all, so the stand-in must not reset any for a full backlog."""
    import threading

    start = threading.Barrier(80)
    errors: list[BaseException] = []

    def call() -> None:
        client = WebClient(token=slack.bot_token, base_url=slack.api_url, retry_handlers=[])
        start.wait()
        try:
            client.auth_test()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(80)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
