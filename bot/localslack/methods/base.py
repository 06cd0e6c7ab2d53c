"""What every Web API handler shares: its context, argument access, and the Slack error it raises."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bot.clock import Clock
from bot.localslack.events import EventFactory
from bot.localslack.ids import IdFactory
from bot.localslack.interactions import Interactions
from bot.localslack.socketmode import SocketModeServer
from bot.localslack.workspace import Channel, User, Workspace


class ApiError(Exception):
    """A Slack API failure: `{"ok": false, "error": code, **extra}` with HTTP 200."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


class AppLevel(Protocol):
    """What the app's own methods reach beyond one workspace: the OAuth exchange and uninstalling."""

    def exchange_code(
        self, client_id: str, client_secret: str, code: str, redirect_uri: str
    ) -> dict[str, Any]:
        """`oauth.v2.access`'s answer; raises ApiError with Slack's error code."""
        ...

    def uninstall_app(self, team_id: str, client_id: str, client_secret: str) -> None:
        """`apps.uninstall`: revoke the workspace's tokens, tell the app; raises ApiError."""
        ...


@dataclass
class ApiContext:
    ws: Workspace
    clock: Clock
    ids: IdFactory
    events: EventFactory
    interactions: Interactions
    sockets: SocketModeServer
    emit: Callable[[list[dict[str, Any]]], None]  # inner events, delivered in the background
    app: AppLevel | None = None  # the app across workspaces (OAuth), for the methods that need it

    def now_ts(self) -> str:
        return self.ids.ts(self.clock.now())

    def now_epoch(self) -> int:
        return int(self.clock.now().timestamp())

    def channel(self, ref: str) -> Channel:
        channel = self.ws.find_channel(ref)
        if channel is None:
            raise ApiError("channel_not_found")
        return channel

    def readable_channel(self, ref: str) -> Channel:
        """A conversation the bot may read (history, replies): it must be a member."""
        channel = self.channel(ref)
        if self.ws.bot.user_id not in channel.members:
            if channel.is_private:
                raise ApiError("channel_not_found")
            raise ApiError("not_in_channel")
        return channel

    def user(self, ref: str, error: str = "user_not_found") -> User:
        user = self.ws.users.get(ref)
        if user is None:
            raise ApiError(error)
        return user

    def short_id(self) -> str:
        return self.ids.secret(3)[:5]


class Args:
    """The call's arguments, merged from query string and body, whatever their encoding."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    def has(self, name: str) -> bool:
        value = self.values.get(name)
        return value is not None and value != ""

    def text(self, name: str, default: str = "") -> str:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list | dict):
            return json.dumps(value)
        return str(value)

    def opt(self, name: str) -> str | None:
        return self.text(name) if self.has(name) else None

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("1", "true", "yes")

    def number(self, name: str, default: int) -> int:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(
                "invalid_arguments",
                response_metadata={"messages": [f"[ERROR] must be an integer [json-pointer:/{name}]"]},
            ) from None

    def structured(self, name: str, error: str) -> Any:
        """A structured argument: already decoded (JSON bodies) or a JSON string (form bodies)."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, list | dict):
            return value
        try:
            return json.loads(str(value))
        except ValueError:
            raise ApiError(error) from None

    def csv(self, name: str) -> list[str]:
        value = self.values.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return [str(v) for v in value]
        return [part.strip() for part in str(value).split(",") if part.strip()]


Handler = Callable[[ApiContext, Args], dict[str, Any]]


def paginate(items: list[Any], args: Args, default_limit: int = 100) -> tuple[list[Any], str]:
    """Slack's cursor pagination: a page of `limit` items and the `next_cursor` ('' on the last page)."""
    limit = max(1, min(args.number("limit", default_limit) or default_limit, 1000))
    cursor = args.text("cursor")
    start = 0
    if cursor:
        try:
            decoded = base64.b64decode(cursor.encode(), validate=True).decode()
            prefix, _, number = decoded.partition(":")
            if prefix != "offset":
                raise ValueError(decoded)
            start = int(number)
        except ValueError:
            raise ApiError("invalid_cursor") from None
    page = items[start : start + limit]
    end = start + len(page)
    next_cursor = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(items) else ""
    return page, next_cursor
