"""The chat as people would read it: per channel, messages in order, thread replies indented.

Times are agenda times (the messages' `ts`), so a rehearsal's printout reads like the webinar's
schedule. Ephemeral messages are shown where they appeared, marked with whom they were for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from zoneinfo import ZoneInfo

from bot.localslack.ids import ts_key, ts_to_datetime
from bot.localslack.workspace import Channel, Message, Workspace


@dataclass(frozen=True)
class _Line:
    ts: str
    text: str


def _summary(ws: Workspace, text: str, blocks: list[dict[str, object]], files: list[str]) -> str:
    shown = text
    if not shown:
        for block in blocks:
            inner = block.get("text")
            if isinstance(inner, dict) and isinstance(inner.get("text"), str):
                shown = inner["text"]
                break
    if files:
        names = ", ".join(ws.files[f].name for f in files if f in ws.files)
        shown = f"{shown} [file: {names}]".strip()
    return " ".join(shown.split()) or "(blocks)"


def _author(ws: Workspace, user_id: str) -> str:
    user = ws.users.get(user_id)
    return user.name if user is not None else user_id


def _message_line(ws: Workspace, message: Message, zone: tzinfo, indent: str) -> str:
    when = ts_to_datetime(message.ts).astimezone(zone).strftime("%H:%M:%S")
    body = "(deleted)" if message.deleted else _summary(ws, message.text, message.blocks, message.files)
    marks = " (edited)" if message.edited and not message.deleted else ""
    reactions = "".join(f" [:{name}: {len(users)}]" for name, users in message.reactions.items() if users)
    return f"{indent}{when}  {_author(ws, message.user)}: {body}{marks}{reactions}"


def _channel_lines(ws: Workspace, channel: Channel, zone: tzinfo) -> list[str]:
    lines: list[_Line] = []
    for message in channel.ordered_messages():
        if message.is_reply:
            continue
        lines.append(_Line(message.ts, _message_line(ws, message, zone, "  ")))
        for reply_ts in message.replies:
            reply = channel.messages[reply_ts]
            lines.append(_Line(message.ts, _message_line(ws, reply, zone, "      ↳ ")))
    for ephemeral in ws.ephemerals:
        if ephemeral.channel != channel.id:
            continue
        when = ts_to_datetime(ephemeral.ts).astimezone(zone).strftime("%H:%M:%S")
        body = _summary(ws, ephemeral.text, ephemeral.blocks, [])
        lines.append(
            _Line(
                ephemeral.ts,
                f"  {when}  {_author(ws, ephemeral.author)} [only {_author(ws, ephemeral.user)}]: {body}",
            )
        )
    ordered = sorted(enumerate(lines), key=lambda pair: (ts_key(pair[1].ts), pair[0]))
    return [line.text for _, line in ordered]


def render_by_channel(ws: Workspace, zone: tzinfo | None = None) -> str:
    """Every conversation with messages, as text."""
    zone = zone or ZoneInfo("UTC")
    blocks: list[str] = []
    with ws.lock:
        for channel in ws.channels.values():
            lines = _channel_lines(ws, channel, zone)
            if not lines:
                continue
            title = f"DM with {_author(ws, channel.im_user or '')}" if channel.is_im else f"#{channel.name}"
            blocks.append("\n".join([f"{title} ({channel.id})", *lines]))
    return "\n\n".join(blocks) + ("\n" if blocks else "")
