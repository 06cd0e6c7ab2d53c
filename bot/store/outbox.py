"""The outbox: every planned cue is recorded before it is sent, and marked sent with Slack's `ts`.

A cue moves `pending` → `sending` (claimed by exactly one caller) → `sent` | `failed`, or back to
`pending` (released for a retry). A restart therefore never repeats a `sent` cue and never drops a
`pending` one; `sending` rows are the only doubt after a crash, and the runtime reconciles them
with the conversation's history (`in_flight`). A pending cue found late (the bot was not running) is
posted if its kind's grace allows, otherwise it is marked `missed` and reported to backstage; one
that a moderator's change made moot is `void` (withdrawn), with the reason.
Replanning (`sync`) only ever touches `pending` and `void` rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, Row, and_, bindparam, func, select, update

from bot.chat.port import MessageRef
from bot.store.db import insert_ignoring_duplicates, reading, transaction
from bot.store.tables import outbox

_CLAIM_CHUNK = 500  # cue ids per UPDATE (well within SQLite's and PostgreSQL's bound parameters)


if TYPE_CHECKING:
    from bot.store.sent_marks import SentMarks


@dataclass(frozen=True)
class SentMark:
    """A cue posted (where, when), to be marked `sent` with others (`bot.store.sent_marks`)."""

    webinar: str
    cue_id: str
    ref: MessageRef
    at: datetime


def mark_sent_together(engine: Engine, marks: list[SentMark]) -> None:
    """Mark several webinars' claimed cues sent in one transaction (those no longer `sending` stay)."""
    t = outbox.c
    statement = (
        update(outbox)
        .where(
            t.webinar == bindparam("m_webinar"),
            t.cue_id == bindparam("m_cue"),
            t.status == OutboxStatus.SENDING.value,
        )
        .values(
            status=OutboxStatus.SENT.value,
            channel=bindparam("m_channel"),
            ts=bindparam("m_ts"),
            error=None,
            sent_at=bindparam("m_at"),
            updated_at=bindparam("m_at"),
        )
    )
    rows = [
        {
            "m_webinar": m.webinar,
            "m_cue": m.cue_id,
            "m_channel": m.ref.conversation,
            "m_ts": m.ref.id,
            "m_at": m.at,
        }
        for m in marks
    ]
    with transaction(engine) as conn:
        conn.execute(statement, rows)


class OutboxStatus(StrEnum):
    PENDING = "pending"  # planned, not yet claimed
    SENDING = "sending"  # claimed by the sender; posted or not, we do not know until it is marked
    SENT = "sent"  # posted; `channel` and `ts` say where
    MISSED = "missed"  # found too late to be useful (the bot was down); reported to backstage instead
    VOID = (
        "void"  # withdrawn: a change of plan made it moot (`error` says which); back to pending if replanned
    )
    FAILED = "failed"  # Slack refused it for good; `error` says why


@dataclass(frozen=True)
class PlannedCue:
    """What the planner gives the outbox: a stable id and when, what and to whom."""

    cue_id: str
    kind: str
    audience: str
    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError(f"cue {self.cue_id}: naive instant {self.at!r}")


@dataclass(frozen=True)
class OutboxEntry:
    """One row of the outbox, as stored."""

    webinar: str
    cue_id: str
    kind: str
    audience: str
    planned_at: datetime
    status: OutboxStatus
    channel: str | None
    ts: str | None
    attempts: int
    error: str | None
    claimed_at: datetime | None
    sent_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class SyncResult:
    """The cue ids a `sync` changed, each list sorted."""

    added: tuple[str, ...] = ()
    moved: tuple[str, ...] = ()
    voided: tuple[str, ...] = ()
    revived: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.added or self.moved or self.voided or self.revived)


def _entry(row: Row[Any]) -> OutboxEntry:
    m = row._mapping
    return OutboxEntry(
        webinar=m["webinar"],
        cue_id=m["cue_id"],
        kind=m["kind"],
        audience=m["audience"],
        planned_at=m["planned_at"],
        status=OutboxStatus(m["status"]),
        channel=m["channel"],
        ts=m["ts"],
        attempts=m["attempts"],
        error=m["error"],
        claimed_at=m["claimed_at"],
        sent_at=m["sent_at"],
        updated_at=m["updated_at"],
    )


