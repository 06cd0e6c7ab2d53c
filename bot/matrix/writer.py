"""Neutral messages written in Matrix's terms: a plain `body` and an HTML `formatted_body`.

Escaping is total in both: every literal run is HTML-escaped in `formatted_body` (`<`, `>`, `&`
and quotes), so `<script>` or `<a href>` in a question shows those characters; and every message
carries `m.mentions`, which tells clients that the only people it mentions are the ones the bot
chose (a speaker it addresses): with `m.mentions` present, clients ignore `@room` and names in the
body, so nothing a schedule or a person wrote pings anyone.

Matrix has no buttons, so a message's actions are numbered lines under the part they belong to
(`1️⃣ Answered · 2️⃣ Hide · 3️⃣ Pin to next discussion`) and ride in the content, in that order
(`org.webinar_bot.actions`): a person presses one by reacting with its keycap (the first ten) or by
replying to the message with its number (any). The content is where the adapter reads them back,
after a restart too.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.chat.message import (
    Button,
    ChannelLink,
    Code,
    Emoji,
    Emphasis,
    Inline,
    Link,
    Mention,
    Message,
    Strong,
    Text,
    Time,
)

KEY_FIELD = "org.webinar_bot.key"  # the key of a keyed post (a cue id): how a post is found again
ACTIONS_FIELD = "org.webinar_bot.actions"  # a message's actions, in the order they are numbered
KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")  # pressed by reaction
MAX_ACTIONS = 99  # numbered actions in one message (a digest has at most 23 questions of three)
EVENT_BUDGET = 56_000  # bytes of body and HTML together: Synapse refuses events over 65,536 bytes
CUT_NOTE = "… (cut: too long for one Matrix message)"
SAFE_SCHEMES = ("https://", "http://", "mailto:")
EMOJI = {
    "+1": "👍",
    "thumbsup": "👍",
    "white_check_mark": "✅",
    "warning": "⚠️",
    "wave": "👋",
    "clock1": "🕐",
    "hourglass_flowing_sand": "⏳",
    "calendar": "📆",
    "speech_balloon": "💬",
    "studio_microphone": "🎙️",
    "octagonal_sign": "🛑",
    "checkered_flag": "🏁",
    "arrow_forward": "▶️",
    "question": "❓",
    "grey_question": "❔",
    "double_vertical_bar": "⏸️",
    "turtle": "🐢",
    "rabbit2": "🐇",
    "sos": "🆘",
    "page_facing_up": "📄",
    "mute": "🔇",
    "electric_plug": "🔌",
    "bell": "🔔",
    "round_pushpin": "📍",
    "pushpin": "📌",
    "robot_face": "🤖",
    "no_entry": "⛔",
    "busts_in_silhouette": "👥",
    "pencil": "📝",
    "memo": "📝",
    "clipboard": "📋",
    "next_track_button": "⏭️",
    "heart": "❤️",
    "tada": "🎉",
}
SHORT_NAMES = {char: name for name, char in reversed(EMOJI.items())}


_SLASH_COMMAND = re.compile(r"^/(webinar|ask)\b")


def matrix_command(code: str) -> str:
    """A command the bot's texts name (`/webinar help`, `/ask`) as a Matrix user types it (`!webinar
    help`): on Matrix, commands are messages that start with `!`."""
    return _SLASH_COMMAND.sub(r"!\1", code)


def emoji_char(name: str) -> str:
    """A short name as the character Matrix clients react and display with (`:name:` when unknown)."""
    return EMOJI.get(name, f":{name}:")


def emoji_name(key: str) -> str:
    """A reaction's key back to its short name: variation selectors and skin tones folded in."""
    base = "".join(c for c in key if c != "\ufe0f" and not "\U0001f3fb" <= c <= "\U0001f3ff")
    for candidate in (key, base, base + "\ufe0f"):
        if candidate in SHORT_NAMES:
            return SHORT_NAMES[candidate]
    stripped = key.strip(":")
    return stripped if key.startswith(":") and key.endswith(":") and stripped else key


def keycap_number(key: str) -> int | None:
    """A reaction key as the number of the action it presses (`3️⃣` → 3), with or without the
    variation selector clients may leave out; None for every other key (👍 stays a vote)."""
    bare = key.replace("\ufe0f", "")
    for number, keycap in enumerate(KEYCAPS, start=1):
        if bare == keycap.replace("\ufe0f", ""):
            return number
    return None


def action_mark(number: int) -> str:
    """How an action's number shows: its keycap (react with it), or `[11]` past ten (reply with it)."""
    return KEYCAPS[number - 1] if number <= len(KEYCAPS) else f"[{number}]"


@dataclass(frozen=True)
class Action:
    """A pressable action of a message, as it rides in the content."""

    label: str
    action: str
    value: str


def actions_of(written: Mapping[str, Any]) -> tuple[Action, ...]:
    """The actions a message's content carries, in their numbered order (malformed entries dropped)."""
    found = written.get(ACTIONS_FIELD)
    if not isinstance(found, list):
        return ()
    return tuple(
        Action(str(a.get("label") or ""), str(a["action"]), str(a.get("value") or ""))
        for a in found[:MAX_ACTIONS]
        if isinstance(a, Mapping) and isinstance(a.get("action"), str)
    )


def person_link(user_id: str) -> str:
    return "https://matrix.to/#/" + html.escape(user_id, quote=True)


@dataclass
class _Out:
    body: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)


def _escape(text: str) -> str:
    return html.escape(text, quote=True).replace("\n", "<br>")


def _write(inlines: Iterable[Inline], out: _Out) -> None:
    for inline in inlines:
        match inline:
            case Text(text):
                out.body.append(text)
                out.html.append(_escape(text))
            case Strong(parts):
                out.html.append("<strong>")
                _write(parts, out)
                out.html.append("</strong>")
            case Emphasis(parts):
                out.html.append("<em>")
                _write(parts, out)
                out.html.append("</em>")
            case Code(text):
                text = matrix_command(text)
                out.body.append(text)
                out.html.append(f"<code>{_escape(text)}</code>")
            case Emoji(name):
                out.body.append(emoji_char(name))
                out.html.append(_escape(emoji_char(name)))
            case Link(url, label):
                shown = label or url
                out.body.append(shown if not label else f"{label} ({url})")
                if url.lower().startswith(SAFE_SCHEMES):
                    out.html.append(f'<a href="{html.escape(url, quote=True)}">{_escape(shown)}</a>')
                else:
                    out.html.append(_escape(shown))
            case Mention(name, person):
                shown = name if name.startswith("@") else f"@{name}"  # a Matrix id is already "@…"
                out.body.append(shown)
                if person and person.startswith("@"):
                    out.html.append(f'<a href="{person_link(person)}">{_escape(shown)}</a>')
                    out.mentions.append(person)
                else:
                    out.html.append(_escape(shown))
            case ChannelLink(name, conversation):
                out.body.append(f"#{name}")
                if conversation:
                    target = "https://matrix.to/#/" + html.escape(conversation, quote=True)
                    out.html.append(f'<a href="{target}">#{_escape(name)}</a>')
                else:
                    out.html.append(f"#{_escape(name)}")
            case Time(_, _, fallback):
                out.body.append(fallback)
                out.html.append(_escape(fallback))


def _buttons(buttons: tuple[Button, ...], actions: list[dict[str, str]], out: _Out) -> None:
    """A part's buttons as one numbered line (numbers run on through the message), kept in order."""
    shown = []
    for button in buttons:
        if len(actions) >= MAX_ACTIONS:
            break
        actions.append({"label": button.label, "action": button.action, "value": button.value})
        shown.append(f"{action_mark(len(actions))} {button.label}")
    if shown:
        line = " · ".join(shown)
        out.body.append(("\n" if out.body else "") + line)
        out.html.append(("<br>" if out.html else "") + _escape(line))


def content(message: Message, msgtype: str = "m.text") -> dict[str, Any]:
    """The event content of a message: body, HTML, the people it means to mention, its actions."""
    out = _Out()
    _write(message.text, out)
    actions: list[dict[str, str]] = []
    _buttons(message.buttons, actions, out)
    for section in message.sections:
        if section.text:
            out.body.append("\n")
            out.html.append("<br>")
            _write(section.text, out)
        _buttons(section.buttons, actions, out)
    if message.context:
        out.body.append("\n")
        out.html.append("<br><small>")
        _write(message.context, out)
        out.html.append("</small>")
    body, formatted = "".join(out.body), "".join(out.html)
    html_too = len(body.encode()) + len(formatted.encode()) <= EVENT_BUDGET
    if len(body.encode()) > EVENT_BUDGET:
        room = EVENT_BUDGET - len(CUT_NOTE.encode())
        body = body.encode()[:room].decode(errors="ignore") + CUT_NOTE
    written: dict[str, Any] = {
        "msgtype": msgtype,
        "body": body,
        "m.mentions": {"user_ids": sorted(set(out.mentions))} if out.mentions else {},
    }
    if html_too:  # a very long message goes as plain text: its HTML (escaped) could be five times longer
        written |= {"format": "org.matrix.custom.html", "formatted_body": formatted}
    if actions:
        written[ACTIONS_FIELD] = actions
    return written


def replacement(original: str, message: Message) -> dict[str, Any]:
    """An edit (`m.replace`) of the bot's message `original`: the new content, and a short fallback
    for clients without edits. The edit itself mentions nobody (a changed panel pings no one again)."""
    new = content(message)
    fallback = new["body"] if len(new["body"]) <= 2_000 else new["body"][:2_000] + "…"
    return {
        "msgtype": new["msgtype"],
        "body": "* " + fallback,
        "m.new_content": new,
        "m.mentions": {},
        "m.relates_to": {"rel_type": "m.replace", "event_id": original},
    }


def in_thread(written: dict[str, Any], root: str) -> dict[str, Any]:
    """The content as a reply in the thread rooted at `root` (`m.thread`, falling back to a reply)."""
    return {
        **written,
        "m.relates_to": {
            "rel_type": "m.thread",
            "event_id": root,
            "is_falling_back": True,
            "m.in_reply_to": {"event_id": root},
        },
    }


def reaction(target: str, emoji: str) -> dict[str, Any]:
    return {"m.relates_to": {"rel_type": "m.annotation", "event_id": target, "key": emoji_char(emoji)}}
