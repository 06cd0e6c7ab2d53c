"""Where a platform's event stream stopped for an account (Matrix's `next_batch`), kept across restarts."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.store.db import transaction
from bot.store.tables import sync_positions


class SyncPositionStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def load(self, account: str) -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(sync_positions.c.position).where(sync_positions.c.account == account)
            ).first()
        return str(row.position) if row is not None else None

    def save(self, account: str, position: str, now: datetime) -> None:
        with transaction(self.engine) as conn:
            done = conn.execute(
                update(sync_positions)
                .where(sync_positions.c.account == account)
                .values(position=position, updated_at=now)
            )
            if done.rowcount == 0:
                with suppress(IntegrityError):  # another writer got there first: the next save wins
                    conn.execute(
                        insert(sync_positions).values(account=account, position=position, updated_at=now)
                    )
