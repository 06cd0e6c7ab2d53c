"""The kinds of cue, each declared once: its name, its place at an instant, how long it stays useful,
who it goes to, and whether a schedule or a moderator may mute it.

Everything else reads this table: the schedule's `mute:` names, the planner's ordering, the
runner's decision to post a late cue or to give up on it, the control `/webinar mute KIND`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from types import MappingProxyType


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
    SCHEDULE_CHANGE = "schedule_change"
    CONFIRM_REQUEST = "confirm_request"
    CONFIRM_MISSING = "confirm_missing"
    CHECKIN = "checkin"
    CHECKIN_MISSING = "checkin_missing"
    REGISTERED = "registered"


@dataclass(frozen=True)
class KindPolicy:
    """`rank`: at one instant, lower ranks are said first (endings before beginnings, the room before
    the people in it). `grace`: how late the cue is still worth posting (for `standby`, counted from
    the start of the speaker's slot: "you're on next" is useful until they are on). `audiences`:
    where it goes (`speaker` stands for the speaker's direct messages)."""

    rank: int
    grace: timedelta
    audiences: tuple[str, ...]
    mutable: bool = True
    why: str = ""


POLICIES: MappingProxyType[Kind, KindPolicy] = MappingProxyType(
    {
        Kind.SLOT_END: KindPolicy(
            0,
            timedelta(minutes=1),
            ("speaker", "backstage"),
            why="'your time is up' is useless after a minute",
        ),
        Kind.OVERRUN: KindPolicy(1, timedelta(minutes=1), ("backstage",)),
        Kind.ITEM_END: KindPolicy(
            2, timedelta(minutes=10), ("announcements",), why="closes the record of the item; harmless late"
        ),
        Kind.SCHEDULE_CHANGE: KindPolicy(
            3, timedelta(minutes=5), ("announcements", "speaker"), why="a change of plan is news for a while"
        ),
        Kind.REMINDER: KindPolicy(
            4,
            timedelta(minutes=10),
            ("announcements", "registrant", "speaker"),
            why="'starts in 15 minutes' is still worth saying",
        ),
        Kind.ITEM_START: KindPolicy(
            5, timedelta(minutes=5), ("announcements",), why="what is on now helps latecomers"
        ),
        Kind.THREAD_OPEN: KindPolicy(
            6, timedelta(minutes=30), ("questions",), why="the thread must exist while its session runs"
        ),
        Kind.DISCUSSION_START: KindPolicy(7, timedelta(minutes=3), ("announcements", "backstage")),
        Kind.SLOT_WARNING: KindPolicy(
            8, timedelta(minutes=1), ("speaker", "backstage"), why="a countdown off by a minute is useless"
        ),
        Kind.STANDBY: KindPolicy(
            9, timedelta(minutes=1), ("speaker",), why="'you're on next' is useful until the speaker is on"
        ),
        Kind.CONFIRM_REQUEST: KindPolicy(
            10, timedelta(days=1), ("speaker",), why="asking a speaker to confirm is useful for a day"
        ),
        Kind.CONFIRM_MISSING: KindPolicy(11, timedelta(hours=12), ("backstage",)),
        Kind.CHECKIN: KindPolicy(12, timedelta(minutes=10), ("speaker",)),
        Kind.CHECKIN_MISSING: KindPolicy(
            13, timedelta(minutes=5), ("backstage",), why="a missing speaker matters until their slot"
        ),
        Kind.REGISTERED: KindPolicy(
            14, timedelta(0), ("registrant",), why="what we recorded is worth saying until the start"
        ),
    }
)
KIND_NAMES: tuple[str, ...] = tuple(kind.value for kind in Kind)


def policy(kind: Kind | str) -> KindPolicy:
    return POLICIES[Kind(kind)]


def grace_for(kind: Kind | str) -> timedelta:
    """How long after its instant (its anchor, for standby) a cue of this kind is still worth posting."""
    return policy(kind).grace
