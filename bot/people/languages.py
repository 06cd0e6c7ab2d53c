"""Who reads what, in which language: the one place that decides.

- Channel posts are in the webinar's `language`; an announcement or a thread opening carries every
  language of `languages` (the webinar's first). Backstage stays in `language`.
- What one person reads (their direct messages, replies only they see, forms, App Home) is in their
  language: their registration's choice, else their chat profile's locale (`fr-FR`, `es-419`, `fr-CA`
  are `fr` and `es`), else the webinar's `language`.
"""

from __future__ import annotations

from typing import Protocol

from bot.agenda.model import Agenda
from bot.i18n.catalogs import Catalogs
from bot.i18n.languages import language_of
from bot.i18n.words import Words
from bot.timeline.cue import audience_registrant, audience_speaker

MULTILINGUAL_AUDIENCES = ("announcements", "questions")


class AgendaSource(Protocol):
    @property
    def agenda(self) -> Agenda: ...


class Locales(Protocol):
    def locale(self, person: str, look_up: bool = True) -> str | None: ...


class Registrations(Protocol):
    def language_of(self, person: str) -> str | None: ...

    def registrant_language(self, key: str) -> str | None: ...

    def person_of(self, key: str) -> str | None: ...


class SpeakerAccounts(Protocol):
    def speaker(self, key: str) -> str | None: ...


class Readers:
    def __init__(
        self,
        webinar: AgendaSource,
        registrations: Registrations,
        locales: Locales,
        speakers: SpeakerAccounts,
        catalogs: Catalogs,
    ) -> None:
        self.webinar = webinar
        self.catalogs = catalogs
        self.registrations = registrations
        self.locales = locales
        self.speakers = speakers

    @property
    def webinar_language(self) -> str:
        return self.webinar.agenda.settings.language

    def person(self, person: str, look_up: bool = True) -> str:
        """One person's language. `look_up=False` on a busy path: a profile not yet read is read
        soon, and this once the webinar's language is used."""
        chosen = self.registrations.language_of(person)
        if chosen:
            return chosen
        return language_of(self.locales.locale(person, look_up)) or self.webinar_language

    def words(self, person: str, look_up: bool = True) -> Words:
        """What one person reads is written with these."""
        return self.catalogs.words(self.person(person, look_up))

    def webinar_words(self) -> Words:
        """Backstage's and the channels' language."""
        return self.catalogs.words(self.webinar_language)

    def channel_words(self) -> tuple[Words, ...]:
        """An announcement's languages, the webinar's first."""
        return tuple(self.catalogs.words(code) for code in self.webinar.agenda.settings.channel_languages)

    def audience(self, audience: str) -> tuple[str, ...]:
        """The languages a cue to `audience` is written in (several only for an announcement)."""
        registrant = audience_registrant(audience)
        if registrant is not None:
            chosen = self.registrations.registrant_language(registrant)
            if chosen:
                return (chosen,)
            person = self.registrations.person_of(registrant)  # no choice: their profile's, if known
            return (self.person(person) if person else self.webinar_language,)
        speaker = audience_speaker(audience)
        if speaker is not None:
            person = self.speakers.speaker(speaker)
            return (self.person(person) if person else self.webinar_language,)
        if audience in MULTILINGUAL_AUDIENCES:
            return self.webinar.agenda.settings.channel_languages
        return (self.webinar_language,)