class Outbox:
    """The outbox rows of one webinar."""

    def __init__(self, engine: Engine, webinar: str, marks: SentMarks | None = None) -> None:
        """`marks`: where a running `serve` process writes its cues' marks together (see
        `bot.store.sent_marks`); without it, each mark is written at once."""
        if not webinar:
            raise ValueError("the outbox needs a webinar key")
        self.engine = engine
        self.webinar = webinar
        self.marks = marks

    # -- planning ---------------------------------------------------------------------------------

    def sync(self, cues: Iterable[PlannedCue], now: datetime, reason: str | None = None) -> SyncResult:
        """Make the outbox match a (re)plan, touching only `pending` and `void` rows.

        One SELECT, then bulk writes; every write re-checks the status it expects, so a cue
        claimed meanwhile by the sender is left alone.
        """
        planned: dict[str, PlannedCue] = {}
        for cue in cues:
            if cue.cue_id in planned:
                raise ValueError(f"cue {cue.cue_id} is planned twice")
            planned[cue.cue_id] = cue
        t = outbox.c
        with transaction(self.engine) as conn:
            existing = conn.execute(
                select(t.cue_id, t.status, t.kind, t.audience, t.planned_at).where(t.webinar == self.webinar)
            ).all()
            known = {row.cue_id for row in existing}
            added = sorted(set(planned) - known)
            moved: list[str] = []
            voided: list[str] = []
            revived: list[str] = []
            for row in existing:
                wanted = planned.get(row.cue_id)
                if row.status == OutboxStatus.PENDING:
                    if wanted is None:
                        voided.append(row.cue_id)
                    elif (row.planned_at, row.kind, row.audience) != (
                        wanted.at,
                        wanted.kind,
                        wanted.audience,
                    ):
                        moved.append(row.cue_id)
                elif row.status == OutboxStatus.VOID and wanted is not None:
                    revived.append(row.cue_id)
            if added:
                conn.execute(
                    insert_ignoring_duplicates(self.engine, outbox),
                    [
                        {
                            "webinar": self.webinar,
                            "cue_id": cue_id,
                            "kind": planned[cue_id].kind,
                            "audience": planned[cue_id].audience,
                            "planned_at": planned[cue_id].at,
                            "status": OutboxStatus.PENDING.value,
                            "attempts": 0,
                            "updated_at": now,
                        }
                        for cue_id in added
                    ],
                )
            for ids, status in ((moved, OutboxStatus.PENDING), (revived, OutboxStatus.VOID)):
                if ids:
                    conn.execute(
                        update(outbox)
                        .where(
                            and_(
                                t.webinar == self.webinar,
                                t.cue_id == bindparam("b_cue_id"),
                                t.status == status.value,
                            )
                        )
                        .values(
                            kind=bindparam("b_kind"),
                            audience=bindparam("b_audience"),
                            planned_at=bindparam("b_at"),
                            status=OutboxStatus.PENDING.value,
                            error=None,
                            updated_at=now,
                        ),
                        [
                            {
                                "b_cue_id": cue_id,
                                "b_kind": planned[cue_id].kind,
                                "b_audience": planned[cue_id].audience,
                                "b_at": planned[cue_id].at,
                            }
                            for cue_id in ids
                        ],
                    )
            if voided:
                conn.execute(
                    update(outbox)
                    .where(
                        and_(
                            t.webinar == self.webinar,
                            t.cue_id == bindparam("b_cue_id"),
                            t.status == OutboxStatus.PENDING.value,
                        )
                    )
                    .values(status=OutboxStatus.VOID.value, error=reason, updated_at=now),
                    [{"b_cue_id": cue_id} for cue_id in voided],
                )
        return SyncResult(tuple(added), tuple(sorted(moved)), tuple(sorted(voided)), tuple(sorted(revived)))

    # -- sending ----------------------------------------------------------------------------------

    def claim(self, cue_id: str, now: datetime) -> bool:
        """Take a `pending` cue for sending; True for exactly one of any number of racing callers."""
        return self._transition(
            cue_id,
            (OutboxStatus.PENDING,),
            status=OutboxStatus.SENDING.value,
            attempts=outbox.c.attempts + 1,
            claimed_at=now,
            updated_at=now,
        )

    def claim_many(self, cue_ids: Sequence[str], now: datetime) -> set[str]:
        """Claim several `pending` cues in one transaction (the cues due at one instant); those won."""
        if not cue_ids:
            return set()
        t = outbox.c
        ids = list(dict.fromkeys(cue_ids))
        won: set[str] = set()
        with transaction(self.engine) as conn:  # a statement per 500: the instant's cues wait for no more
            for first in range(0, len(ids), _CLAIM_CHUNK):
                rows = conn.execute(
                    update(outbox)
                    .where(
                        t.webinar == self.webinar,
                        t.cue_id.in_(ids[first : first + _CLAIM_CHUNK]),
                        t.status == OutboxStatus.PENDING.value,
                    )
                    .values(
                        status=OutboxStatus.SENDING.value,
                        attempts=t.attempts + 1,
                        claimed_at=now,
                        updated_at=now,
                    )
                    .returning(t.cue_id)
                )
                won.update(str(row[0]) for row in rows)
        return won

    def mark_sent(self, cue_id: str, ref: MessageRef, now: datetime) -> bool:
        """Record where a claimed cue was posted; False if it was not `sending` (or, queued to be
        written with others, True)."""
        if self.marks is not None and self.marks.add(SentMark(self.webinar, cue_id, ref, now)):
            return True
        return self._transition(
            cue_id,
            (OutboxStatus.SENDING,),
            status=OutboxStatus.SENT.value,
            channel=ref.conversation,
            ts=ref.id,
            error=None,
            sent_at=now,
            updated_at=now,
        )

    def mark_missed(self, cue_id: str, now: datetime, reason: str) -> bool:
        """A `pending` (or unconfirmed `sending`) cue that is too late to post; False if it was neither."""
        return self._transition(
            cue_id,
            (OutboxStatus.PENDING, OutboxStatus.SENDING),
            status=OutboxStatus.MISSED.value,
            error=reason,
            updated_at=now,
        )

    def withdraw(self, cue_id: str, now: datetime, reason: str) -> bool:
        """A `pending` cue that a change of plan made moot (too late now, through no outage)."""
        return self._transition(
            cue_id, (OutboxStatus.PENDING,), status=OutboxStatus.VOID.value, error=reason, updated_at=now
        )

    def mark_failed(self, cue_id: str, now: datetime, error: str) -> bool:
        """A claimed cue that the platform refused for good; False if it was not `sending`."""
        return self._transition(
            cue_id, (OutboxStatus.SENDING,), status=OutboxStatus.FAILED.value, error=error, updated_at=now
        )

    def release(self, cue_id: str, now: datetime, error: str | None = None) -> bool:
        """Give a claimed cue back (`sending` → `pending`) after a failure worth retrying."""
        return self._transition(
            cue_id, (OutboxStatus.SENDING,), status=OutboxStatus.PENDING.value, error=error, updated_at=now
        )

    def _transition(self, cue_id: str, sources: tuple[OutboxStatus, ...], **values: Any) -> bool:
        t = outbox.c
        with transaction(self.engine) as conn:
            result = conn.execute(
                update(outbox)
                .where(
                    t.webinar == self.webinar, t.cue_id == cue_id, t.status.in_([s.value for s in sources])
                )
                .values(**values)
            )
            return result.rowcount == 1

    # -- reading ----------------------------------------------------------------------------------

    def get(self, cue_id: str) -> OutboxEntry | None:
        with reading(self.engine) as conn:
            row = conn.execute(
                select(outbox).where(outbox.c.webinar == self.webinar, outbox.c.cue_id == cue_id)
            ).first()
        return None if row is None else _entry(row)

    def entries(self, status: OutboxStatus | None = None) -> list[OutboxEntry]:
        """The webinar's entries (optionally of one status), in planned order."""
        query = select(outbox).where(outbox.c.webinar == self.webinar)
        if status is not None:
            query = query.where(outbox.c.status == status.value)
        with reading(self.engine) as conn:
            rows = conn.execute(query.order_by(outbox.c.planned_at, outbox.c.cue_id)).all()
        return [_entry(row) for row in rows]

    def in_flight(self) -> list[OutboxEntry]:
        """Cues claimed but not confirmed: after a crash, check the conversation's history before deciding."""
        return self.entries(OutboxStatus.SENDING)

    def counts(self) -> dict[str, int]:
        """Entries per status, every status present (zero when none)."""
        counts = {status.value: 0 for status in OutboxStatus}
        with reading(self.engine) as conn:
            rows = conn.execute(
                select(outbox.c.status, func.count())
                .where(outbox.c.webinar == self.webinar)
                .group_by(outbox.c.status)
            ).all()
        counts.update({status: count for status, count in rows})
        return counts
