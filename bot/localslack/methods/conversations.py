"""conversations.*: finding, joining and reading channels and DMs."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from bot.localslack.ids import is_ts, ts_key
from bot.localslack.methods.base import ApiContext, ApiError, Args, Handler, paginate
from bot.localslack.workspace import Channel


def open_(ctx: ApiContext, args: Args) -> dict[str, Any]:
    if args.has("channel"):
        channel = ctx.channel(args.text("channel"))
        return {"channel": {"id": channel.id}, "already_open": True}
    user_ids = args.csv("users")
    if not user_ids:
        raise ApiError("users_list_not_supplied")
    for user_id in user_ids:
        ctx.user(user_id)
    if len(user_ids) == 1:
        existing = ctx.ws.im_between(user_ids[0], create=False)
        im = existing or ctx.ws.im_between(user_ids[0], create=True, created=ctx.now_epoch())
        assert im is not None
        body: dict[str, Any] = {
            "channel": im.to_api(ctx.ws.bot.user_id) if args.flag("return_im") else {"id": im.id}
        }
        if existing is not None:
            body.update(no_op=True, already_open=True)
        return body
    members = sorted({ctx.ws.bot.user_id, *user_ids})
    for channel in ctx.ws.channels.values():
        if channel.is_mpim and sorted(channel.members) == members:
            return {"channel": {"id": channel.id}, "no_op": True, "already_open": True}
    names = "--".join(ctx.ws.users[u].name for u in members)
    mpim = ctx.ws.add_channel(
        Channel(
            id=ctx.ids.new("G"),
            name=f"mpdm-{names}-1",
            is_private=True,
            is_mpim=True,
            members=members,
            created=ctx.now_epoch(),
        )
    )
    return {"channel": {"id": mpim.id}}


def info(ctx: ApiContext, args: Args) -> dict[str, Any]:
    channel = ctx.channel(args.text("channel"))
    if channel.is_private and ctx.ws.bot.user_id not in channel.members:
        raise ApiError("channel_not_found")
    return {"channel": channel.to_api(ctx.ws.bot.user_id, args.flag("include_num_members"))}


def list_(ctx: ApiContext, args: Args) -> dict[str, Any]:
    types = set(args.csv("types") or ["public_channel"])
    unknown = types - {"public_channel", "private_channel", "im", "mpim"}
    if unknown:
        raise ApiError("invalid_types")
    bot = ctx.ws.bot.user_id
    visible = [
        c
        for c in ctx.ws.channels.values()
        if c.api_type in types
        and (c.api_type == "public_channel" or bot in c.members)
        and not (args.flag("exclude_archived") and c.is_archived)
    ]
    page, cursor = paginate(visible, args)
    return {"channels": [c.to_api(bot) for c in page], "response_metadata": {"next_cursor": cursor}}


def join(ctx: ApiContext, args: Args) -> dict[str, Any]:
    channel = ctx.channel(args.text("channel"))
    if channel.is_im or channel.is_mpim or channel.is_private:
        raise ApiError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise ApiError("is_archived")
    bot = ctx.ws.bot.user_id
    if bot in channel.members:
        return {
            "channel": channel.to_api(bot),
            "warning": "already_in_channel",
            "response_metadata": {"warnings": ["already_in_channel"]},
        }
    channel.members.append(bot)
    ctx.emit(ctx.events.member_joined(bot, channel))
    return {"channel": channel.to_api(bot)}


def _bounds(args: Args) -> tuple[tuple[int, int] | None, tuple[int, int] | None, bool]:
    oldest, latest = args.opt("oldest"), args.opt("latest")
    for value in (oldest, latest):
        if value is not None and not is_ts(value) and not value.replace(".", "").isdigit():
            raise ApiError("invalid_ts_oldest" if value == oldest else "invalid_ts_latest")
    return (
        ts_key(oldest) if oldest else None,
        ts_key(latest) if latest else None,
        args.flag("inclusive"),
    )


def _within(ts: str, bounds: tuple[tuple[int, int] | None, tuple[int, int] | None, bool]) -> bool:
    oldest, latest, inclusive = bounds
    key = ts_key(ts)
    if oldest is not None and (key < oldest or (key == oldest and not inclusive)):
        return False
    return not (latest is not None and (key > latest or (key == latest and not inclusive)))


def history(ctx: ApiContext, args: Args) -> dict[str, Any]:
    channel = ctx.readable_channel(args.text("channel"))
    bounds = _bounds(args)
    top_level = [
        m
        for m in reversed(channel.ordered_messages())
        if not m.deleted and (not m.is_reply or m.reply_broadcast) and _within(m.ts, bounds)
    ]
    page, cursor = paginate(top_level, args)
    return {
        "messages": [ctx.ws.message_to_api(m) for m in page],
        "has_more": bool(cursor),
        "pin_count": 0,
        "response_metadata": {"next_cursor": cursor},
    }


def replies(ctx: ApiContext, args: Args) -> dict[str, Any]:
    channel = ctx.readable_channel(args.text("channel"))
    message = ctx.ws.message(channel.id, args.text("ts"))
    if message is None:
        raise ApiError("thread_not_found")
    root = message.thread_ts if message.is_reply and message.thread_ts else message.ts
    bounds = _bounds(args)
    thread = [m for m in ctx.ws.thread(channel.id, root) if m.ts == root or _within(m.ts, bounds)]
    page, cursor = paginate(thread, args, default_limit=1000)
    return {
        "messages": [ctx.ws.message_to_api(m) for m in page],
        "has_more": bool(cursor),
        "response_metadata": {"next_cursor": cursor},
    }


def members(ctx: ApiContext, args: Args) -> dict[str, Any]:
    channel = ctx.channel(args.text("channel"))
    if channel.is_private and ctx.ws.bot.user_id not in channel.members:
        raise ApiError("channel_not_found")
    page, cursor = paginate(list(channel.members), args)
    return {"members": page, "response_metadata": {"next_cursor": cursor}}


HANDLERS: MappingProxyType[str, Handler] = MappingProxyType(
    {
        "conversations.open": open_,
        "conversations.info": info,
        "conversations.list": list_,
        "conversations.join": join,
        "conversations.history": history,
        "conversations.replies": replies,
        "conversations.members": members,
    }
)
