"""Where every inbound value goes: messages and votes to the question intake, `/webinar` and the
panel's buttons to the commands, the digest's buttons to moderation (moderators only: the directory's
one check), forms and shortcuts to whoever opened them. Replies to buttons go back through the
sender, to that person only."""

from __future__ import annotations

import logging

from bot.chat.inbound import (
    Command,
    Deleted,
    Edited,
    HomeOpened,
    Inbound,
    Posted,
    Pressed,
    Reacted,
    Reply,
    Shortcut,
    Submitted,
)
from bot.chat.message import Message
from bot.chat.port import Whisper
from bot.chat.sender import Priority, Sender
from bot.people.directory import Directory
from bot.questions import views
from bot.questions.intake import Intake
from bot.questions.moderation import Moderation
from bot.runtime.commands import WebinarCommands
from bot.runtime.panel import ACTION_PREFIX

log = logging.getLogger(__name__)


class WebinarInbox:
    def __init__(
        self,
        commands: WebinarCommands,
        intake: Intake,
        moderation: Moderation,
        directory: Directory,
        sender: Sender,
    ) -> None:
        self.commands = commands
        self.intake = intake
        self.moderation = moderation
        self.directory = directory
        self.sender = sender

    def receive(self, event: Inbound) -> Reply | None:
        match event:
            case Posted():
                self.intake.posted(event)
            case Edited():
                self.intake.edited(event)
            case Deleted():
                self.intake.deleted(event)
            case Reacted():
                self.intake.reacted(event)
            case Command(name="webinar"):
                return Reply(self.commands.run(event.person, event.text))
            case Command(name="ask"):
                return self.intake.ask(event)
            case Pressed():
                self._pressed(event)
            case Submitted(form=views.ASK_FORM):
                return self.intake.submitted(event)
            case Shortcut(name=views.ASK_SHORTCUT):
                self.intake.shortcut(event)
            case HomeOpened():
                self.moderation.publish_home(event.person)
        return None

    def _pressed(self, event: Pressed) -> None:
        reply: Message | None = None
        if event.action.startswith(ACTION_PREFIX):
            reply = self.commands.run(event.person, event.value)
        elif event.action in views.MODERATION:
            if not self.directory.is_moderator(event.person):
                reply = self.commands.refusal("moderate questions")
            else:
                reply = self.moderation.moderate(event)
        elif event.action == views.SHOW_ALL:
            self.moderation.show_all(event)
        if reply is not None:
            where = event.ref.conversation if event.ref is not None else ""
            self.sender.send(Whisper(where, event.person, reply, event.handle), Priority.REPLY)
