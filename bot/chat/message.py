"""A platform-neutral message: text runs with emphasis, links, mentions and times, and actions.

Templates and replies are rendered once into these values; each chat adapter writes them in its
own markup (Slack mrkdwn and Block Kit, Matrix HTML). Every `Text` is literal: an adapter escapes it
completely, so nothing a schedule or a person wrote can ever become markup or ping anyone. Only the
bot's own constructs (`Mention`, `ChannelLink`, `Link`, `Time`) become live markup, and each adapter
decides how.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Text:
    """Literal characters, shown exactly as they are."""

    text: str


@dataclass(frozen=True)
class Strong:
    parts: tuple[Inline, ...]


@dataclass(frozen=True)
class Emphasis:
    parts: tuple[Inline, ...]


@dataclass(frozen=True)
class Code:
    """Literal characters in a monospace run (a command to type)."""

    text: str


@dataclass(frozen=True)
class Emoji:
    """An emoji by its short name (`wave`, `+1`); adapters show it their platform's way."""

    name: str


@dataclass(frozen=True)
class Link:
    """A link the bot chose to make; `label` (literal) or the URL itself is what people read."""

    url: str
    label: str = ""


@dataclass(frozen=True)
class Mention:
    """A person the bot means to address; `person` is their platform id when known, else `name` is shown."""

    name: str
    person: str | None = None


@dataclass(frozen=True)
class ChannelLink:
    """A conversation; `conversation` is its platform id when known, else `name` is shown."""

    name: str
    conversation: str | None = None


@dataclass(frozen=True)
class Time:
    """An instant each reader may see in their own time zone; `fallback` is the webinar's local text."""

    at: datetime
    style: str  # "time", "datetime" or "date"
    fallback: str


Inline = Text | Strong | Emphasis | Code | Emoji | Link | Mention | ChannelLink | Time
Inlines = tuple[Inline, ...]
INLINE_TYPES = (Text, Strong, Emphasis, Code, Emoji, Link, Mention, ChannelLink, Time)


def is_inline(value: object) -> bool:
    return isinstance(value, INLINE_TYPES)


@dataclass(frozen=True)
class Button:
    """An action under a message; `action` says what it does, `value` what it does it to."""

    label: str
    action: str
    value: str = ""
    style: str | None = None  # "primary" or "danger"


@dataclass(frozen=True)
class Section:
    """A further part of a message, with buttons of its own (one question in a digest)."""

    text: Inlines
    buttons: tuple[Button, ...] = ()
    key: str = ""  # stable name of the part, for platforms that address parts


@dataclass(frozen=True)
class Message:
    """What a person reads: `text` first, then `buttons`, then `sections`, then a quieter `context`."""

    text: Inlines
    context: Inlines = ()
    buttons: tuple[Button, ...] = ()
    sections: tuple[Section, ...] = field(default=())

    @property
    def plain(self) -> str:
        """Roughly what a reader sees, as plain text (consoles, logs, tests, notification fallbacks)."""
        parts = [plain(self.text)]
        parts += [plain(section.text) for section in self.sections]
        if self.context:
            parts.append(plain(self.context))
        return "\n".join(part for part in parts if part)

    def with_text(self, text: Inlines) -> Message:
        return Message(text, self.context, self.buttons, self.sections)


def plain(inlines: Iterable[Inline]) -> str:
    """Inline runs as plain characters: emphasis dropped, links by label, times by their fallback."""
    out: list[str] = []
    for inline in inlines:
        match inline:
            case Text(text) | Code(text):
                out.append(text)
            case Strong(parts) | Emphasis(parts):
                out.append(plain(parts))
            case Emoji(name):
                out.append(f":{name}:")
            case Link(url, label):
                out.append(label or url)
            case Mention(name, _):
                out.append(f"@{name}")
            case ChannelLink(name, _):
                out.append(f"#{name}")
            case Time(_, _, fallback):
                out.append(fallback)
    return "".join(out)


def text(value: str) -> Inlines:
    """Literal text as inline runs."""
    return (Text(value),) if value else ()


def lines(*rows: Inlines | Sequence[Inline]) -> Inlines:
    """Rows of inline runs joined by line breaks (empty rows dropped)."""
    joined: list[Inline] = []
    for row in rows:
        if not row:
            continue
        if joined:
            joined.append(Text("\n"))
        joined.extend(row)
    return merge(joined)


def merge(inlines: Iterable[Inline]) -> Inlines:
    """Adjacent literal runs merged into one (equal messages compare equal however they were built)."""
    merged: list[Inline] = []
    for inline in inlines:
        if isinstance(inline, Text):
            if not inline.text:
                continue
            if merged and isinstance(merged[-1], Text):
                merged[-1] = Text(merged[-1].text + inline.text)
                continue
        merged.append(inline)
    return tuple(merged)


def first_line(inlines: Inlines) -> Inlines:
    """The runs up to the first line break (a heading)."""
    kept: list[Inline] = []
    for inline in inlines:
        if isinstance(inline, Text) and "\n" in inline.text:
            kept.append(Text(inline.text.split("\n", 1)[0]))
            break
        kept.append(inline)
    return merge(kept)


def truncate(inlines: Inlines, limit: int, note: str) -> Inlines:
    """At most about `limit` characters of literal text, cut at a run and followed by `note`."""
    kept: list[Inline] = []
    used = 0
    for inline in inlines:
        size = len(plain((inline,)))
        if used + size <= limit:
            kept.append(inline)
            used += size
            continue
        if isinstance(inline, Text) and limit - used > 0:
            kept.append(Text(inline.text[: limit - used]))
        kept.append(Text(note))
        return merge(kept)
    return tuple(kept)
