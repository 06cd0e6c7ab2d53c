"""The chat port: the one interface between the bot and any chat platform.

The runtime and the question desk need few things from a platform: post, update and delete a
message (in a conversation or a thread), react, upload a file, open a form, publish a person's home
view, whisper to one person, and look people and conversations up. An adapter implements
`ChatPort` and translates its platform's payloads into `bot.chat.inbound` values for an `Inbox`.

Writes are made only by the sender (bot.chat.sender), which owns priorities, pacing and exactly
once; so the write methods here are plain, synchronous, one attempt each, and report failure as a
`ChatError` that says whether trying again could help, after how long, and whether the write may
have happened anyway. A post carries a `key` (a cue id, say): the adapter makes it findable again
(`find_post`), which is how a post whose fate is unknown is never doubled.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from bot.chat.form import Form
from bot.chat.inbound import Inbound, Reply
from bot.chat.message import Message
from bot.chat.refs import Handle, MessageRef

__all__ = ["Handle", "MessageRef"]  # where messages are, and how to answer: the port's own words too


@dataclass(frozen=True)
class Identity:
    """Who the bot is on the platform."""

    person: str
    name: str
    workspace: str = ""
    workspace_name: str = ""


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    locale: str | None = None
    timezone: str | None = None
    active: bool = True


@dataclass(frozen=True)
class Conversation:
    id: str
    name: str
    private: bool = False
    member: bool = False


class ChatError(Exception):
    """A platform call that did not succeed.

    `retry_after`: the platform asked to wait this long (rate limited). `transient`: trying again
    later may work (an outage, a time-out). `ambiguous`: the write may have happened anyway (the
    connection broke after the request went out), so a keyed post must be looked for before it is
    tried again. Otherwise the failure is permanent and `reason` says why.
    """

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        transient: bool = False,
        ambiguous: bool = False,
        hint: str = "",
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.transient = transient or retry_after is not None or ambiguous
        self.ambiguous = ambiguous
        self.hint = hint


@dataclass(frozen=True)
class Lane:
    """A rate the platform allows for a kind of write: `rate` per second with bursts of `burst`.

    Writes in one lane go out in order, one at a time. `shared_with_cues`: less urgent writes leave
    room in this lane's burst so a cue never waits behind them (a busy channel's posts).
    """

    key: str
    rate: float
    burst: float
    shared_with_cues: bool = False


# -- the writes the sender makes --------------------------------------------------------------------


@dataclass(frozen=True)
class PostMessage:
    conversation: str
    message: Message
    thread: str | None = None


@dataclass(frozen=True)
class UpdateMessage:
    ref: MessageRef
    message: Message


@dataclass(frozen=True)
class DeleteMessage:
    ref: MessageRef


@dataclass(frozen=True)
class React:
    ref: MessageRef
    emoji: str
    add: bool = True


@dataclass(frozen=True)
class Whisper:
    """A message only `person` sees, where they are (`handle`: the interaction it answers, if any)."""

    conversation: str
    person: str
    message: Message
    handle: Handle | None = None


@dataclass(frozen=True)
class Upload:
    conversation: str
    filename: str
    content: str
    title: str
    comment: str = ""


@dataclass(frozen=True)
class OpenForm:
    person: str
    form: Form
    handle: Handle


@dataclass(frozen=True)
class PublishHome:
    person: str
    view: Message


Write = PostMessage | UpdateMessage | DeleteMessage | React | Whisper | Upload | OpenForm | PublishHome


class Inbox(Protocol):
    """The core's side: every inbound value goes here; a reply goes back to that person only."""

    def receive(self, event: Inbound) -> Reply | None: ...


class ChatPort(Protocol):
    """One chat platform, as the bot sees it."""

    @property
    def platform(self) -> str:
        """A name for people ("Slack")."""
        ...

    # -- who and where --------------------------------------------------------------------------

    def identity(self) -> Identity:
        """Who the bot is; raises ChatError when the credentials are refused."""
        ...

    def find_conversation(self, name: str) -> Conversation | None:
        """A conversation by name or id; None when there is none the bot can see."""
        ...

    def join(self, conversation: str) -> None:
        """Become a member of a public conversation; ChatError if the platform says no."""
        ...

    def find_person(self, ref: str) -> Person | None:
        """A person by platform id or email; None when there is none (ChatError: the lookup failed)."""
        ...

    def find_people(self, emails: Collection[str]) -> dict[str, Person]:
        """Many people by e-mail at once (a registrant list), by lower-cased e-mail; the missing are
        not found. An adapter lists the directory rather than asking once per person."""
        ...

    def group_members(self, ref: str) -> list[str] | None:
        """The people of a user group, or None when `ref` does not name a group."""
        ...

    def direct_conversation(self, person: str) -> str:
        """The direct conversation with a person (opened if need be)."""
        ...

    def post_key(self, ref: MessageRef) -> str | None:
        """The key a message of the bot's carried (None: not the bot's, or none)."""
        ...

    def link_to(self, ref: MessageRef) -> str | None:
        """A link people can follow to a message."""
        ...

    # -- writes (the sender's) ------------------------------------------------------------------

    def post(self, write: PostMessage, key: str | None = None) -> MessageRef: ...

    def find_post(self, write: PostMessage, key: str) -> MessageRef | None:
        """An earlier attempt of a keyed post, if the platform has it; ChatError if it cannot tell."""
        ...

    def update(self, write: UpdateMessage) -> None: ...

    def delete(self, write: DeleteMessage) -> None: ...

    def react(self, write: React) -> None: ...

    def whisper(self, write: Whisper) -> None: ...

    def upload(self, write: Upload) -> None: ...

    def open_form(self, write: OpenForm) -> None: ...

    def publish_home(self, write: PublishHome) -> None: ...

    def lane(self, write: Write) -> Lane | None:
        """The rate a write counts against (None: no limit worth pacing)."""
        ...

    # -- receiving --------------------------------------------------------------------------------

    def listen(self, inbox: Inbox) -> None:
        """Start delivering inbound values to `inbox`."""
        ...

    def close(self) -> None:
        """Stop receiving and let go of connections."""
        ...
