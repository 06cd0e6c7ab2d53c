"""The replicas of one deployment, as each sees the others: who is alive, and a fair share of the
webinars for each.

Each replica says it is alive every few seconds (a row with the time it was last seen), and holds a
presence lease of its own (`bot.store.lease`: it dies with the process, even on `kill -9`), so a dead
replica stops counting at once rather than when its row grows old. The webinars' leases decide who
runs their cues; this table only spreads the work: a replica takes free webinars up to its fair
share, and hands over what it holds beyond it when another replica joins.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update

from bot.store.db import reading, transaction
from bot.store.lease import LockSession, SchedulerLease
from bot.store.tables import replicas

ALIVE_FOR = timedelta(seconds=10)  # a replica not seen this long is gone (its leases are gone already)


@dataclass(frozen=True)
class Replica:
    id: str
    owner: str
    seen_at: datetime
    webinars: int


def fair_share(webinars: int, alive: int) -> int:
    """How many webinars one replica should run the cues of: all of them, split evenly, rounded up."""
    return math.ceil(webinars / max(alive, 1)) if webinars else 0


class ReplicaRegistry:
    def __init__(self, engine: Engine, owner: str, session: LockSession | None = None) -> None:
        self.engine = engine
        self.owner = owner
        self.id = uuid.uuid4().hex
        # Only PostgreSQL serves replicas; on SQLite (one process) a presence lock would only leave a
        # lock file behind per run.
        self.shared = engine.dialect.name == "postgresql"
        self.presence = SchedulerLease(engine, presence_key(self.id), owner, session) if self.shared else None

    def seen(self, now: datetime, webinars: int) -> None:
        """This replica is alive now, running the cues of `webinars` webinars."""
        if self.presence is not None:
            self.presence.acquire(0.0)
        values = {"owner": self.owner, "seen_at": now, "webinars": webinars}
        with transaction(self.engine) as conn:
            changed = conn.execute(update(replicas).where(replicas.c.id == self.id).values(**values)).rowcount
            if not changed:
                conn.execute(insert(replicas).values(id=self.id, **values))
            conn.execute(delete(replicas).where(replicas.c.seen_at < now - 6 * ALIVE_FOR))

    def alive(self, now: datetime) -> list[Replica]:
        with reading(self.engine) as conn:
            rows = conn.execute(
                select(replicas).where(replicas.c.seen_at >= now - ALIVE_FOR).order_by(replicas.c.id)
            ).all()
        return [
            Replica(r.id, r.owner, r.seen_at, r.webinars)
            for r in rows
            if r.id == self.id
            or not self.shared
            or SchedulerLease(self.engine, presence_key(r.id), self.owner).holder()
        ]

    def abandon(self) -> None:
        """As a killed process: its presence goes, its row stays until it grows old (tests)."""
        if self.presence is not None:
            self.presence.release()

    def leave(self) -> None:
        with transaction(self.engine) as conn:
            conn.execute(delete(replicas).where(replicas.c.id == self.id))
        if self.presence is not None:
            self.presence.release()


def presence_key(replica: str) -> str:
    return f"replica-{replica}"
