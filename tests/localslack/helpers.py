"""Helpers for the stand-in's tests (importable as `localslack.helpers`: pytest puts tests/ on the path)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient

from bot.localslack import LocalSlack

START = datetime(2018, 10, 23, 14, 0, tzinfo=UTC)
SHARED_SLACK = Path(__file__).resolve().parents[2].parent / "shared" / "slack"


def make_app(slack: LocalSlack, **kwargs: Any) -> App:
    """A real Bolt app whose WebClient talks to the stand-in."""
    return App(
        token=slack.bot_token,
        signing_secret=slack.signing_secret,
        client=WebClient(token=slack.bot_token, base_url=slack.api_url, retry_handlers=[]),
        logger=logging.getLogger("bolt-under-test"),
        **kwargs,
    )


def join(client: WebClient, *channels: str) -> list[str]:
    """Have the bot join channels by name; returns their ids."""
    ids = []
    for name in channels:
        ids.append(
            client.conversations_join(channel=name if name.startswith("C") else _lookup(client, name))[
                "channel"
            ]["id"]
        )
    return ids


def _lookup(client: WebClient, name: str) -> str:
    for channel in client.conversations_list(limit=1000)["channels"]:
        if channel["name"] == name:
            return str(channel["id"])
    raise KeyError(name)


def close_handler(handler: SocketModeHandler | SocketModeClient, slack: LocalSlack) -> None:
    """Close a Socket Mode client promptly.

    slack_sdk's built-in client only notices a close between 1 s queue polls and 3 s socket reads; so
    tell it first that it is closing (no reconnect), wake its queue, and drop the socket from our side.
    """
    client = handler.client if isinstance(handler, SocketModeHandler) else handler
    client.closed = True
    client.auto_reconnect_enabled = False
    client.message_queue.put("")
    slack.sockets.close_connections()
    try:
        client.close()
    except AttributeError:  # slack_sdk races its own receive thread to the socket; closing again finishes
        client.close()


# The test apps do not all listen for the bot's own channel joins; Slack re-sends unacknowledged events.
TEST_SUBSCRIPTIONS = frozenset(
    {
        "message.channels",
        "message.groups",
        "message.im",
        "message.mpim",
        "app_mention",
        "reaction_added",
        "reaction_removed",
        "app_home_opened",
    }
)
