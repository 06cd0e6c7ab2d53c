"""files.*: the v2 upload flow (get an upload URL, POST the bytes there, complete) and files.info."""

from __future__ import annotations

import secrets
from types import MappingProxyType
from typing import Any

from bot.localslack.methods.base import ApiContext, ApiError, Args, Handler
from bot.localslack.methods.chat import post_target
from bot.localslack.workspace import Message, StoredFile

MAX_FILE_BYTES = 1024**3


def get_upload_url(ctx: ApiContext, args: Args) -> dict[str, Any]:
    length = args.number("length", -1)
    if length < 0 or length > MAX_FILE_BYTES:
        raise ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] invalid length"]})
    file = StoredFile(
        id=ctx.ids.new("F"),
        name=args.text("filename"),
        length=length,
        user=ctx.ws.bot.user_id,
        created=ctx.now_epoch(),
    )
    ctx.ws.files[file.id] = file
    upload_token = secrets.token_urlsafe(12)
    ctx.ws.upload_tokens[upload_token] = file.id
    return {"upload_url": f"{ctx.ws.base_url}upload/v1/{upload_token}", "file_id": file.id}


def complete_upload(ctx: ApiContext, args: Args) -> dict[str, Any]:
    items = args.structured("files", "invalid_arguments")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) and "id" in i for i in items):
        raise ApiError("invalid_arguments", response_metadata={"messages": ["[ERROR] files must list {id}"]})
    stored: list[StoredFile] = []
    for item in items:
        file = ctx.ws.file(str(item["id"]))
        if file is None or file.completed:
            raise ApiError("file_not_found")
        if not file.uploaded:
            raise ApiError("file_not_found")
        stored.append(file)
    targets = args.csv("channels") or ([args.text("channel_id")] if args.has("channel_id") else [])
    channels = [post_target(ctx, ref) for ref in targets]
    thread_ts = args.opt("thread_ts")
    for channel in channels:
        if thread_ts is not None and ctx.ws.message(channel.id, thread_ts) is None:
            raise ApiError("thread_not_found")
    for file, item in zip(stored, items, strict=True):
        file.completed = True
        if item.get("title"):
            file.title = str(item["title"])
    for channel in channels:
        message = ctx.ws.add_message(
            Message(
                channel=channel.id,
                ts=ctx.now_ts(),
                user=ctx.ws.bot.user_id,
                text=args.text("initial_comment"),
                thread_ts=thread_ts,
                bot_id=ctx.ws.bot.bot_id,
                subtype="file_share",
                files=[f.id for f in stored],
            )
        )
        for file in stored:
            file.shares.setdefault(channel.id, []).append(message.ts)
        ctx.emit(ctx.events.message_events(message))
    return {"files": [{"id": f.id, "title": f.title or f.name} for f in stored]}


def info(ctx: ApiContext, args: Args) -> dict[str, Any]:
    file = ctx.ws.file(args.text("file"))
    if file is None or not file.completed:
        raise ApiError("file_not_found")
    return {"file": file.to_api(ctx.ws.base_url), "comments": [], "response_metadata": {}}


HANDLERS: MappingProxyType[str, Handler] = MappingProxyType(
    {
        "files.getUploadURLExternal": get_upload_url,
        "files.completeUploadExternal": complete_upload,
        "files.info": info,
    }
)
