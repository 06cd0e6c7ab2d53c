"""One webinar's view of a chat platform that several webinars share: everything it writes is tagged
with its key, so whatever comes back (a button press, a submitted form, a keyed post found again) can
be told apart from another webinar's, in a shared channel and in a person's direct messages alike.

The tag travels inside what the platform already carries back unchanged: a button's value, a form's
hidden state and a keyed post's key. It survives restarts (it is in the platform's copy, not in
memory), and `bot.serve.router` reads it to route. The webinar itself never sees a tag.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from bot.chat.form import Form
from bot.chat.message import Button, Message, Section
from bot.chat.port import (
    ChatPort,
    Conversation,
    DeleteMessage,
    Identity,
    Inbox,
    Lane,
    OpenForm,
    Person,
    PostMessage,
    PublishHome,
    React,
    UpdateMessage,
    Upload,
    Whisper,
    Write,
)
from bot.chat.refs import MessageRef

SEPARATOR = "|"  # webinar keys are slugs ([a-z0-9-]), so the first `|` ends the tag
FORM_STATE_KEY = "webinar"


def tag(key: str, value: str) -> str:
    return f"{key}{SEPARATOR}{value}"


def untag(value: str) -> tuple[str | None, str]:
    """(the webinar key, the untagged value); (None, value) for a value with no tag."""
    head, sep, rest = value.partition(SEPARATOR)
    return (head, rest) if sep and head else (None, value)


def _button(key: str, button: Button) -> Button:
    return replace(button, value=tag(key, button.value))


def tag_message(key: str, message: Message) -> Message:
    return Message(
        message.text,
        message.context,
        tuple(_button(key, b) for b in message.buttons),
        tuple(Section(s.text, tuple(_button(key, b) for b in s.buttons), s.key) for s in message.sections),
    )


def tag_form(key: str, form: Form) -> Form:
    intro = tag_message(key, form.intro) if form.intro is not None else None
    return replace(form, state={**form.state, FORM_STATE_KEY: key}, intro=intro)


class TaggedChat:
    """A `ChatPort` that tags one webinar's writes and passes everything else through."""

    def __init__(self, chat: ChatPort, key: str) -> None:
        self.chat = chat
        self.key = key

    @property
    def platform(self) -> str:
        return self.chat.platform

    def identity(self) -> Identity:
        return self.chat.identity()

    def find_conversation(self, name: str) -> Conversation | None:
        return self.chat.find_conversation(name)

    def join(self, conversation: str) -> None:
        self.chat.join(conversation)

    def find_person(self, ref: str) -> Person | None:
        return self.chat.find_person(ref)

    def find_people(self, emails: Collection[str]) -> dict[str, Person]:
        return self.chat.find_people(emails)

    def group_members(self, ref: str) -> list[str] | None:
        return self.chat.group_members(ref)

    def direct_conversation(self, person: str) -> str:
        return self.chat.direct_conversation(person)

    def post_key(self, ref: MessageRef) -> str | None:
        found = self.chat.post_key(ref)
        if found is None:
            return None
        owner, key = untag(found)
        return key if owner == self.key else None

    def link_to(self, ref: MessageRef) -> str | None:
        return self.chat.link_to(ref)

    def post(self, write: PostMessage, key: str | None = None) -> MessageRef:
        return self.chat.post(self._post(write), tag(self.key, key) if key is not None else None)

    def find_post(self, write: PostMessage, key: str) -> MessageRef | None:
        return self.chat.find_post(self._post(write), tag(self.key, key))

    def _post(self, write: PostMessage) -> PostMessage:
        return replace(write, message=tag_message(self.key, write.message))

    def update(self, write: UpdateMessage) -> None:
        self.chat.update(replace(write, message=tag_message(self.key, write.message)))

    def delete(self, write: DeleteMessage) -> None:
        self.chat.delete(write)

    def react(self, write: React) -> None:
        self.chat.react(write)

    def whisper(self, write: Whisper) -> None:
        self.chat.whisper(replace(write, message=tag_message(self.key, write.message)))

    def upload(self, write: Upload) -> None:
        self.chat.upload(write)

    def open_form(self, write: OpenForm) -> None:
        self.chat.open_form(replace(write, form=tag_form(self.key, write.form)))

    def publish_home(self, write: PublishHome) -> None:
        self.chat.publish_home(replace(write, view=tag_message(self.key, write.view)))

    def lane(self, write: Write) -> Lane | None:
        return self.chat.lane(write)

    def listen(self, inbox: Inbox) -> None:
        raise RuntimeError("a shared platform listens once, for every webinar (bot.serve.router)")

    def close(self) -> None:
        """The platform is shared: whoever opened it closes it."""
