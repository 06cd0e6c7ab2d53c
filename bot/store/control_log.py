"""The control log: who steered the live webinar, when, and how (an append-only audit trail)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from bot.store.db import reading, transaction
from bot.store.tables import control_log


@dataclass(frozen=True)
class ControlEntry:
    """One moderator action, as recorded."""

    id: int
    at: datetime
    user_id: str
    action: str
    detail: Mapping[str, Any] = field(default_factory=dict)


class ControlLog:
    """The control log of one webinar."""

    def __init__(self, engine: Engine, webinar: str) -> None:
        if not webinar:
            raise ValueError("the control log needs a webinar key")
        self.engine = engine
        self.webinar = webinar

    def append(self, at: datetime, user_id: str, action: str, detail: Mapping[str, Any] | None = None) -> int:
        """Record an action; returns its id (ids grow in the order actions were recorded)."""
        with transaction(self.engine) as conn:
            result = conn.execute(
                insert(control_log)
                .values(
                    webinar=self.webinar, at=at, user_id=user_id, action=action, detail=dict(detail or {})
                )
                .returning(control_log.c.id)
            )
            return int(result.scalar_one())

    def recent(self, limit: int = 20) -> list[ControlEntry]:
        """The last `limit` actions, oldest first (in recording order, not by `at`: clocks can be scaled)."""
        t = control_log.c
        with reading(self.engine) as conn:
            rows = conn.execute(
                select(t.id, t.at, t.user_id, t.action, t.detail)
                .where(t.webinar == self.webinar)
                .order_by(t.id.desc())
                .limit(limit)
            ).all()
        return [
            ControlEntry(row.id, row.at, row.user_id, row.action, dict(row.detail)) for row in reversed(rows)
        ]
