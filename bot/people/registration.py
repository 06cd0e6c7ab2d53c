"""Registering from chat: `/webinar register`, the Register button (on the announcements' welcome post
and in App Home), the form, the answer with Change and Cancel, and forgetting on request.

Registering twice updates the registration; registration closes `closes_before` the start (a polite
reply names the organisers). Every change of who is registered re-plans, so each registrant's
reminders are cues of their own, planned and posted exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from bot.agenda.header import resolve_timezone
from bot.agenda.model import Agenda, in_language
from bot.chat.inbound import Command, Pressed, Reply, Submitted
from bot.chat.markup import compose
from bot.chat.message import Inlines, Message
from bot.chat.port import Handle, OpenForm, PostMessage, Whisper
from bot.chat.sender import Priority, Sender
from bot.clock import Clock
from bot.i18n.words import Words
from bot.messages.dates import time_run
from bot.people import views
from bot.people.book import People
from bot.people.languages import Readers
from bot.people.registrants import Details, Registrant, normal_language

log = logging.getLogger(__name__)
WELCOME_KEY = "registration-welcome"
ME = ("", "me", "myself", "moi", "moi-même", "yo", "mí", "mi")  # `/webinar forget me`, in each language


class Webinar(Protocol):
    @property
    def agenda(self) -> Agenda: ...


class Places(Protocol):
    def channel(self, audience: str) -> str: ...

    def is_moderator(self, person: str) -> bool: ...


class Profiles(Protocol):
    def profile(self, person: str) -> tuple[str | None, str | None]:
        """A person's (locale, time zone) from their chat profile."""
        ...


PlanChanged = Callable[[str], None]  # re-plan, saying why


