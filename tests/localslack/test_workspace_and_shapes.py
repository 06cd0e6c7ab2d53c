"""The default and file-loaded workspaces, and event payload shapes against Slack's samples in ../shared/."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.clock import ManualClock
from bot.localslack import LocalSlack
from bot.localslack.ids import IdFactory
from bot.localslack.seed import SPEAKERS, default_workspace, load_workspace
from bot.localslack.workspace import View
from localslack.helpers import SHARED_SLACK, join


def test_the_default_workspace_has_the_seed_channels_speakers_and_participants() -> None:
    ws = default_workspace(IdFactory())
    names = {c.name for c in ws.channels.values()}
    assert names >= {
        "general",
        "sp-webinar",
        "sp-webinar-questions",
        "sp-webinar-backstage",
        "psi-panel-7",
        "psi-panel-7-questions",
        "psi-panel-7-backstage",
    }
    for speaker in SPEAKERS:
        assert ws.find_user(f"{speaker.key}@example.org") is not None
    participants = [u for u in ws.users.values() if u.name.startswith("participant")]
    assert len(participants) == 20
    assert len({u.tz for u in participants}) >= 6 and len({u.locale for u in participants}) >= 3
    assert all(ws.bot.user_id not in c.members for c in ws.channels.values())


def test_a_workspace_file_replaces_the_default(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "workspace.yaml"
    path.write_text(
        "team: {name: Tiny}\n"
        "users:\n"
        "  - {name: alice, email: alice@example.org, tz: Asia/Kolkata, locale: en-IN}\n"
        "  - {name: bob, tz: America/New_York}\n"
        "channels:\n"
        "  - {name: town-hall, members: [alice, bob], bot_member: true}\n",
        encoding="utf-8",
    )
    with LocalSlack(clock=clock, workspace=path) as slack:
        client = slack.web_client(retry_handlers=[])
        assert [c["name"] for c in client.conversations_list()["channels"]] == ["town-hall"]
        assert client.chat_postMessage(channel="town-hall", text="hello")["ok"]
        assert client.users_lookupByEmail(email="alice@example.org")["user"]["tz"] == "Asia/Kolkata"


def test_a_workspace_file_with_an_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "workspace.json"
    path.write_text(json.dumps({"users": [{"name": "carol", "tz": "Europe/Geneva"}]}), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown time zone"):
        load_workspace(path, IdFactory())


def test_malformed_bodies_get_slack_errors_not_tracebacks(slack: LocalSlack, client: WebClient) -> None:
    join(client, "general")

    def post(body: bytes, content_type: str) -> dict[str, Any]:
        request = urllib.request.Request(
            slack.api_url + "chat.postMessage",
            data=body,
            method="POST",
            headers={"Content-Type": content_type, "Authorization": f"Bearer {slack.bot_token}"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return dict(json.loads(response.read()))

    assert post(b"{not json", "application/json")["error"] == "invalid_json"
    assert post(b"[1, 2]", "application/json")["error"] == "json_not_object"
    assert post(b'{"channel": "general", "text": "x", "blocks": "[oops"}', "application/json")["error"] == (
        "invalid_blocks_format"
    )


SAMPLES = SHARED_SLACK / "events"
needs_samples = pytest.mark.skipif(not SAMPLES.exists(), reason=f"Slack's sample events are not at {SAMPLES}")


def _sample(name: str) -> dict[str, Any]:
    return dict(json.loads((SAMPLES / name).read_text(encoding="utf-8")))


@pytest.mark.shared
@needs_samples
def test_event_envelopes_carry_every_field_the_event_wrapper_schema_requires(slack: LocalSlack) -> None:
    schema = json.loads((SHARED_SLACK / "slack_common_event_wrapper_schema.json").read_text(encoding="utf-8"))
    join(slack.web_client(), "general")
    general = slack.workspace.find_channel("general")
    assert general is not None
    envelope = slack.events.envelope(slack.events.member_joined("U1", general)[0])
    assert set(schema["required"]) <= set(envelope)
    assert set(schema["properties"]["event"]["required"]) <= set(envelope["event"])


@pytest.mark.shared
@needs_samples
def test_reaction_and_message_events_have_the_sample_fields(slack: LocalSlack, client: WebClient) -> None:
    (channel,) = join(client, "general")
    parent = client.chat_postMessage(channel=channel, text="Q1")["ts"]
    user = slack.user("participant01")
    reply_ts = user.post("general", "me too", thread_ts=parent)
    message = slack.workspace.message(channel, reply_ts)
    assert message is not None
    (event,) = slack.events.message_events(message)
    expected = set(_sample("message.json")["event"]) - {
        "bot_id",
        "bot_profile",
        "attachments",
        "edited",
        "blocks",
    }
    assert expected <= set(event)
    (reaction,) = slack.events.reaction(True, user.id, message, "+1")
    assert set(_sample("reaction_added.json")["event"]) <= set(reaction)


@pytest.mark.shared
@needs_samples
def test_block_actions_and_view_submission_payloads_have_the_sample_top_level_fields(
    slack: LocalSlack, client: WebClient
) -> None:
    # Left out: fields of workflow functions, link unfurls and (for message buttons) views.
    sample_actions = set(_sample("block_actions.json")) - {
        "function_data",
        "bot_access_token",
        "interactivity",
        "app_unfurl",
        "view",
    }
    user = slack.user("participant01")
    (channel,) = join(client, "general")
    button = {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "action_id": "go"}
    client.chat_postMessage(channel=channel, text="x", blocks=[{"type": "actions", "elements": [button]}])
    message = slack.messages(channel)[0]
    body = slack.workspace.message_to_api(message)
    conversation = slack.workspace.find_channel(channel)
    payload = slack.events.block_actions(
        user.user, {"action_id": "go"}, "1.2.3", channel=conversation, message=body, response_url="http://x/"
    )
    assert sample_actions <= set(payload)
    assert set(_sample("view_submission.json")) - {
        "function_data",
        "interactivity",
        "bot_access_token",
        "is_cleared",
    } <= set(slack.events.view_submission(user.user, _any_view(slack), "1.2.3"))


def _any_view(slack: LocalSlack) -> View:
    ws = slack.workspace
    return View(
        id="V1", team_id=ws.team.id, type="modal", user_id="U1", app_id=ws.bot.app_id, bot_id=ws.bot.bot_id
    )
