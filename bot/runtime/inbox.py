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
from bot.i18n.words import N_
from bot.people import views as people_views
from bot.people.directory import Directory
from bot.people.help import ConnectionHelp
from bot.people.registration import RegistrationDesk
from bot.people.speakers import SpeakerDesk
from bot.questions import views
from bot.questions.intake import Intake
from bot.questions.moderation import Moderation
from bot.runtime.commands import WebinarCommands
from bot.runtime.home import AppHome
from bot.runtime.panel import ACTION_PREFIX

log = logging.getLogger(__name__)
REGISTRANT_ACTIONS = (
    people_views.REGISTER,
    people_views.CHANGE,
    people_views.CANCEL,
    people_views.CONFIRM_ATTENDANCE,
    people_views.HERE_ONLINE,
)
SPEAKER_ACTIONS = (people_views.SPEAKER_CONFIRM, people_views.SPEAKER_DECLINE, people_views.SPEAKER_HERE)
HELP_ACTIONS = (people_views.IN_HAND, people_views.RESOLVED)


class WebinarInbox:
    def __init__(
        self,
        commands: WebinarCommands,
        intake: Intake,
        moderation: Moderation,
        directory: Directory,
        sender: Sender,
        registration: RegistrationDesk,
        speakers: SpeakerDesk,
        help: ConnectionHelp,
        home: AppHome,
    ) -> None:
        self.commands = commands
        self.intake = intake
        self.moderation = moderation
        self.directory = directory
        self.sender = sender
        self.registration = registration
        self.speakers = speakers
        self.help = help
        self.home = home

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
                return Reply(self.commands.run(event.person, event.text, event.handle))
            case Command(name="ask"):
                return self.intake.ask(event)
            case Pressed():
                self._pressed(event)
            case Submitted(form=views.ASK_FORM):
                return self.intake.submitted(event)
            case Submitted(form=people_views.REGISTER_FORM):
                return self.registration.submitted(event)
            case Submitted(form=people_views.HELP_FORM):
                return self.help.submitted(event)
            case Shortcut(name=views.ASK_SHORTCUT):
                self.intake.shortcut(event)
            case HomeOpened():
                self.home.publish(event.person)
        return None

    def _pressed(self, event: Pressed) -> None:
        reply: Message | None = None
        if event.action.startswith(ACTION_PREFIX):
            reply = self.commands.run(event.person, event.value)
        elif event.action in views.MODERATION:
            if not self.directory.is_moderator(event.person):
                reply = self.commands.refusal(event.person, N_("moderate questions"))
            else:
                reply = self.moderation.moderate(event)
                self.home.refresh()
        elif event.action == views.SHOW_ALL:
            self.moderation.show_all(event)
        elif event.action in REGISTRANT_ACTIONS:
            self.registration.pressed(event)
        elif event.action in SPEAKER_ACTIONS:
            self.speakers.pressed(event)
        elif event.action == people_views.CONNECTION_HELP:
            self.help.open_form(event)
        elif event.action in HELP_ACTIONS:
            if not self.directory.is_moderator(event.person):
                reply = self.commands.refusal(event.person, N_("handle connection requests"))
            else:
                self.help.pressed(event)
        if reply is not None:
            where = event.ref.conversation if event.ref is not None else ""
            self.sender.send(Whisper(where, event.person, reply, event.handle), Priority.REPLY)
