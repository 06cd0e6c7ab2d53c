"""The stand-in's state: one Slack workspace as the bot and its users see it.

Everything is kept in plain dataclasses behind one re-entrant lock (`Workspace.lock`), so a Web API
handler can check and change several things atomically (hold the lock for the whole handler).
The `to_api` methods render the shapes Slack's Web API returns.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.localslack.ids import IdFactory, ts_key


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    domain: str


@dataclass(frozen=True)
class BotIdentity:
    """The app under test: its bot user, bot id and app id."""

    user_id: str
    bot_id: str
    app_id: str
    name: str

    def profile(self, team_id: str) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "app_id": self.app_id,
            "name": self.name,
            "deleted": False,
            "updated": 0,
            "team_id": team_id,
            "icons": {"image_36": "", "image_48": "", "image_72": ""},
        }


@dataclass
class User:
    id: str
    name: str
    real_name: str
    email: str
    tz: str = "UTC"
    locale: str = "en-US"
    display_name: str = ""
    is_bot: bool = False
    deleted: bool = False
    is_admin: bool = False
    tz_label: str | None = None

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def to_api(self, team_id: str, now: datetime, include_locale: bool = False) -> dict[str, Any]:
        local = now.astimezone(self.zone())
        offset = local.utcoffset()
        data: dict[str, Any] = {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": self.tz_label or local.tzname() or self.tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "is_bot": self.is_bot,
            "is_admin": self.is_admin,
            "is_app_user": False,
            "updated": 0,
            "profile": {
                "real_name": self.real_name,
                "display_name": self.display_name or self.name,
                "real_name_normalized": self.real_name,
                "display_name_normalized": self.display_name or self.name,
                "email": self.email,
                "team": team_id,
            },
        }
        if include_locale:
            data["locale"] = self.locale
        return data


@dataclass
class Message:
    channel: str
    ts: str
    user: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    bot_id: str | None = None
    subtype: str | None = None
    client_msg_id: str | None = None
    files: list[str] = field(default_factory=list)
    edited: dict[str, str] | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    replies: list[str] = field(default_factory=list)
    reply_broadcast: bool = False
    deleted: bool = False
    metadata: dict[str, Any] | None = None

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    members: list[str] = field(default_factory=list)
    topic: str = ""
    purpose: str = ""
    created: int = 0
    creator: str = ""
    is_archived: bool = False
    im_user: str | None = None
    messages: dict[str, Message] = field(default_factory=dict)

    @property
    def channel_type(self) -> str:
        """The `channel_type` Slack puts on message events."""
        if self.is_im:
            return "im"
        if self.is_mpim:
            return "mpim"
        return "group" if self.is_private else "channel"

    @property
    def api_type(self) -> str:
        """The name `conversations.list` uses in its `types` filter."""
        if self.is_im:
            return "im"
        if self.is_mpim:
            return "mpim"
        return "private_channel" if self.is_private else "public_channel"

    def to_api(self, bot_user_id: str, include_num_members: bool = False) -> dict[str, Any]:
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private and not self.is_mpim,
            "is_group": self.is_private and not self.is_mpim,
            "is_im": False,
            "is_mpim": self.is_mpim,
            "is_private": self.is_private,
            "created": self.created,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "unlinked": 0,
            "name_normalized": self.name,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_member": bot_user_id in self.members,
            "creator": self.creator,
            "topic": {"value": self.topic, "creator": "", "last_set": 0},
            "purpose": {"value": self.purpose, "creator": "", "last_set": 0},
            "previous_names": [],
        }
        if include_num_members:
            data["num_members"] = len(self.members)
        return data

    def ordered_messages(self) -> list[Message]:
        return sorted(self.messages.values(), key=lambda m: ts_key(m.ts))


@dataclass
class Ephemeral:
    """A message only one user sees; never part of channel history."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    author: str = ""


