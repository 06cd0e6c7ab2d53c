"""chat.*: posting, editing and deleting messages, ephemerals and permalinks."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from bot.localslack.blockkit import block_errors, with_generated_ids
from bot.localslack.methods.base import ApiContext, ApiError, Args, Handler
from bot.localslack.workspace import Channel, Ephemeral, Message

MAX_TEXT = 40_000
MAX_ATTACHMENTS = 100


def post_target(ctx: ApiContext, ref: str) -> Channel:
    """Where a post goes: a conversation id, a channel name (`general`, `#general`) or a user id (its IM)."""
    if ref in ctx.ws.users:
        im = ctx.ws.im_between(ref, create=True, created=ctx.now_epoch())
        assert im is not None
        return im
    channel = ctx.channel(ref)
    if channel.is_archived:
        raise ApiError("is_archived")
    if ctx.ws.bot.user_id not in channel.members:
        raise ApiError("channel_not_found" if channel.is_private else "not_in_channel")
    return channel


def message_content(args: Args, ctx: ApiContext) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """Text, blocks and attachments, checked against Slack's limits."""
    text = args.text("text")
    if len(text) > MAX_TEXT:
        raise ApiError("msg_too_long")
    blocks = args.structured("blocks", "invalid_blocks_format")
    if blocks is not None:
        errors = block_errors(blocks)
        if errors:
            raise ApiError("invalid_blocks", errors=errors, response_metadata={"messages": errors})
        blocks = with_generated_ids(blocks, ctx.short_id)
    attachments = args.structured("attachments", "invalid_attachments")
    if attachments is not None:
        if not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments):
            raise ApiError("invalid_attachments")
        if len(attachments) > MAX_ATTACHMENTS:
            raise ApiError("too_many_attachments")
    return text, list(blocks or []), list(attachments or [])


def _thread_parent(ctx: ApiContext, channel: Channel, thread_ts: str | None) -> str | None:
    if thread_ts is None:
        return None
    parent = ctx.ws.message(channel.id, thread_ts)
    if parent is None:
        raise ApiError("thread_not_found")
    return parent.thread_ts if parent.is_reply else parent.ts


def post_message(ctx: ApiContext, args: Args) -> dict[str, Any]:
    channel = post_target(ctx, args.text("channel"))
    text, blocks, attachments = message_content(args, ctx)
    if not text and not blocks and not attachments:
        raise ApiError("no_text")
    thread_ts = _thread_parent(ctx, channel, args.opt("thread_ts"))
    broadcast = thread_ts is not None and args.flag("reply_broadcast")
    metadata = args.structured("metadata", "invalid_metadata_format")
    message = ctx.ws.add_message(
        Message(
            channel=channel.id,
            ts=ctx.now_ts(),
            user=ctx.ws.bot.user_id,
            text=text,
            blocks=blocks,
            attachments=attachments,
            thread_ts=thread_ts,
            bot_id=ctx.ws.bot.bot_id,
            subtype="thread_broadcast" if broadcast else None,
            reply_broadcast=broadcast,
            metadata=metadata if isinstance(metadata, dict) else None,
        )
    )
    ctx.emit(ctx.events.message_events(message))
    return {"channel": channel.id, "ts": message.ts, "message": ctx.ws.message_to_api(message)}


def _own_message(ctx: ApiContext, args: Args, refusal: str) -> tuple[Channel, Message]:
    channel = ctx.channel(args.text("channel"))
    message = ctx.ws.message(channel.id, args.text("ts"))
    if message is None:
        raise ApiError("message_not_found")
    if message.user != ctx.ws.bot.user_id:
        raise ApiError(refusal)
    return channel, message


def update(ctx: ApiContext, args: Args) -> dict[str, Any]:
    channel, message = _own_message(ctx, args, "cant_update_message")
    text, blocks, attachments = message_content(args, ctx)
    if not text and not blocks and not attachments:
        raise ApiError("no_text")
    previous = ctx.ws.message_to_api(message)
    message.text = text
    if args.has("blocks"):
        message.blocks = blocks
    if args.has("attachments"):
        message.attachments = attachments
    message.edited = {"user": ctx.ws.bot.user_id, "ts": ctx.now_ts()}
    ctx.emit(ctx.events.message_changed(message, previous))
    return {
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": ctx.ws.message_to_api(message),
    }


def delete(ctx: ApiContext, args: Args) -> dict[str, Any]:
    channel, message = _own_message(ctx, args, "cant_delete_message")
    previous = ctx.ws.message_to_api(message)
    message.deleted = True
    ctx.emit(ctx.events.message_deleted(message, previous))
    return {"channel": channel.id, "ts": message.ts}


def post_ephemeral(ctx: ApiContext, args: Args) -> dict[str, Any]:
    channel = post_target(ctx, args.text("channel"))
    user = ctx.user(args.text("user"))
    if user.id not in channel.members:
        raise ApiError("user_not_in_channel")
    text, blocks, attachments = message_content(args, ctx)
    if not text and not blocks and not attachments:
        raise ApiError("no_text")
    thread_ts = args.opt("thread_ts")
    ephemeral = ctx.ws.add_ephemeral(
        Ephemeral(
            channel=channel.id,
            user=user.id,
            ts=ctx.now_ts(),
            text=text,
            blocks=blocks,
            attachments=attachments,
            thread_ts=thread_ts,
            author=ctx.ws.bot.user_id,
        )
    )
    return {"message_ts": ephemeral.ts}


def get_permalink(ctx: ApiContext, args: Args) -> dict[str, Any]:
    channel = ctx.channel(args.text("channel"))
    message = ctx.ws.message(channel.id, args.text("message_ts"))
    if message is None:
        raise ApiError("message_not_found")
    link = f"{ctx.ws.base_url}archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.is_reply:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


HANDLERS: MappingProxyType[str, Handler] = MappingProxyType(
    {
        "chat.postMessage": post_message,
        "chat.update": update,
        "chat.delete": delete,
        "chat.postEphemeral": post_ephemeral,
        "chat.getPermalink": get_permalink,
    }
)
