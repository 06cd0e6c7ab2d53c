"""reactions.*: emoji on messages (the bot's votes and acknowledgements)."""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Any

from bot.localslack.methods.base import ApiContext, ApiError, Args, Handler
from bot.localslack.workspace import Message

_NAME = re.compile(r"^[a-z0-9_+'\-]+(::skin-tone-[2-6])?$")


def _target(ctx: ApiContext, args: Args) -> Message:
    if not args.has("channel") or not args.has("timestamp"):
        raise ApiError("no_item_specified")
    channel = ctx.channel(args.text("channel"))
    message = ctx.ws.message(channel.id, args.text("timestamp"))
    if message is None:
        raise ApiError("message_not_found")
    return message


def _name(args: Args) -> str:
    name = args.text("name").strip(":")
    if not _NAME.match(name):
        raise ApiError("invalid_name")
    return name


def add(ctx: ApiContext, args: Args) -> dict[str, Any]:
    message = _target(ctx, args)
    name = _name(args)
    users = message.reactions.setdefault(name, [])
    bot = ctx.ws.bot.user_id
    if bot in users:
        raise ApiError("already_reacted")
    if len(message.reactions) > 23 and not users:
        raise ApiError("too_many_emoji")
    users.append(bot)
    ctx.emit(ctx.events.reaction(True, bot, message, name))
    return {}


def remove(ctx: ApiContext, args: Args) -> dict[str, Any]:
    name = _name(args)
    message = _target(ctx, args)
    users = message.reactions.get(name, [])
    bot = ctx.ws.bot.user_id
    if bot not in users:
        raise ApiError("no_reaction")
    users.remove(bot)
    if not users:
        del message.reactions[name]
    ctx.emit(ctx.events.reaction(False, bot, message, name))
    return {}


def get(ctx: ApiContext, args: Args) -> dict[str, Any]:
    message = _target(ctx, args)
    return {"type": "message", "channel": message.channel, "message": ctx.ws.message_to_api(message)}


HANDLERS: MappingProxyType[str, Handler] = MappingProxyType(
    {"reactions.add": add, "reactions.remove": remove, "reactions.get": get}
)
