"""Reactions a platform account saw, by the reaction's own event id (Matrix): a redaction names only
that id, so this is how a vote taken back after a restart is still read as that vote."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from bot.store.db import transaction
from bot.store.tables import seen_reactions


@dataclass(frozen=True)
class SeenReaction:
    room: str
    target: str
    person: str
    emoji: str


class SeenReactionStore:
    def __init__(self, engine: Engine, account: str) -> None:
        self.engine = engine
        self.account = account

    def put(self, event_id: str, reaction: SeenReaction) -> None:
        with transaction(self.engine) as conn, suppress(IntegrityError):  # seen twice: the same row
            conn.execute(
                insert(seen_reactions).values(
                    account=self.account,
                    event_id=event_id,
                    room=reaction.room,
                    target=reaction.target,
                    person=reaction.person,
                    emoji=reaction.emoji[:64],
                )
            )

    def pop(self, event_id: str) -> SeenReaction | None:
        where = (seen_reactions.c.account == self.account) & (seen_reactions.c.event_id == event_id)
        with transaction(self.engine) as conn:
            row = conn.execute(select(seen_reactions).where(where)).first()
            if row is None:
                return None
            conn.execute(delete(seen_reactions).where(where))
        return SeenReaction(row.room, row.target, row.person, row.emoji)
