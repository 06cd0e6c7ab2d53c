"""The agenda as plain values: what happens when, who speaks, where the bot talks.

Every instant is an aware datetime resolved from the schedule's wall-clock times in its time zone,
so durations are real elapsed time even across a DST change. Keys (`Item.key`, `Session.key`,
`Slot.key`) come from explicit `id`s or from titles and speaker keys, never from positions or
times, so moving an item keeps its identity and its cue ids.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

from bot.i18n.words import N_


class SlotKind(StrEnum):
    SPEAKER = "speaker"
    DISCUSSION = "discussion"
    OTHER = "other"


@dataclass(frozen=True)
class Speaker:
    key: str
    name: str
    role: str = ""
    email: str | None = None
    slack: str | None = None
    matrix: str | None = None  # a Matrix user id, `@astor:example.org`
    confirmed: bool = True
    line: int | None = None

    @property
    def reachable(self) -> bool:
        """Whether the bot has any way to find this person in chat."""
        return bool(self.slack or self.matrix or self.email)

    def account(self, platform_key: str) -> str | None:
        """Their account on a chat platform, as the schedule gives it (`slack: U...`, `matrix: "@a:b"`)."""
        return {"slack": self.slack, "matrix": self.matrix}.get(platform_key)


@dataclass(frozen=True)
class Reminder:
    template: str
    before: timedelta
    line: int | None = None
    at: datetime | None = None  # an absolute instant, when the schedule gives one
    to: str = "channel"  # channel (announcements), online, in_person, registrants or speakers

    def instant(self, start: datetime) -> datetime:
        return self.at if self.at is not None else start - self.before


REMINDER_AUDIENCES = ("channel", "online", "in_person", "registrants", "speakers")
MODES = ("online", "in_person")
DISCUSSION = N_("Discussion")  # a discussion slot's title when the schedule gives none (a catalogue word)

# A title in other languages than the webinar's: ((code, text), ...), e.g. (("fr", "Protection
# sociale"), ("es", "Protección social")); a plain `title` serves every language without one.
Translations = tuple[tuple[str, str], ...]


def in_language(title: str, translations: Translations, code: str) -> str:
    """`title` as written in `code`, where the schedule gives it; else as written."""
    for language, text in translations:
        if language == code:
            return text
    return title


@dataclass(frozen=True)
class Registration:
    """How participants register, and what those who did are told (the `registration:` key)."""

    open: bool = True
    closes_before: timedelta = timedelta(days=1)
    modes: tuple[str, ...] = MODES
    venue: str = ""  # for in-person attendees
    requirements: str = ""  # what online attendees need
    contacts: tuple[str, ...] = ()  # the organisers, shown in help replies


@dataclass(frozen=True)
class Connection:
    platform: str = ""
    url: str = ""
    guide_url: str = ""
    details: str = ""


@dataclass(frozen=True)
class Channels:
    announcements: str
    questions: str
    backstage: str

    def for_audience(self, audience: str) -> str | None:
        return {
            "announcements": self.announcements,
            "questions": self.questions,
            "backstage": self.backstage,
        }.get(audience)


@dataclass(frozen=True)
class Settings:
    """Timing and behaviour knobs a schedule may set (all optional)."""

    warn_before: timedelta = timedelta(minutes=1)
    overrun_after: timedelta = timedelta(seconds=30)
    standby_before: timedelta = timedelta(minutes=5)
    notify_after: timedelta = timedelta(minutes=5)  # participants hear of a change of plan this big
    confirm_before: timedelta = timedelta(days=7)  # speakers to be confirmed are asked this long before
    checkin_before: timedelta = timedelta(minutes=10)  # a speaker not checked in by then is reported
    auto_shift: bool = True
    vote_emoji: str = "+1"
    workspace: str = ""  # which installation runs it, in OAuth mode (a team id or domain); "" the only one
    language: str = "en"
    languages: tuple[str, ...] = ()  # announcements and thread openings carry each; `language` first
    mute: frozenset[str] = frozenset()

    @property
    def channel_languages(self) -> tuple[str, ...]:
        """The languages of an announcement: `language`, then the rest of `languages`."""
        return (self.language, *(code for code in self.languages if code != self.language))


@dataclass(frozen=True, slots=True)
class Slot:
    """A timed part of a session: one speaker's turn, a discussion, or anything else with a title."""

    key: str
    kind: SlotKind
    start: datetime
    end: datetime
    speaker: str | None = None
    title: str = ""
    warn_before: timedelta | None = None
    title_l10n: Translations = ()
    line: int | None = None
    anchored: bool = False  # has its own `time`, rather than following the previous slot

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Session:
    """A thematic session: a run of slots with its own question thread."""

    key: str
    title: str
    start: datetime
    end: datetime
    slots: tuple[Slot, ...] = ()
    number: int = 1
    title_l10n: Translations = ()
    mute: frozenset[str] = frozenset()
    line: int | None = None
    anchored: bool = False

    @property
    def speakers(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for slot in self.slots:
            if slot.speaker:
                seen.setdefault(slot.speaker)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of the agenda (a block): its own time range, and optionally sessions or slots."""

    key: str
    title: str
    start: datetime
    end: datetime
    speakers: tuple[str, ...] = ()
    sessions: tuple[Session, ...] = ()
    slots: tuple[Slot, ...] = ()  # slots directly in the block, outside any thematic session
    description: str = ""
    mute: frozenset[str] = frozenset()
    line: int | None = None
    anchored: bool = True  # starts at its own time, rather than right after the previous item
    title_l10n: Translations = ()

    @property
    def all_slots(self) -> tuple[Slot, ...]:
        return self.slots + tuple(slot for session in self.sessions for slot in session.slots)

    @property
    def content_end(self) -> datetime:
        """When the last session or slot ends (the block's own start if it has none)."""
        ends = [s.end for s in self.sessions] + [s.end for s in self.slots]
        return max(ends, default=self.end)

    @property
    def buffer(self) -> timedelta:
        """Time left at the end of the block after its sessions and slots."""
        if not self.sessions and not self.slots:
            return timedelta(0)
        return max(self.end - self.content_end, timedelta(0))


@dataclass(frozen=True)
class Agenda:
    title: str
    timezone: str
    tz: tzinfo
    date: date
    items: tuple[Item, ...]
    speakers: Mapping[str, Speaker] = field(default_factory=dict)
    moderators: tuple[str, ...] = ()
    reminders: tuple[Reminder, ...] = ()
    connect_before: timedelta = timedelta(minutes=30)
    connection: Connection | None = None
    channels: Channels | None = None
    settings: Settings = field(default_factory=Settings)
    registration: Registration | None = None
    source: str = ""
    title_l10n: Translations = ()
    lines: Mapping[str, int] = field(default_factory=dict)  # line of each top-level key, for problems

    @property
    def start(self) -> datetime:
        return min(item.start for item in self.items)

    @property
    def end(self) -> datetime:
        return max(item.end for item in self.items)

    def sessions(self) -> Iterator[tuple[Item, Session]]:
        for item in self.items:
            for session in item.sessions:
                yield item, session

    def speaker_name(self, key: str | None) -> str:
        if not key:
            return ""
        speaker = self.speakers.get(key)
        return speaker.name if speaker else key