@dataclass
class View:
    """A modal or an App Home tab the bot opened or published."""

    id: str
    team_id: str
    type: str
    user_id: str
    app_id: str
    bot_id: str
    title: dict[str, Any] | None = None
    submit: dict[str, Any] | None = None
    close: dict[str, Any] | None = None
    blocks: list[dict[str, Any]] = field(default_factory=list)
    callback_id: str = ""
    external_id: str = ""
    private_metadata: str = ""
    hash: str = ""
    state_values: dict[str, dict[str, Any]] = field(default_factory=dict)
    root_view_id: str = ""
    previous_view_id: str | None = None
    notify_on_close: bool = False
    clear_on_close: bool = False
    is_open: bool = True
    errors: dict[str, str] = field(default_factory=dict)

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "team_id": self.team_id,
            "type": self.type,
            "blocks": self.blocks,
            "private_metadata": self.private_metadata,
            "callback_id": self.callback_id,
            "state": {"values": self.state_values},
            "hash": self.hash,
            "title": self.title,
            "submit": self.submit,
            "close": self.close,
            "clear_on_close": self.clear_on_close,
            "notify_on_close": self.notify_on_close,
            "root_view_id": self.root_view_id or self.id,
            "previous_view_id": self.previous_view_id,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "external_id": self.external_id,
            "bot_id": self.bot_id,
        }


@dataclass
class StoredFile:
    id: str
    name: str
    length: int
    user: str
    created: int
    title: str = ""
    content: bytes = b""
    uploaded: bool = False
    completed: bool = False
    shares: dict[str, list[str]] = field(default_factory=dict)

    def to_api(self, base_url: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title or self.name,
            "mimetype": "application/octet-stream",
            "filetype": self.name.rsplit(".", 1)[-1] if "." in self.name else "binary",
            "user": self.user,
            "size": len(self.content) if self.uploaded else self.length,
            "mode": "hosted",
            "is_public": True,
            "url_private": f"{base_url}files/{self.id}/{self.name}",
            "channels": sorted(self.shares),
            "shares": {"public": {c: [{"ts": ts} for ts in tss] for c, tss in self.shares.items()}},
        }


@dataclass
class Usergroup:
    id: str
    handle: str
    name: str
    users: list[str] = field(default_factory=list)

    def to_api(self, team_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "team_id": team_id,
            "handle": self.handle,
            "name": self.name,
            "is_usergroup": True,
            "user_count": len(self.users),
            "users": list(self.users),
        }


