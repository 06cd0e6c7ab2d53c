"""A form a person fills in (a Slack modal; on platforms without forms, a short exchange).

The fields are the bot's vocabulary, not any platform's: a choice, a text, a set of checkboxes.
What comes back is a `Submitted` value (bot.chat.inbound) holding each field's answer by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.chat.message import Message


@dataclass(frozen=True)
class Option:
    label: str
    value: str
    description: str = ""


@dataclass(frozen=True)
class Choice:
    """Pick one of `options`."""

    name: str
    label: str
    options: tuple[Option, ...]
    initial: str | None = None
    optional: bool = False


@dataclass(frozen=True)
class TextField:
    name: str
    label: str
    initial: str = ""
    multiline: bool = False
    max_length: int = 3000
    optional: bool = False
    placeholder: str = ""


@dataclass(frozen=True)
class Checkboxes:
    """Tick any of `options`."""

    name: str
    label: str
    options: tuple[Option, ...]
    optional: bool = True


Field = Choice | TextField | Checkboxes


@dataclass(frozen=True)
class Form:
    """`name` says which form it is when it comes back; `state` travels with it, unseen by the person.

    `intro` is shown above the fields; a form with no fields is a read-only view (a long list).
    `language` is the one its words are in (a code, "" when unsaid): a platform that asks a form's
    fields in a short exchange writes its own few words around them in it."""

    name: str
    title: str
    fields: tuple[Field, ...] = ()
    submit: str = "Submit"
    cancel: str = "Cancel"
    state: Mapping[str, str] = field(default_factory=dict)
    intro: Message | None = None
    language: str = ""
