"""Registrants: who said they are coming, how (online or in person), and what they want to be written
to in. Plain values; the store keeps them, the planner reads `Attendee`s (no personal data) to plan
each person's reminders.

Identity is by e-mail where the organisers collected one, else by chat account; the key is random,
so no cue id or log line ever carries anyone's address. A registrant may also carry the Matrix id the
organisers collected (`matrix`): Matrix has no directory by e-mail, so that is how an imported
registrant is matched to their account there, as a speaker is by `matrix:` in the schedule.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from bot.i18n.languages import CODES, language_of
from bot.i18n.words import Words

EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
LANGUAGES = CODES
FIELD_LIMITS = {"name": 200, "title": 200, "organisation": 300, "phone": 40, "email": 254, "matrix": 200}


def new_key() -> str:
    return "r" + secrets.token_hex(6)


def normal_email(email: str) -> str:
    return email.strip().lower()


def normal_mode(text: str) -> str | None:
    """`online`, `in_person` (also "in person", "in-person", "présentiel", "presencial"), else None."""
    word = text.strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {
        "online": "online",
        "remote": "online",
        "en_ligne": "online",
        "en_línea": "online",
        "virtual": "online",
        "in_person": "in_person",
        "inperson": "in_person",
        "on_site": "in_person",
        "onsite": "in_person",
        "présentiel": "in_person",
        "presentiel": "in_person",
        "presencial": "in_person",
    }
    return aliases.get(word)


def normal_language(text: str) -> str | None:
    """`en`, `fr`, `es` from a code or a locale (`fr-CA`, `es_419`) or a name ("French", "español")."""
    return language_of(text)


@dataclass(frozen=True)
class Registrant:
    key: str
    name: str
    mode: str  # "online" or "in_person"
    registered_at: datetime
    title: str = ""
    organisation: str = ""
    email: str | None = None
    phone: str = ""
    language: str | None = None
    timezone: str | None = None
    person: str | None = None  # their chat account, once known
    source: str = "chat"  # "chat" or "import"
    confirmed_at: datetime | None = None
    checked_in_at: datetime | None = None
    cancelled_at: datetime | None = None
    matrix: str | None = None  # the Matrix id the organisers gave (`@name:example.org`)

    @property
    def active(self) -> bool:
        return self.cancelled_at is None

    def account(self, platform_key: str) -> str | None:
        """Their account on a chat platform as the organisers gave it (Matrix only: Slack's are found
        by e-mail), to be matched on that platform."""
        return self.matrix if platform_key == "matrix" else None

    def attendee(self) -> Attendee | None:
        """What the planner may know: enough to plan their reminders, nothing personal."""
        if self.person is None or not self.active:
            return None
        return Attendee(self.key, self.mode, self.registered_at, self.language, self.timezone)


@dataclass(frozen=True)
class Attendee:
    """A registrant as the planner sees them: when they registered, how they attend, their language."""

    key: str
    mode: str
    registered_at: datetime
    language: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class Details:
    """What a person gives when registering (the form, or a row of the organisers' list)."""

    name: str
    mode: str
    title: str = ""
    organisation: str = ""
    email: str | None = None
    phone: str = ""
    language: str | None = None
    timezone: str | None = None
    matrix: str | None = None

    def problems(self, modes: tuple[str, ...], w: Words | None = None) -> dict[str, str]:
        """What is wrong, by field (empty when it can be stored), in the reader's words (`w`; the
        command line's English by default)."""
        w = w or Words("en")
        found: dict[str, str] = {}
        if not self.name.strip():
            found["name"] = w("Please give your name.")
        for field, limit in FIELD_LIMITS.items():
            value = getattr(self, field) or ""
            if len(value) > limit:
                found[field] = w("At most {limit} characters, please.").format(limit=w.number(limit))
        if self.mode not in modes:
            names = {"online": w("online"), "in_person": w("in person")}
            found["mode"] = w("Please choose how you will attend: {modes}.").format(
                modes=w(" or ").join(names.get(m, m) for m in modes)
            )
        if self.email and not EMAIL.match(self.email):
            found["email"] = w("That does not look like an e-mail address.")
        if self.phone and not re.fullmatch(r"[+()0-9 .\-/]{5,40}", self.phone):
            found["phone"] = w("A telephone number has digits, spaces and + - ( ) only.")
        return found
