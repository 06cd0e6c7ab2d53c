"""The rehearsal's console: the chat as it happens, one line per message, with agenda times."""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import TextIO

from bot.localslack import LocalSlack
from bot.localslack.transcript import Entry
from bot.slack.mrkdwn import to_plain

EMOJI = {
    ":calendar:": "📅",
    ":electric_plug:": "🔌",
    ":wave:": "👋",
    ":arrow_forward:": "▶",
    ":question:": "❓",
    ":studio_microphone:": "🎙",
    ":hourglass_flowing_sand:": "⏳",
    ":octagonal_sign:": "🛑",
    ":warning:": "⚠",
    ":speech_balloon:": "💬",
    ":checkered_flag:": "🏁",
    ":robot_face:": "🤖",
    ":pencil:": "✏",
    ":no_entry:": "⛔",
    ":page_facing_up:": "📄",
    ":bell:": "🔔",
    ":+1:": "👍",
    ":clock1:": "🕐",
    ":double_vertical_bar:": "⏸",
    ":turtle:": "🐢",
    ":rabbit2:": "🐇",
    ":white_check_mark:": "✅",
    ":mute:": "🔇",
}


_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def terminal_text(text: str, unicode: bool, names: Mapping[str, str] | None = None) -> str:
    if names:
        text = _MENTION.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    plain = to_plain(text).replace("*", "")
    if unicode:
        for code, char in EMOJI.items():
            plain = plain.replace(code, char)
    return plain


def noted(text: str, cue: str, notes: Mapping[str, str]) -> str:
    """A reminder's text with its note (`[1 day before, compressed]`): the rehearsal moved it."""
    for template, note in notes.items():
        if cue.startswith(f"reminder:{template}"):
            return f"[{note}] {text}"
    return text


class ConsoleLines:
    """The console's lines: an agenda time, where (a channel, a room, someone's DMs), and the first line
    of what was said, cut to the terminal's width. One printer for every platform's console."""

    def __init__(self, tz: tzinfo, out: TextIO | None = None, width: int = 120) -> None:
        self.tz = tz
        self.out = out or sys.stdout
        self.width = width
        self.unicode = (getattr(self.out, "encoding", "") or "").lower().replace("-", "") == "utf8"
        self._lock = threading.Lock()

    def line(self, at: datetime, where: str, text: str) -> None:
        stamp = at.astimezone(self.tz).strftime("%H:%M:%S")
        lines = [part for part in text.splitlines() if part.strip()]
        first = lines[0] if lines else ""
        more = f"  (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
        room = max(self.width - 12 - 26 - len(more), 20)
        if len(first) > room:
            first = first[: room - 1] + "…"
        with self._lock:
            print(f"{stamp}  {where[:24]:<24}  {first}{more}", file=self.out, flush=True)


class ChatConsole:
    """Prints each message the bot posts (and each moderator action) as the stand-in records it."""

    def __init__(
        self,
        slack: LocalSlack,
        tz: tzinfo,
        out: TextIO | None = None,
        width: int = 120,
        notes: Mapping[str, str] | None = None,
    ) -> None:
        self.slack = slack
        self.lines = ConsoleLines(tz, out, width)
        self.notes = dict(notes or {})
        self.unicode = self.lines.unicode
        self._names: dict[str, str] = {}

    def attach(self) -> None:
        self.slack.transcript.add_listener(self.on_entry)

    def _people(self) -> dict[str, str]:
        return {u.id: u.real_name for u in self.slack.workspace.humans()}

    def where(self, channel: str) -> str:
        if channel not in self._names:
            conversation = self.slack.workspace.find_channel(channel)
            if conversation is None:
                name = channel
            elif conversation.is_im and conversation.im_user:
                user = self.slack.workspace.find_user(conversation.im_user)
                name = f"@{user.real_name if user else conversation.im_user} (DM)"
            else:
                name = f"#{conversation.name}"
            self._names[channel] = name
        return self._names[channel]

    def line(self, agenda_time: str, where: str, text: str) -> None:
        self.lines.line(datetime.fromisoformat(agenda_time), where, text)

    def on_entry(self, entry: Entry) -> None:
        if entry.kind == "call" and entry.name == "chat.postMessage" and entry.ok and entry.channel:
            text = terminal_text(str(entry.args.get("text", "")), self.unicode, self._people())
            key = (entry.args.get("metadata") or {}) if isinstance(entry.args.get("metadata"), dict) else {}
            cue = str((key.get("event_payload") or {}).get("key", ""))
            self.line(entry.agenda, self.where(entry.channel), noted(text, cue, self.notes))
        elif entry.kind == "action" and entry.name == "slash_command":
            detail = entry.detail or {}
            text = f"{detail.get('command', '/webinar')} {detail.get('text', '')}".strip()
            user = self.slack.workspace.find_user(str(detail.get("user") or ""))
            who = user.real_name if user else "someone"
            self.line(entry.agenda, f"@{who}", f"› {text}")
