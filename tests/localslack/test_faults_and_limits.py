"""Slack's rate limits and the fault switches, seen through the real WebClient and its retry handlers.

The stand-in counts limits on the ManualClock; the retry handlers wait on the same clock, so a
`Retry-After` costs no real time and the buckets refill exactly.
"""

from __future__ import annotations

import threading
import urllib.error
from http.client import RemoteDisconnected
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError

from bot.clock import ManualClock
from bot.localslack import LocalSlack
from bot.slack.client import (
    ClockConnectionErrorRetryHandler,
    ClockRateLimitRetryHandler,
    ClockServerErrorRetryHandler,
    clock_retry_handlers,
)
from localslack.helpers import join

WAIT = 5.0


def test_a_burst_on_one_channel_gets_429_with_retry_after(slack: LocalSlack) -> None:
    client = slack.web_client(retry_handlers=[])
    (channel,) = join(client, "general")
    for n in range(5):
        client.chat_postMessage(channel=channel, text=f"burst {n}")
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=channel, text="one too many")
    assert raised.value.response.status_code == 429
    assert raised.value.response["error"] == "ratelimited"
    assert raised.value.response.headers["Retry-After"] == "1"


def test_other_channels_have_their_own_posting_budget(slack: LocalSlack) -> None:
    client = slack.web_client(retry_handlers=[])
    first, second = join(client, "general", "sp-webinar")
    for n in range(5):
        client.chat_postMessage(channel=first, text=f"burst {n}")
    assert client.chat_postMessage(channel=second, text="elsewhere")["ok"]


def test_advancing_the_clock_refills_the_bucket(slack: LocalSlack, clock: ManualClock) -> None:
    client = slack.web_client(retry_handlers=[])
    (channel,) = join(client, "general")
    for n in range(5):
        client.chat_postMessage(channel=channel, text=f"burst {n}")
    clock.advance(1.0)
    assert client.chat_postMessage(channel=channel, text="after a second")["ok"]
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=channel, text="but only one")


def test_with_the_rate_limit_retry_handler_every_post_eventually_succeeds(
    slack: LocalSlack, clock: ManualClock
) -> None:
    client = slack.web_client(retry_handlers=[ClockRateLimitRetryHandler(clock, max_retry_count=3)])
    (channel,) = join(client, "general")
    stamps = [client.chat_postMessage(channel=channel, text=f"cue {n}")["ts"] for n in range(12)]
    assert len(set(stamps)) == 12
    assert clock.slept == [1.0] * 7
    assert len(slack.transcript.calls("chat.postMessage", ok=False)) == 7


def test_tier_limits_apply_per_method(slack: LocalSlack) -> None:
    client = slack.web_client(retry_handlers=[])
    for _ in range(20):  # conversations.list is Tier 2: 20 per minute
        client.conversations_list()
    with pytest.raises(SlackApiError) as raised:
        client.conversations_list()
    assert raised.value.response.status_code == 429
    assert int(raised.value.response.headers["Retry-After"]) == 3
    assert client.users_info(user=slack.user("pal").id)["ok"]


def test_the_429_switch_answers_with_the_chosen_retry_after(slack: LocalSlack, clock: ManualClock) -> None:
    slack.faults.rate_limit("users.info", retry_after=30)
    plain = slack.web_client(retry_handlers=[])
    with pytest.raises(SlackApiError) as raised:
        plain.users_info(user=slack.user("pal").id)
    assert raised.value.response.headers["Retry-After"] == "30"
    slack.faults.rate_limit("users.info", retry_after=30)
    patient = slack.web_client(retry_handlers=[ClockRateLimitRetryHandler(clock)])
    assert patient.users_info(user=slack.user("pal").id)["ok"]
    assert clock.slept == [30.0]


