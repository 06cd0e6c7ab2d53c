"""Slack-shaped payloads toward the bot: Events API envelopes and interaction payloads.

Which events the bot gets follows Slack's rules for a bot subscribed to `message.channels`,
`message.groups`, `message.im`, `app_mention`, `reaction_added/removed`, `member_joined_channel` and
`app_home_opened`: channel events only for conversations the bot is a member of; its own messages
included (with `bot_id`, so Bolt can skip them).
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from bot.clock import Clock
from bot.localslack.ids import IdFactory
from bot.localslack.workspace import Channel, Message, User, View, Workspace

DEFAULT_SUBSCRIPTIONS = frozenset(
    {
        "message.channels",
        "message.groups",
        "message.im",
        "message.mpim",
        "app_mention",
        "reaction_added",
        "reaction_removed",
        "member_joined_channel",
        "app_home_opened",
        "app_uninstalled",
        "tokens_revoked",
    }
)
# Sent when the app loses a workspace: they still reach the app, after its tokens stopped working.
FAREWELL_EVENTS = frozenset({"app_uninstalled", "tokens_revoked"})


_MESSAGE_SUBSCRIPTIONS = MappingProxyType(
    {
        "channel": "message.channels",
        "group": "message.groups",
        "im": "message.im",
        "mpim": "message.mpim",
    }
)


def subscription_of(event: dict[str, Any]) -> str:
    """The bot event subscription an event needs: `message.<channel type>` for messages, else its type."""
    kind = str(event.get("type"))
    if kind == "message":
        return _MESSAGE_SUBSCRIPTIONS.get(str(event.get("channel_type")), "message.channels")
    return kind


class EventFactory:
    def __init__(
        self,
        ws: Workspace,
        ids: IdFactory,
        clock: Clock,
        verification_token: str,
        subscriptions: frozenset[str] = DEFAULT_SUBSCRIPTIONS,
        installed: Callable[[], bool] = lambda: True,
    ) -> None:
        """`installed`: whether the app is installed in `ws` now (no events reach an app that is not)."""
        self._ws = ws
        self._installed = installed
        self._ids = ids
        self._clock = clock
        self._token = verification_token
        self.subscriptions = subscriptions

    def subscribed(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The events the app subscribed to (its manifest's `bot_events`), while it is installed."""
        installed = self._installed()
        return [
            e
            for e in events
            if subscription_of(e) in self.subscriptions and (installed or e.get("type") in FAREWELL_EVENTS)
        ]

    # -- Events API --------------------------------------------------------------------------
    def envelope(self, event: dict[str, Any]) -> dict[str, Any]:
        """The `event_callback` wrapper Slack puts around every event."""
        team_id = self._ws.team.id
        return {
            "token": self._token,
            "team_id": team_id,
            "context_team_id": team_id,
            "context_enterprise_id": None,
            "api_app_id": self._ws.bot.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": self._ids.event_id(),
            "event_time": int(self._clock.now().timestamp()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": self._ws.bot.user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "authed_users": [self._ws.bot.user_id],
            "is_ext_shared_channel": False,
            "event_context": "4-" + self._ids.secret(12),
        }

    def _bot_sees(self, channel: Channel) -> bool:
        return self._ws.bot.user_id in channel.members

    def _event_ts(self) -> str:
        return self._ids.ts(self._clock.now())

    def message_events(self, message: Message) -> list[dict[str, Any]]:
        """`message` (and `app_mention` when the bot is mentioned) for a new message."""
        with self._ws.lock:
            channel = self._ws.channels[message.channel]
            if not self._bot_sees(channel):
                return []
            body = self._ws.message_to_api(message)
        for key in ("reply_count", "reply_users", "reply_users_count", "latest_reply", "reactions"):
            body.pop(key, None)
        event = {**body, "channel": channel.id, "event_ts": message.ts, "channel_type": channel.channel_type}
        events = [event]
        if f"<@{self._ws.bot.user_id}>" in message.text and not channel.is_im and not message.bot_id:
            mention = {k: v for k, v in event.items() if k != "channel_type"}
            mention["type"] = "app_mention"
            events.append(mention)
        return events

    def message_changed(self, message: Message, previous: dict[str, Any]) -> list[dict[str, Any]]:
        with self._ws.lock:
            channel = self._ws.channels[message.channel]
            if not self._bot_sees(channel):
                return []
            current = self._ws.message_to_api(message)
        ts = self._event_ts()
        return [
            {
                "type": "message",
                "subtype": "message_changed",
                "hidden": True,
                "channel": channel.id,
                "ts": ts,
                "event_ts": ts,
                "message": current,
                "previous_message": previous,
                "channel_type": channel.channel_type,
            }
        ]

    def message_deleted(self, message: Message, previous: dict[str, Any]) -> list[dict[str, Any]]:
        with self._ws.lock:
            channel = self._ws.channels[message.channel]
            if not self._bot_sees(channel):
                return []
        ts = self._event_ts()
        event: dict[str, Any] = {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "channel": channel.id,
            "ts": ts,
            "event_ts": ts,
            "deleted_ts": message.ts,
            "previous_message": previous,
            "channel_type": channel.channel_type,
        }
        if message.is_reply:
            event["thread_ts"] = message.thread_ts
        return [event]

    def reaction(self, added: bool, user_id: str, message: Message, name: str) -> list[dict[str, Any]]:
        with self._ws.lock:
            if not self._bot_sees(self._ws.channels[message.channel]):
                return []
        return [
            {
                "type": "reaction_added" if added else "reaction_removed",
                "user": user_id,
                "reaction": name,
                "item": {"type": "message", "channel": message.channel, "ts": message.ts},
                "item_user": message.user,
                "event_ts": self._event_ts(),
            }
        ]

    def member_joined(self, user_id: str, channel: Channel) -> list[dict[str, Any]]:
        if not self._bot_sees(channel):
            return []
        return [
            {
                "type": "member_joined_channel",
                "user": user_id,
                "channel": channel.id,
                "channel_type": "G" if channel.is_private else "C",
                "team": self._ws.team.id,
                "event_ts": self._event_ts(),
            }
        ]

    def app_home_opened(self, user_id: str, im: Channel, home: View | None) -> list[dict[str, Any]]:
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": im.id,
            "tab": "home",
            "event_ts": self._event_ts(),
        }
        if home is not None:
            event["view"] = home.to_api()
        return [event]

    def farewell(self) -> list[dict[str, Any]]:
        """`tokens_revoked` (the bot's token) then `app_uninstalled`, as Slack sends on an uninstall."""
        ts = self._event_ts()
        return [
            {
                "type": "tokens_revoked",
                "tokens": {"oauth": [], "bot": [self._ws.bot.user_id]},
                "event_ts": ts,
            },
            {"type": "app_uninstalled", "event_ts": ts},
        ]

    # -- interactivity -----------------------------------------------------------------------
    def _user(self, user: User) -> dict[str, Any]:
        return {"id": user.id, "username": user.name, "name": user.name, "team_id": self._ws.team.id}

    def _team(self) -> dict[str, Any]:
        return {"id": self._ws.team.id, "domain": self._ws.team.domain}

    def slash_command(
        self, user: User, channel: Channel, command: str, text: str, response_url: str, trigger_id: str
    ) -> dict[str, Any]:
        """The form fields of a slash command request (all strings, as Slack posts them)."""
        return {
            "token": self._token,
            "team_id": self._ws.team.id,
            "team_domain": self._ws.team.domain,
            "channel_id": channel.id,
            "channel_name": "directmessage" if channel.is_im else channel.name,
            "user_id": user.id,
            "user_name": user.name,
            "command": command,
            "text": text,
            "api_app_id": self._ws.bot.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }

    def block_actions(
        self,
        user: User,
        action: dict[str, Any],
        trigger_id: str,
        *,
        channel: Channel | None = None,
        message: dict[str, Any] | None = None,
        is_ephemeral: bool = False,
        response_url: str | None = None,
        view: View | None = None,
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user),
            "api_app_id": self._ws.bot.app_id,
            "token": self._token,
            "trigger_id": trigger_id,
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [action],
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.id}
            payload["view"] = view.to_api()
            payload["state"] = {"values": view.state_values}
        elif channel is not None and message is not None:
            payload["container"] = {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel.id,
                "is_ephemeral": is_ephemeral,
            }
            if "thread_ts" in message:
                payload["container"]["thread_ts"] = message["thread_ts"]
            payload["channel"] = {"id": channel.id, "name": channel.name}
            payload["message"] = message
            payload["state"] = {"values": {}}
            payload["response_url"] = response_url
        return payload

    def view_submission(self, user: User, view: View, trigger_id: str) -> dict[str, Any]:
        return {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user),
            "api_app_id": self._ws.bot.app_id,
            "token": self._token,
            "trigger_id": trigger_id,
            "view": view.to_api(),
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def view_closed(self, user: User, view: View) -> dict[str, Any]:
        return {
            "type": "view_closed",
            "team": self._team(),
            "user": self._user(user),
            "api_app_id": self._ws.bot.app_id,
            "token": self._token,
            "view": view.to_api(),
            "is_cleared": False,
            "is_enterprise_install": False,
        }

    def shortcut(
        self,
        user: User,
        callback_id: str,
        trigger_id: str,
        *,
        channel: Channel | None = None,
        message: dict[str, Any] | None = None,
        response_url: str | None = None,
    ) -> dict[str, Any]:
        """A message shortcut (`message_action`) when a message is given, else a global `shortcut`."""
        payload: dict[str, Any] = {
            "type": "shortcut" if message is None else "message_action",
            "token": self._token,
            "action_ts": self._event_ts(),
            "team": self._team(),
            "user": self._user(user),
            "callback_id": callback_id,
            "trigger_id": trigger_id,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        if message is not None and channel is not None:
            payload["channel"] = {"id": channel.id, "name": channel.name}
            payload["message"] = message
            payload["message_ts"] = message["ts"]
            payload["response_url"] = response_url
        return payload
