"""The transcript: JSON lines with agenda and transport time, and the per-channel chat view."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.localslack import LocalSlack
from localslack.helpers import START, join


def test_every_call_is_written_as_a_json_line_with_agenda_transport_and_wall_time(
    tmp_path: Path, clock: ManualClock
) -> None:
    path = tmp_path / "session.jsonl"
    with LocalSlack(clock=clock, transcript_path=path) as slack:
        client = slack.web_client(retry_handlers=[])
        (channel,) = join(client, "general")
        clock.advance(timedelta(minutes=4))
        client.chat_postMessage(channel=channel, text="Starting soon")
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    posts = [line for line in lines if line["name"] == "chat.postMessage"]
    assert len(posts) == 1
    post = posts[0]
    assert post["kind"] == "call" and post["ok"] is True and post["channel"] == channel
    assert post["agenda"] == (START + timedelta(minutes=4)).isoformat()
    assert post["transport"] == 240.0 and post["wall"] > 1_600_000_000
    assert post["args"]["text"] == "Starting soon"


def test_tokens_never_reach_the_transcript(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "session.jsonl"
    with LocalSlack(clock=clock, transcript_path=path) as slack:
        client = slack.web_client(retry_handlers=[])
        client.api_call("auth.test", params={"token": slack.bot_token})
        client.apps_connections_open(app_token=slack.app_token)
        text = path.read_text(encoding="utf-8")
        assert slack.bot_token not in text and slack.app_token not in text
        assert slack.bot_token[8:] not in text


def test_simulated_actions_and_deliveries_are_recorded(slack: LocalSlack) -> None:
    slack.user("participant01").post("general", "hi all")
    (action,) = [e for e in slack.transcript.entries() if e.kind == "action"]
    assert action.name == "post" and action.channel == slack.channel_id("general")


def test_the_channel_view_shows_messages_in_order_with_replies_under_their_parent(
    slack: LocalSlack, clock: ManualClock
) -> None:
    client = slack.web_client(retry_handlers=[])
    (channel,) = join(client, "sp-webinar-questions")
    clock.advance(timedelta(minutes=4))
    question = slack.user("participant01").post(channel, "Q1: how big was the sample?")
    clock.advance(timedelta(minutes=1))
    client.chat_postMessage(channel=channel, text="Q2 from the chat: any code?")
    clock.advance(timedelta(seconds=30))
    client.chat_postMessage(channel=channel, text="Answered by Dr Pal", thread_ts=question)
    slack.user("participant02").react(channel, question, "+1")
    client.chat_postEphemeral(channel=channel, user=slack.user("participant03").id, text="Your vote counted")

    view = slack.render_by_channel()
    section = view[view.index("#sp-webinar-questions") :]
    lines = section.splitlines()
    assert lines[1] == "  14:04:00  participant01: Q1: how big was the sample? [:+1: 1]"
    assert lines[2] == "      ↳ 14:05:30  webinar-bot: Answered by Dr Pal"
    assert lines[3] == "  14:05:00  webinar-bot: Q2 from the chat: any code?"
    assert lines[4] == "  14:05:30  webinar-bot [only participant03]: Your vote counted"
