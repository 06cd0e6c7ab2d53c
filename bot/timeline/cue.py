"""A cue: one message the bot will post, at one instant, to one audience; and the cue-id format.

A cue id is `kind:subject@audience` (`slot_end:thematic/informal-economy/behrendt@speaker:behrendt`),
built from keys, never from positions or times, so the same cue has the same id run after run and
across edits. This module is the only one that builds or reads that format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.kinds import Kind, grace_for, policy

CHANNEL_AUDIENCES = ("announcements", "questions", "backstage")
SPEAKER_PREFIX = "speaker:"
REGISTRANT_PREFIX = "registrant:"


def speaker_audience(key: str) -> str:
    return f"{SPEAKER_PREFIX}{key}"


def audience_speaker(audience: str) -> str | None:
    """The speaker key of a `speaker:<key>` audience, else None."""
    return audience[len(SPEAKER_PREFIX) :] if audience.startswith(SPEAKER_PREFIX) else None


def registrant_audience(key: str) -> str:
    return f"{REGISTRANT_PREFIX}{key}"


def audience_registrant(audience: str) -> str | None:
    """The registrant key of a `registrant:<key>` audience, else None."""
    return audience[len(REGISTRANT_PREFIX) :] if audience.startswith(REGISTRANT_PREFIX) else None


def cue_id(kind: Kind, subject: str, audience: str) -> str:
    """Stable across runs and edits: built from keys, never from positions or times."""
    return f"{kind.value}:{subject}@{audience}"


@dataclass(frozen=True)
class CueId:
    kind: Kind
    subject: str
    audience: str


def parse_cue_id(text: str) -> CueId | None:
    """The parts of a cue id, or None when `text` is not one."""
    kind, colon, rest = text.partition(":")
    subject, at, audience = rest.rpartition("@")
    if not colon or not at or kind not in Kind.__members__.values():
        return None
    return CueId(Kind(kind), subject, audience)


@dataclass(frozen=True)
class Cue:
    id: str
    at: datetime
    kind: Kind
    audience: str
    template: str
    subject: str
    context: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)
    anchor: datetime | None = None  # what the cue's usefulness counts from, when not `at` (a slot's start)

    @property
    def expires(self) -> datetime:
        """After this instant the cue would confuse more than help: it is not posted late."""
        return (self.anchor or self.at) + grace_for(self.kind)

    def sort_key(self) -> tuple[datetime, int, int, str]:
        audience_rank = (
            CHANNEL_AUDIENCES.index(self.audience)
            if self.audience in CHANNEL_AUDIENCES
            else len(CHANNEL_AUDIENCES)
        )
        return (self.at, policy(self.kind).rank, audience_rank, self.id)

    def late_by(self, now: datetime) -> timedelta:
        return now - self.at