class RegistrationDesk:
    def __init__(
        self,
        webinar: Webinar,
        people: People,
        sender: Sender,
        places: Places,
        profiles: Profiles,
        clock: Clock,
        plan_changed: PlanChanged,
        readers: Readers,
    ) -> None:
        self.webinar = webinar
        self.readers = readers
        self.people = people
        self.sender = sender
        self.places = places
        self.profiles = profiles
        self.clock = clock
        self.plan_changed = plan_changed

    # -- open or closed -----------------------------------------------------------------------------

    def is_open(self) -> bool:
        agenda = self.webinar.agenda
        registration = agenda.registration
        if registration is None or not registration.open:
            return False
        return self.clock.now() < agenda.start - registration.closes_before

    def closed_reply(self, person: str) -> Message:
        agenda = self.webinar.agenda
        contacts = agenda.registration.contacts if agenda.registration else ()
        w = self.readers.words(person)
        return views.closed(in_language(agenda.title, agenda.title_l10n, w.code), contacts, w)

    def welcome(self) -> None:
        """The announcements' welcome post with the Register button (once, across restarts)."""
        if not self.is_open():
            return
        agenda = self.webinar.agenda
        words = self.readers.channel_words()
        titles = [in_language(agenda.title, agenda.title_l10n, w.code) for w in words]
        when: list[Inlines] = [
            (time_run(int(agenda.start.timestamp()), agenda.tz, "datetime", w),) for w in words
        ]
        self.sender.send(
            PostMessage(self.places.channel("announcements"), views.welcome(titles, when, words)),
            Priority.QUESTION,
            key=WELCOME_KEY,
            reconcile_first=True,  # after a restart: found in the channel, not posted again
        )

    # -- the form -----------------------------------------------------------------------------------

    def open_form(self, person: str, handle: Handle) -> Message | None:
        """Open the form (prefilled when they registered already); a reply when they cannot."""
        if not self.is_open():
            return self.closed_reply(person)
        agenda = self.webinar.agenda
        assert agenda.registration is not None
        existing = self.people.by_person(person)
        _, zone = self.profiles.profile(person)
        current = None
        if existing is not None:
            current = Details(
                existing.name,
                existing.mode,
                existing.title,
                existing.organisation,
                existing.email,
                existing.phone,
                existing.language,
                existing.timezone,
            )
        language = self.readers.person(person)
        w = self.readers.catalogs.words(language)
        form = views.registration_form(w, agenda.registration, current, language, zone or agenda.timezone, {})
        self.sender.send(OpenForm(person, form, handle), Priority.REPLY)
        return None

    def command(self, event: Command) -> Reply:
        reply = self.open_form(event.person, event.handle)
        return Reply(reply)

    def submitted(self, event: Submitted) -> Reply:
        agenda = self.webinar.agenda
        w = self.readers.words(event.person)
        if not self.is_open() or agenda.registration is None:
            return Reply(errors={"name": w("Registration has closed meanwhile; we could not record this.")})
        zone_text = event.one("timezone")
        timezone = None
        errors: dict[str, str] = {}
        if zone_text:
            try:
                _, timezone, _ = resolve_timezone(zone_text)
            except ValueError:
                errors["timezone"] = w("Please give a time zone such as Europe/Zurich or Africa/Nairobi.")
        details = Details(
            name=event.one("name"),
            mode=event.one("mode"),
            title=event.one("title"),
            organisation=event.one("organisation"),
            phone=event.one("phone"),
            language=normal_language(event.one("language")),
            timezone=timezone,
        )
        errors.update(details.problems(agenda.registration.modes, w))
        if errors:
            return Reply(errors=errors)
        saved = self.people.registrants.save(details, self.clock.now(), person=event.person, source="chat")
        self.people.changed()
        if saved.outcome == "added":
            self.plan_changed("a registration")  # their confirmation and reminders are cues: planned now
        elif saved.outcome == "updated":
            self.plan_changed("a change of registration")
            self._tell(event.person, views.updated(saved.registrant, self.readers.words(event.person)))
        else:
            self._tell(event.person, views.updated(saved.registrant, self.readers.words(event.person)))
        return Reply()

    # -- the buttons ----------------------------------------------------------------------------------

    def pressed(self, event: Pressed) -> None:
        if event.action == views.REGISTER:
            reply = self.open_form(event.person, event.handle)
            if reply is not None:
                self._tell(event.person, reply, event)
            return
        registrant = self.people.registrants.get(event.value)
        w = self.readers.words(event.person)
        if registrant is None or registrant.person != event.person:
            self._tell(
                event.person,
                Message(compose(w("That button is not yours: `/webinar register` shows your registration."))),
                event,
            )
            return
        now = self.clock.now()
        if event.action == views.CHANGE:
            reply = self.open_form(event.person, event.handle)
            if reply is not None:
                self._tell(event.person, reply, event)
        elif event.action == views.CANCEL:
            self.people.registrants.cancel(registrant.key, now)
            self.people.changed()
            self.plan_changed("a cancelled registration")
            self._tell(event.person, views.cancelled(w), event)
        elif event.action == views.CONFIRM_ATTENDANCE:
            self.people.registrants.confirm(registrant.key, now)
            self.people.changed()
            self._tell(event.person, views.confirmed(w), event)
        elif event.action == views.HERE_ONLINE:
            self.people.registrants.check_in(registrant.key, now)
            self.people.changed()
            self._tell(event.person, views.here_thanks(w), event)

    def _tell(self, person: str, message: Message, event: Pressed | None = None) -> None:
        where = event.ref.conversation if event is not None and event.ref is not None else ""
        handle = event.handle if event is not None else None
        self.sender.send(Whisper(where, person, message, handle), Priority.REPLY)

    # -- forgetting -----------------------------------------------------------------------------------

    def forget(self, person: str, target: str) -> Message:
        """`/webinar forget me`, or a moderator's `/webinar forget NAME`."""
        now = self.clock.now()
        w = self.readers.words(person)
        if target.strip().lower() in ME:
            registrant = self.people.by_person(person)
            if registrant is None:
                self.people.registrants.forget_person(person)  # never registered: their other traces
                return views.forgotten(w, True)
            self.people.registrants.forget(registrant.key, now)
            self.people.changed()
            self.plan_changed("a registrant asked to be forgotten")
            return views.forgotten(w, True)
        if not self.places.is_moderator(person):
            return Message(
                compose(w("Only the moderators can forget someone else; `/webinar forget me` forgets you."))
            )
        found = self._by_name(target, w)
        if isinstance(found, Message):
            return found
        name = found.name
        self.people.registrants.forget(found.key, now)
        self.people.changed()
        self.plan_changed("a moderator forgot a registrant")
        return views.forgotten(w, False, name)

    def _by_name(self, name: str, w: Words) -> Registrant | Message:
        wanted = " ".join(name.lower().split())
        everyone = self.people.registrants.all()
        exact = [r for r in everyone if " ".join(r.name.lower().split()) == wanted]
        partial = [r for r in everyone if wanted in r.name.lower()]
        found = exact or partial
        if not found:
            return Message(compose(w("No registrant is called `{name}`."), name=name))
        if len(found) > 1:
            return Message(
                compose(w("`{name}` matches {n} registrants; give the whole name."), name=name, n=len(found))
            )
        return found[0]
