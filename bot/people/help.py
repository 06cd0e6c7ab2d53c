"""Connection help: "My connection doesn't meet the requirements" in the guide opens a short form;
the request goes to backstage with who, where and how to reach them (moderators only); a moderator
presses Taking care of it or Resolved, and the person is told. Open requests show in the panel."""

from __future__ import annotations

from typing import Protocol

from bot.chat.inbound import Pressed, Reply, Submitted
from bot.chat.message import Mention, Message
from bot.chat.port import MessageRef, OpenForm, PostMessage, UpdateMessage, Whisper
from bot.chat.sender import Outcome, Priority, Sender
from bot.clock import Clock
from bot.people import views
from bot.people.book import People
from bot.people.languages import Readers
from bot.store.people import ConnectionRequest


class Places(Protocol):
    def channel(self, audience: str) -> str: ...

    def is_moderator(self, person: str) -> bool: ...


class Names(Protocol):
    def name(self, person: str) -> str: ...


class ConnectionHelp:
    def __init__(
        self, people: People, sender: Sender, places: Places, names: Names, clock: Clock, readers: Readers
    ) -> None:
        self.readers = readers
        self.people = people
        self.sender = sender
        self.places = places
        self.names = names
        self.clock = clock

    def open_form(self, event: Pressed) -> None:
        self.sender.send(
            OpenForm(
                event.person,
                views.help_form({"registrant": event.value}, self.readers.words(event.person)),
                event.handle,
            ),
            Priority.REPLY,
        )

    def submitted(self, event: Submitted) -> Reply:
        missing, location = event.one("missing"), event.one("location")
        w = self.readers.words(event.person)
        errors = {}
        if not missing:
            errors["missing"] = w("Please say what is missing, so we know how to help.")
        if len(missing) > 1000:
            errors["missing"] = w("At most {limit} characters, please.").format(limit=w.number(1000))
        if len(location) > 200:
            errors["location"] = w("At most {limit} characters, please.").format(limit=w.number(200))
        if errors:
            return Reply(errors=errors)
        registrant = self.people.by_person(event.person)
        request = self.people.requests.add(
            event.person, registrant.key if registrant else None, missing, location, self.clock.now()
        )
        self.sender.send(
            PostMessage(self.places.channel("backstage"), self.card(request)),
            Priority.REPLY,
            key=f"connection-help:{request.id}",
            on_done=lambda outcome: self._posted(request.id, outcome),
        )
        self.sender.send(Whisper("", event.person, views.help_received(w), event.handle), Priority.REPLY)
        return Reply()

    def _posted(self, request_id: int, outcome: Outcome) -> None:
        if outcome.ok and outcome.ref is not None:
            self.people.requests.set_message(
                request_id, outcome.ref.conversation, outcome.ref.id, self.clock.now()
            )

    def card(self, request: ConnectionRequest) -> Message:
        registrant = self.people.registrants.get(request.registrant) if request.registrant else None
        handler = (
            Mention(self.names.name(request.handled_by), request.handled_by) if request.handled_by else None
        )
        return views.help_request(request, registrant, handler, self.readers.webinar_words())

    def pressed(self, event: Pressed) -> None:
        """Taking care of it / Resolved (moderators: the inbox checked)."""
        try:
            request_id = int(event.value)
        except ValueError:
            return
        status = "in_hand" if event.action == views.IN_HAND else "resolved"
        request = self.people.requests.set_status(request_id, status, event.person, self.clock.now())
        if request is None:
            return
        if request.channel and request.ts:
            self.sender.send(
                UpdateMessage(MessageRef(request.channel, request.ts), self.card(request)), Priority.REPLY
            )
        if request.person and not request.person.startswith("former:"):
            update = views.help_update(status, self.readers.words(request.person))
            self.sender.send(Whisper("", request.person, update), Priority.REPLY)
