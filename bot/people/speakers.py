"""Speakers' answers: Confirm or Decline (a speaker "to be confirmed"), and I'm here on the day.

Each answer is stored, re-plans (no more asking, no more alert), and tells the moderators what they
need to know: a decline at once, with the command that plans without them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bot.agenda.model import Agenda
from bot.chat.inbound import Pressed
from bot.chat.markup import compose
from bot.chat.message import Mention, Message
from bot.chat.port import PostMessage, Whisper
from bot.chat.sender import Priority, Sender
from bot.clock import Clock
from bot.people import views
from bot.people.book import People
from bot.people.languages import Readers


class Webinar(Protocol):
    @property
    def agenda(self) -> Agenda: ...


class Places(Protocol):
    def channel(self, audience: str) -> str: ...

    def speaker(self, key: str) -> str | None: ...


class SpeakerDesk:
    def __init__(
        self,
        webinar: Webinar,
        people: People,
        sender: Sender,
        places: Places,
        clock: Clock,
        plan_changed: Callable[[str], None],
        readers: Readers,
    ) -> None:
        self.webinar = webinar
        self.readers = readers
        self.people = people
        self.sender = sender
        self.places = places
        self.clock = clock
        self.plan_changed = plan_changed

    def pressed(self, event: Pressed) -> None:
        key = event.value
        agenda = self.webinar.agenda
        w = self.readers.words(event.person)
        if key not in agenda.speakers or self.places.speaker(key) != event.person:
            self._tell(event, Message(compose(w("That button is for the speaker it was sent to."))))
            return
        who = Mention(agenda.speaker_name(key), event.person)
        now = self.clock.now()
        if event.action == views.SPEAKER_HERE:
            self.people.answers.check_in(key, now)
            self.people.changed()
            self.plan_changed(f"{agenda.speaker_name(key)} checked in")
            self._tell(event, views.here_thanks(w))
            return
        answer = "confirmed" if event.action == views.SPEAKER_CONFIRM else "declined"
        self.people.answers.answer(key, answer, now)
        self.people.changed()
        self.plan_changed(f"{agenda.speaker_name(key)} {answer}")
        self._tell(event, views.speaker_thanks(answer, w))
        backstage = self.readers.webinar_words()
        note = (
            views.confirmed_note(who, backstage)
            if answer == "confirmed"
            else views.declined_alert(who, key, backstage)
        )
        self.sender.send(PostMessage(self.places.channel("backstage"), note), Priority.REPLY)

    def _tell(self, event: Pressed, message: Message) -> None:
        where = event.ref.conversation if event.ref is not None else ""
        self.sender.send(Whisper(where, event.person, message, event.handle), Priority.REPLY)
