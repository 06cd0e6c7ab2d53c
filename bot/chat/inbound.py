"""What comes back from a chat platform, as platform-neutral values, each with who and when.

An adapter translates its payloads into these and nothing else: text arrives as the characters the
person typed (the platform's own escaping undone), reactions by their base short name (`+1`, with
skin tones and aliases folded in), times as aware instants. The core answers some of them with a
`Reply`, which the adapter shows only to that person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.chat.message import Message
from bot.chat.refs import Handle, MessageRef


@dataclass(frozen=True)
class Posted:
    """A person posted a message, at the top of a conversation or as a reply in a thread."""

    person: str
    ref: MessageRef
    text: str
    at: datetime
    thread: str | None = None  # the thread's root message id, for a reply
    thread_by_bot: bool = False  # the thread's root is one of the bot's own messages


@dataclass(frozen=True)
class Edited:
    person: str
    ref: MessageRef
    text: str
    at: datetime


@dataclass(frozen=True)
class Deleted:
    ref: MessageRef
    at: datetime


@dataclass(frozen=True)
class Reacted:
    """A reaction added (or removed, `added=False`) on a message."""

    person: str
    ref: MessageRef
    emoji: str
    added: bool
    at: datetime


@dataclass(frozen=True)
class Command:
    """`/webinar status`, `/ask How do we...`: `name` without the slash, `text` what followed it."""

    person: str
    conversation: str
    name: str
    text: str
    handle: Handle
    at: datetime
    id: str = ""  # the interaction's own id: the same when the platform delivers it twice


@dataclass(frozen=True)
class Pressed:
    """A button: `action` and `value` as the bot set them, `ref` the message it sat on."""

    person: str
    action: str
    value: str
    handle: Handle
    at: datetime
    ref: MessageRef | None = None


@dataclass(frozen=True)
class Submitted:
    """A form came back: each field's answer by name (a choice or text as one value, checkboxes as many)."""

    person: str
    form: str
    values: Mapping[str, tuple[str, ...]]
    state: Mapping[str, str]
    handle: Handle
    at: datetime
    id: str = ""  # the submission's own id: the same when the platform delivers it twice

    def one(self, name: str) -> str:
        answers = self.values.get(name) or ()
        return answers[0].strip() if answers else ""


@dataclass(frozen=True)
class Shortcut:
    """A person asked the bot to act on a message of theirs or someone's (`name` says how)."""

    person: str
    name: str
    ref: MessageRef
    text: str
    handle: Handle
    at: datetime


@dataclass(frozen=True)
class HomeOpened:
    person: str
    at: datetime


Inbound = Posted | Edited | Deleted | Reacted | Command | Pressed | Submitted | Shortcut | HomeOpened


@dataclass(frozen=True)
class Reply:
    """The answer to an inbound value, for that person only; `errors` keeps a form open with its problems."""

    message: Message | None = None
    errors: Mapping[str, str] = field(default_factory=dict)