def test_the_5xx_switch_is_recovered_by_the_server_error_retry_handler(
    slack: LocalSlack, clock: ManualClock
) -> None:
    slack.faults.server_error("auth.test", status=503)
    plain = slack.web_client(retry_handlers=[])
    with pytest.raises(SlackApiError) as raised:
        plain.auth_test()
    assert raised.value.response.status_code == 503
    slack.faults.server_error("auth.test", status=500)
    patient = slack.web_client(retry_handlers=[ClockServerErrorRetryHandler(clock)])
    assert patient.auth_test()["ok"]
    assert len(clock.slept) == 1


def test_a_fault_window_in_clock_time_ends_when_the_clock_passes_it(
    slack: LocalSlack, clock: ManualClock
) -> None:
    slack.faults.server_error(seconds=10, status=502)
    client = slack.web_client(retry_handlers=[])
    for _ in range(3):
        with pytest.raises(SlackApiError):
            client.auth_test()
    clock.advance(10)
    assert client.auth_test()["ok"]


def test_a_timed_out_request_leaves_nothing_behind(slack: LocalSlack) -> None:
    client = slack.web_client(retry_handlers=[], timeout=0.2)
    (channel,) = join(client, "general")
    slack.faults.timeout("chat.postMessage", hold_seconds=5)
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        client.chat_postMessage(channel=channel, text="lost in transit")
    assert slack.messages(channel) == []
    assert client.chat_postMessage(channel=channel, text="second try")["ok"]


def test_a_connection_dropped_after_accepting_a_post_still_stored_the_message(slack: LocalSlack) -> None:
    client = slack.web_client(retry_handlers=[])
    (channel,) = join(client, "general")
    slack.faults.drop_after_accept("chat.postMessage")
    with pytest.raises((RemoteDisconnected, urllib.error.URLError, ConnectionError)):
        client.chat_postMessage(channel=channel, text="Q&A starts now")
    assert [m.text for m in slack.messages(channel)] == ["Q&A starts now"]


def test_a_client_that_retries_dropped_connections_posts_twice(slack: LocalSlack, clock: ManualClock) -> None:
    client = slack.web_client(retry_handlers=[ClockConnectionErrorRetryHandler(clock)])
    (channel,) = join(client, "general")
    slack.faults.drop_after_accept("chat.postMessage")
    assert client.chat_postMessage(channel=channel, text="Q&A starts now")["ok"]
    assert [m.text for m in slack.messages(channel)] == ["Q&A starts now", "Q&A starts now"]


def test_all_clock_retry_handlers_together_ride_out_a_mixed_storm(
    slack: LocalSlack, clock: ManualClock
) -> None:
    client = slack.web_client(retry_handlers=clock_retry_handlers(clock, max_retry_count=3))
    slack.faults.server_error("auth.test", count=1, status=503)
    slack.faults.rate_limit("auth.test", count=1, retry_after=2)
    assert client.auth_test()["ok"]
    assert 2.0 in clock.slept


def test_a_duplicated_event_reaches_the_bot_twice_with_the_same_event_id(
    slack: LocalSlack, app: App, socket_mode: SocketModeHandler
) -> None:
    bodies: list[dict[str, Any]] = []
    twice = threading.Event()

    @app.event("message")
    def on_message(body: dict[str, Any]) -> None:
        bodies.append(body)
        if len(bodies) == 2:
            twice.set()

    join(slack.web_client(), "general")
    slack.faults.duplicate_events()
    slack.user("participant08").post("general", "+1 for the slides")
    assert twice.wait(WAIT)
    assert bodies[0]["event_id"] == bodies[1]["event_id"]
    assert slack.user("participant08").last_deliveries[0].duplicated


def test_rate_limits_can_be_switched_off_for_benchmarks(clock: ManualClock) -> None:
    with LocalSlack(clock=clock, rate_limits=False) as unlimited:
        client = unlimited.web_client(retry_handlers=[])
        (channel,) = join(client, "general")
        assert all(client.chat_postMessage(channel=channel, text=str(n))["ok"] for n in range(20))