class Workspace:
    """Users, conversations, messages, reactions, views and files of one team."""

    def __init__(self, team: Team, bot: BotIdentity, ids: IdFactory) -> None:
        self.lock = threading.RLock()
        self.team = team
        self.bot = bot
        self.ids = ids
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, Usergroup] = {}
        self.views: dict[str, View] = {}
        self.modal_stacks: dict[str, list[str]] = {}
        self.home_views: dict[str, str] = {}
        self.ephemerals: list[Ephemeral] = []
        self.files: dict[str, StoredFile] = {}
        self.base_url = ""  # the stand-in's root URL, "http://127.0.0.1:P/", once it listens
        self.upload_tokens: dict[str, str] = {}  # upload URL token -> file id
        self.users[bot.user_id] = User(
            id=bot.user_id, name=bot.name, real_name=bot.name, email="", is_bot=True
        )

    # -- users -------------------------------------------------------------------------------
    def add_user(self, user: User) -> User:
        with self.lock:
            self.users[user.id] = user
            return user

    def find_user(self, ref: str) -> User | None:
        """A user by id, name, display name or email (the forms tests like to use)."""
        with self.lock:
            if ref in self.users:
                return self.users[ref]
            key = ref.lstrip("@").lower()
            for user in self.users.values():
                if key in (user.name.lower(), user.email.lower(), user.display_name.lower()):
                    return user
            return None

    def humans(self) -> list[User]:
        with self.lock:
            return [u for u in self.users.values() if not u.is_bot]

    # -- conversations -----------------------------------------------------------------------
    def add_channel(self, channel: Channel) -> Channel:
        with self.lock:
            self.channels[channel.id] = channel
            return channel

    def find_channel(self, ref: str) -> Channel | None:
        """A conversation by id, or a channel by `name`/`#name` as chat.postMessage accepts."""
        with self.lock:
            if ref in self.channels:
                return self.channels[ref]
            name = ref.lstrip("#")
            for channel in self.channels.values():
                if not channel.is_im and channel.name == name:
                    return channel
            return None

    def im_between(self, user_id: str, create: bool, created: int = 0) -> Channel | None:
        """The IM between the bot and `user_id`, opened if asked to."""
        with self.lock:
            for channel in self.channels.values():
                if channel.is_im and channel.im_user == user_id:
                    return channel
            if not create:
                return None
            im = Channel(
                id=self.ids.new("D"),
                name=user_id,
                is_private=True,
                is_im=True,
                members=[self.bot.user_id, user_id],
                im_user=user_id,
                created=created,
            )
            self.channels[im.id] = im
            return im

    def conversation_of(self, channel_id: str) -> Channel:
        with self.lock:
            return self.channels[channel_id]

    # -- messages ----------------------------------------------------------------------------
    def add_message(self, message: Message) -> Message:
        """Store a message; a reply is linked to its parent (which must exist)."""
        with self.lock:
            channel = self.channels[message.channel]
            channel.messages[message.ts] = message
            if message.is_reply and message.thread_ts is not None:
                parent = channel.messages[message.thread_ts]
                parent.thread_ts = parent.ts
                parent.replies.append(message.ts)
            return message

    def message(self, channel_id: str, ts: str) -> Message | None:
        with self.lock:
            channel = self.channels.get(channel_id)
            if channel is None:
                return None
            found = channel.messages.get(ts)
            return None if found is None or found.deleted else found

    def message_to_api(self, message: Message) -> dict[str, Any]:
        with self.lock:
            data: dict[str, Any] = {
                "type": "message",
                "ts": message.ts,
                "user": message.user,
                "text": message.text,
                "team": self.team.id,
            }
            if message.subtype:
                data["subtype"] = message.subtype
            if message.bot_id:
                data["bot_id"] = message.bot_id
                data["app_id"] = self.bot.app_id
                data["bot_profile"] = self.bot.profile(self.team.id)
            if message.client_msg_id:
                data["client_msg_id"] = message.client_msg_id
            if message.blocks:
                data["blocks"] = message.blocks
            if message.attachments:
                data["attachments"] = message.attachments
            if message.metadata:
                data["metadata"] = message.metadata
            if message.thread_ts is not None:
                data["thread_ts"] = message.thread_ts
            if message.is_reply and message.thread_ts is not None:
                parent = self.channels[message.channel].messages.get(message.thread_ts)
                if parent is not None:
                    data["parent_user_id"] = parent.user
            if message.replies:
                channel = self.channels[message.channel]
                reply_users: list[str] = []
                for ts in message.replies:
                    reply = channel.messages[ts]
                    if not reply.deleted and reply.user not in reply_users:
                        reply_users.append(reply.user)
                live = [ts for ts in message.replies if not channel.messages[ts].deleted]
                data["reply_count"] = len(live)
                data["reply_users"] = reply_users
                data["reply_users_count"] = len(reply_users)
                data["latest_reply"] = live[-1] if live else message.ts
            if message.edited:
                data["edited"] = dict(message.edited)
            if message.reactions:
                data["reactions"] = [
                    {"name": name, "users": list(users), "count": len(users)}
                    for name, users in message.reactions.items()
                    if users
                ]
            if message.files:
                data["files"] = [
                    self.files[f].to_api(self.base_url) for f in message.files if f in self.files
                ]
                data["upload"] = True
            return data

    def thread(self, channel_id: str, thread_ts: str) -> list[Message]:
        """Parent and live replies, oldest first."""
        with self.lock:
            channel = self.channels[channel_id]
            parent = channel.messages.get(thread_ts)
            if parent is None:
                return []
            replies = [channel.messages[ts] for ts in parent.replies if not channel.messages[ts].deleted]
            return [parent, *replies]

    # -- ephemerals, views, files ------------------------------------------------------------
    def add_ephemeral(self, ephemeral: Ephemeral) -> Ephemeral:
        with self.lock:
            self.ephemerals.append(ephemeral)
            return ephemeral

    def ephemerals_for(self, user_id: str, channel_id: str | None = None) -> list[Ephemeral]:
        with self.lock:
            return [
                e
                for e in self.ephemerals
                if e.user == user_id and (channel_id is None or e.channel == channel_id)
            ]

    def open_modals(self, user_id: str) -> list[View]:
        with self.lock:
            return [self.views[v] for v in self.modal_stacks.get(user_id, [])]

    def find_view(self, view_id: str | None = None, external_id: str | None = None) -> View | None:
        with self.lock:
            if view_id:
                return self.views.get(view_id)
            if external_id:
                for view in self.views.values():
                    if view.external_id == external_id:
                        return view
            return None

    def file(self, file_id: str) -> StoredFile | None:
        with self.lock:
            return self.files.get(file_id)
