"""Events, commands and interactions delivered over HTTP to a real Bolt app (Bolt's WSGI adapter).

Covers Slack's request signing as Bolt verifies it: a good signature is accepted; the wrong secret, or a
timestamp 301 s old, is refused with 401. A bot that does not answer within the deadline gets the event
again with `X-Slack-Retry-Num: 1`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.clock import ManualClock
from bot.localslack import LocalSlack
from bot.localslack.signing import signature
from localslack.helpers import TEST_SUBSCRIPTIONS, join, make_app

WAIT = 5.0


def test_signatures_match_slack_sdks_verifier() -> None:
    body = b'{"type":"event_callback"}'
    verifier = SignatureVerifier("8f742231b10e8888abcd99yyyzzz85a5")
    assert signature("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", body) == verifier.generate_signature(
        timestamp="1531420618", body=body
    )


@pytest.fixture
def http_app(
    slack: LocalSlack, serve_http: Callable[[App], str]
) -> tuple[App, list[dict[str, Any]], threading.Event]:
    """A Bolt app served over HTTP, recording the messages it is given."""
    app = make_app(slack)
    received: list[dict[str, Any]] = []
    arrived = threading.Event()

    @app.event("message")
    def on_message(event: dict[str, Any]) -> None:
        received.append(event)
        arrived.set()

    slack.connect_http(serve_http(app))
    return app, received, arrived


def test_a_signed_event_is_accepted_and_reaches_the_listener(
    slack: LocalSlack, client: WebClient, http_app: tuple[App, list[dict[str, Any]], threading.Event]
) -> None:
    _, received, arrived = http_app
    join(client, "general")
    ts = slack.user("participant01").post("general", "hello over HTTP")
    result = slack.user("participant01").last_deliveries[0]
    assert result.transport == "http" and result.acked and result.status == 200 and result.attempts == 1
    assert arrived.wait(WAIT) and received[0]["ts"] == ts


def test_an_event_signed_with_the_wrong_secret_is_refused_with_401(
    slack: LocalSlack, client: WebClient, http_app: tuple[App, list[dict[str, Any]], threading.Event]
) -> None:
    _, received, _ = http_app
    join(client, "general")
    slack.faults.bad_signature(count=4)  # the first delivery and its 3 retries
    slack.user("participant02").post("general", "forged")
    result = slack.user("participant02").last_deliveries[0]
    assert result.status == 401 and not result.acked and result.attempts == 4
    assert received == []


def test_an_event_signed_301_seconds_ago_is_refused_with_401(
    slack: LocalSlack, client: WebClient, http_app: tuple[App, list[dict[str, Any]], threading.Event]
) -> None:
    join(client, "general")
    slack.faults.stale_timestamp(age_seconds=301)
    slack.user("participant03").post("general", "replayed")
    result = slack.user("participant03").last_deliveries[0]
    assert result.attempts == 2 and result.acked  # refused once (401), accepted on the retry


def test_a_slash_command_over_http_gets_its_ack_text_as_an_ephemeral(
    slack: LocalSlack, serve_http: Callable[[App], str]
) -> None:
    app = make_app(slack)

    @app.command("/webinar")
    def webinar(ack: Ack, command: dict[str, Any]) -> None:
        ack(f"Next up: {command['text'] or 'nothing'}")

    slack.connect_http(serve_http(app))
    moderator = slack.user("moderator")
    result = moderator.slash("/webinar", "agenda", channel="sp-webinar")
    assert result.transport == "http" and result.acked and result.effect == "ephemeral"
    assert moderator.ephemerals("sp-webinar")[0].text == "Next up: agenda"


def test_a_button_click_over_http_reaches_app_action(
    slack: LocalSlack, client: WebClient, serve_http: Callable[[App], str]
) -> None:
    app = make_app(slack)
    clicks: list[dict[str, Any]] = []
    clicked = threading.Event()

    @app.action("upvote")
    def upvote(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        clicks.append(body)
        clicked.set()

    slack.connect_http(serve_http(app))
    (channel,) = join(client, "sp-webinar-questions")
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "+1"},
        "action_id": "upvote",
        "value": "q1",
    }
    ts = client.chat_postMessage(
        channel=channel, text="Q1", blocks=[{"type": "actions", "elements": [button]}]
    )["ts"]
    assert slack.user("participant05").click(channel, ts, "upvote").acked
    assert clicked.wait(WAIT) and clicks[0]["actions"][0]["value"] == "q1"


@pytest.fixture
def quick_slack(clock: ManualClock) -> Iterator[LocalSlack]:
    with LocalSlack(clock=clock, ack_timeout=0.2, subscriptions=TEST_SUBSCRIPTIONS) as stand_in:
        yield stand_in


def test_a_bot_that_does_not_answer_in_time_gets_the_event_again_with_retry_num_1(
    quick_slack: LocalSlack, serve_http: Callable[[App], str]
) -> None:
    slack = quick_slack
    app = make_app(slack, process_before_response=True)
    release = threading.Event()
    retries: list[tuple[str | None, str | None]] = []

    @app.event("message")
    def slow(request: BoltRequest) -> None:
        retry = request.headers.get("x-slack-retry-num", [None])[0]
        if retry is None:
            release.wait(WAIT)  # the first delivery hangs past the 0.2 s deadline
        else:
            retries.append((retry, request.headers.get("x-slack-retry-reason", [None])[0]))

    slack.connect_http(serve_http(app))
    slack.web_client().conversations_join(channel=slack.channel_id("general"))
    try:
        slack.user("participant06").post("general", "anyone?")
        result = slack.user("participant06").last_deliveries[0]
    finally:
        release.set()
    assert result.acked and result.attempts == 2
    assert retries == [("1", "http_timeout")]
