"""The webinar's people, as the runtime needs them: registrants and what speakers answered, read from
the store, matched to chat accounts (by the account the organisers gave for the platform, else by
e-mail), and summed up for the planner (`PeopleState`)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from bot.chat.port import ChatError, ChatPort, Person
from bot.clock import Clock
from bot.people.registrants import Registrant
from bot.people.state import PeopleState
from bot.store.people import ConnectionRequests, RegistrantStore, SpeakerAnswers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Matching:
    matched: tuple[Registrant, ...]
    unmatched: tuple[Registrant, ...]


class People:
    def __init__(
        self,
        registrants: RegistrantStore,
        answers: SpeakerAnswers,
        requests: ConnectionRequests,
        clock: Clock,
    ) -> None:
        self.registrants = registrants
        self.answers = answers
        self.requests = requests
        self.clock = clock
        self._lock = threading.Lock()
        self._state: PeopleState | None = None
        self._languages: dict[str, str | None] | None = None  # chat account -> chosen language

    def state(self) -> PeopleState:
        """Who the planner plans for (cached until something about people changes)."""
        with self._lock:
            if self._state is None:
                self._state = self.stored_state()
            return self._state

    def stored_state(self) -> PeopleState:
        """What the store holds now, read afresh (another replica may have changed it)."""
        attendees = tuple(a for r in self.registrants.all() if (a := r.attendee()) is not None)
        answers = self.answers.all()
        return PeopleState(
            attendees,
            frozenset(k for k, a in answers.items() if a.answer),
            frozenset(k for k, a in answers.items() if a.answer == "declined"),
            frozenset(k for k, a in answers.items() if a.checked_in_at is not None),
        )

    def changed(self) -> None:
        with self._lock:
            self._state = None
            self._languages = None

    def by_person(self, person: str) -> Registrant | None:
        return self.registrants.find(person=person)

    def language_of(self, person: str) -> str | None:
        """The language a registered person chose (None: not registered, or no choice). Asked for
        every question a person asks, before Slack's ack: kept in memory until people change."""
        with self._lock:
            if self._languages is None:
                self._languages = {
                    r.person: r.language for r in self.registrants.all() if r.person and r.active
                }
            return self._languages.get(person)

    def registrant_language(self, key: str) -> str | None:
        registrant = self.registrants.get(key)
        return registrant.language if registrant is not None else None

    def person_of(self, key: str) -> str | None:
        registrant = self.registrants.get(key)
        return registrant.person if registrant is not None and registrant.active else None

    def match(self, chat: ChatPort, platform_key: str = "slack", by_email: bool = True) -> Matching:
        """Find the chat account of every registrant who has none yet: by the account the organisers
        gave for this platform (a Matrix id, looked up one by one: Matrix has no directory by
        e-mail), else by their e-mail (all at once: a list of thousands is a few directory pages,
        not thousands of look-ups; `by_email=False` skips them, for a pass that should cost none)."""
        waiting = [r for r in self.registrants.all() if not r.person and r.active]
        if not by_email:
            waiting = [r for r in waiting if r.account(platform_key)]
        emails = {r.email for r in waiting if r.email and not r.account(platform_key)}
        try:
            found = chat.find_people(emails) if emails else {}
        except ChatError as exc:
            log.warning("cannot look registrants' e-mails up (%s): they are matched next time", exc.reason)
            found = {}
        matched: list[Registrant] = []
        unmatched: list[Registrant] = []
        now = self.clock.now()
        for registrant in waiting:
            account = registrant.account(platform_key)
            person = self._account(chat, account) if account else found.get((registrant.email or "").lower())
            if person is None or not person.active:
                unmatched.append(registrant)
                continue
            self.registrants.match(registrant.key, person.id, now)
            matched.append(registrant)
        if matched:
            self.changed()
        return Matching(tuple(matched), tuple(unmatched))

    @staticmethod
    def _account(chat: ChatPort, account: str) -> Person | None:
        try:
            return chat.find_person(account)
        except ChatError as exc:
            log.warning("cannot look a registrant's account up (%s): matched next time", exc.reason)
            return None
