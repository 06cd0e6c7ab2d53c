"""Every webinar a database holds, at a glance: where it stands, its next cue, who runs it.

Read from the store alone (the outbox, the live state, the leases), so `webinar-bot status` works
from any machine that reaches the database, while the bots run elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Engine, func, select

from bot.store.db import reading
from bot.store.lease import SchedulerLease
from bot.store.outbox import OutboxStatus
from bot.store.tables import live_state, outbox, webinars


@dataclass(frozen=True)
class Overview:
    key: str
    title: str
    timezone: str
    planned: int
    sent: int
    first_at: datetime | None
    last_at: datetime | None
    next_at: datetime | None
    next_cue: str | None
    paused: bool
    runner: str | None  # who runs its cues now (None: nobody)

    def stands(self, now: datetime) -> str:
        if self.first_at is None or self.last_at is None:
            return "nothing planned"
        if now < self.first_at:
            return "ahead"
        if now > self.last_at and self.next_at is None:
            return "over"
        return "paused" if self.paused else "under way"


def overviews(engine: Engine) -> list[Overview]:
    with reading(engine) as conn:
        known = conn.execute(select(webinars).order_by(webinars.c.date, webinars.c.webinar)).all()
        result = []
        for row in known:
            key = row.webinar
            mine = outbox.c.webinar == key
            planned, first, last = conn.execute(
                select(func.count(), func.min(outbox.c.planned_at), func.max(outbox.c.planned_at)).where(
                    mine, outbox.c.status != OutboxStatus.VOID.value
                )
            ).one()
            sent = conn.execute(
                select(func.count()).where(mine, outbox.c.status == OutboxStatus.SENT.value)
            ).scalar_one()
            upcoming = conn.execute(
                select(outbox.c.cue_id, outbox.c.planned_at)
                .where(mine, outbox.c.status.in_([OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]))
                .order_by(outbox.c.planned_at, outbox.c.cue_id)
                .limit(1)
            ).first()
            document = conn.execute(select(live_state.c.document).where(live_state.c.webinar == key)).scalar()
            pauses = document.get("pauses", []) if isinstance(document, dict) else []
            paused = any(isinstance(p, dict) and p.get("end") is None for p in pauses)
            result.append(
                Overview(
                    key,
                    row.title,
                    row.timezone,
                    int(planned or 0),
                    int(sent or 0),
                    _aware(first),
                    _aware(last),
                    _aware(upcoming.planned_at) if upcoming is not None else None,
                    upcoming.cue_id if upcoming is not None else None,
                    paused,
                    None,
                )
            )
    return [_with_runner(engine, o) for o in result]


def _aware(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None


def _with_runner(engine: Engine, overview: Overview) -> Overview:
    return replace(overview, runner=SchedulerLease(engine, overview.key, "webinar-bot status").holder())
