"""A cue: one message the bot will post, at one instant, to one audience."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    REMINDER = "reminder"
    ITEM_START = "item_start"
    THREAD_OPEN = "thread_open"
    STANDBY = "standby"
    SLOT_WARNING = "slot_warning"
    SLOT_END = "slot_end"
    OVERRUN = "overrun"
    DISCUSSION_START = "discussion_start"
    ITEM_END = "item_end"


# At one instant, endings are said before beginnings, and the room before the people in it.
KIND_ORDER = {
    Kind.SLOT_END: 0,
    Kind.OVERRUN: 1,
    Kind.ITEM_END: 2,
    Kind.REMINDER: 3,
    Kind.ITEM_START: 4,
    Kind.THREAD_OPEN: 5,
    Kind.DISCUSSION_START: 6,
    Kind.SLOT_WARNING: 8,
    Kind.STANDBY: 9,
}
AUDIENCES = ("announcements", "questions", "backstage", "participants")
SPEAKER_PREFIX = "speaker:"


def speaker_audience(key: str) -> str:
    return f"{SPEAKER_PREFIX}{key}"


def audience_speaker(audience: str) -> str | None:
    """The speaker key of a `speaker:<key>` audience, else None."""
    return audience[len(SPEAKER_PREFIX) :] if audience.startswith(SPEAKER_PREFIX) else None


def cue_id(kind: Kind, subject: str, audience: str) -> str:
    """Stable across runs and edits: built from keys, never from positions or times."""
    return f"{kind.value}:{subject}@{audience}"


@dataclass(frozen=True)
class Cue:
    id: str
    at: datetime
    kind: Kind
    audience: str
    template: str
    subject: str
    context: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def sort_key(self) -> tuple[datetime, int, int, str]:
        audience_rank = AUDIENCES.index(self.audience) if self.audience in AUDIENCES else len(AUDIENCES)
        return (self.at, KIND_ORDER[self.kind], audience_rank, self.id)
