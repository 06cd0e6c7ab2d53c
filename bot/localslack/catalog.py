"""What the stand-in knows about each Web API method it serves: rate tier, scopes, required arguments.

Scopes are today's granular bot scopes (any one of a method's tuple suffices); the 2020 OpenAPI spec
in ../shared/slack names some by their older names (`chat:write:bot`), which the spec test maps.
`required` lists the arguments whose absence is answered before the handler runs, with `missing`
as the error code (Slack's own for that method where it has one, else `invalid_arguments`).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class MethodSpec:
    name: str
    tier: int | None
    scopes: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    missing: str = "invalid_arguments"
    token: str = "bot"  # "bot", "app" (xapp- only) or "none"


_READ = ("channels:read", "groups:read", "im:read", "mpim:read")
_HISTORY = ("channels:history", "groups:history", "im:history", "mpim:history")

_SPECS = (
    MethodSpec("api.test", 4, token="none"),
    MethodSpec("auth.test", 4),
    MethodSpec("oauth.v2.access", 4, (), ("code",), "invalid_code", token="none"),
    MethodSpec("apps.uninstall", 1),
    MethodSpec("apps.connections.open", 1, token="app"),
    MethodSpec("bots.info", 3, ("users:read",), ("bot",), "bot_not_found"),
    MethodSpec("team.info", 3, ("team:read",)),
    MethodSpec("chat.postMessage", None, ("chat:write",), ("channel",), "channel_not_found"),
    MethodSpec("chat.update", 3, ("chat:write",), ("channel", "ts"), "message_not_found"),
    MethodSpec("chat.delete", 3, ("chat:write",), ("channel", "ts"), "message_not_found"),
    MethodSpec("chat.postEphemeral", 4, ("chat:write",), ("channel", "user"), "channel_not_found"),
    MethodSpec("chat.getPermalink", 4, (), ("channel", "message_ts"), "message_not_found"),
    MethodSpec("conversations.open", 3, ("im:write", "mpim:write")),
    MethodSpec("conversations.info", 3, _READ, ("channel",), "channel_not_found"),
    MethodSpec("conversations.list", 2, _READ),
    MethodSpec("conversations.join", 3, ("channels:join",), ("channel",), "channel_not_found"),
    MethodSpec("conversations.history", 3, _HISTORY, ("channel",), "channel_not_found"),
    MethodSpec("conversations.replies", 3, _HISTORY, ("channel", "ts"), "thread_not_found"),
    MethodSpec("conversations.members", 4, _READ, ("channel",), "channel_not_found"),
    MethodSpec("users.info", 4, ("users:read",), ("user",), "user_not_found"),
    MethodSpec("users.list", 2, ("users:read",)),
    MethodSpec("users.lookupByEmail", 3, ("users:read.email",), ("email",), "users_not_found"),
    MethodSpec("usergroups.list", 2, ("usergroups:read",)),
    MethodSpec("usergroups.users.list", 2, ("usergroups:read",), ("usergroup",), "no_such_subteam"),
    MethodSpec(
        "reactions.add", 3, ("reactions:write",), ("channel", "name", "timestamp"), "no_item_specified"
    ),
    MethodSpec("reactions.remove", 2, ("reactions:write",), ("name",), "invalid_name"),
    MethodSpec("reactions.get", 3, ("reactions:read",), (), "no_item_specified"),
    MethodSpec("views.open", 4, (), ("trigger_id", "view")),
    MethodSpec("views.push", 4, (), ("trigger_id", "view")),
    MethodSpec("views.update", 4, (), ("view",)),
    MethodSpec("views.publish", 4, (), ("user_id", "view")),
    MethodSpec("files.getUploadURLExternal", 4, ("files:write",), ("filename", "length")),
    MethodSpec("files.completeUploadExternal", 4, ("files:write",), ("files",)),
    MethodSpec("files.info", 4, ("files:read",), ("file",), "file_not_found"),
)

METHODS: MappingProxyType[str, MethodSpec] = MappingProxyType({s.name: s for s in _SPECS})

# Served although absent from the 2020 OpenAPI spec, which predates them.
NEWER_THAN_SPEC = frozenset(
    {"apps.connections.open", "files.getUploadURLExternal", "files.completeUploadExternal"}
)
