"""The live state: one JSON document per webinar (moderators' adjustments), saved with optimistic concurrency.

Whoever saves names the version it read; if another writer saved in between, the save is refused
with `StaleState` instead of silently undoing the other writer's change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine, Executable, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from bot.store.db import reading, transaction
from bot.store.tables import live_state


class StaleState(RuntimeError):
    """Another writer saved the live state after this one read it: reload, reapply, save again."""


class LiveStateStore:
    """The live-state document of one webinar."""

    def __init__(self, engine: Engine, webinar: str) -> None:
        if not webinar:
            raise ValueError("the live state needs a webinar key")
        self.engine = engine
        self.webinar = webinar

    def load(self) -> tuple[dict[str, Any], int] | None:
        """The document and its version, or None before the first save."""
        with reading(self.engine) as conn:
            row = conn.execute(
                select(live_state.c.document, live_state.c.version).where(
                    live_state.c.webinar == self.webinar
                )
            ).first()
        return None if row is None else (dict(row.document), int(row.version))

    def save(self, document: Mapping[str, Any], expected_version: int | None) -> int:
        """Store `document` if the stored version is still `expected_version` (None: nothing stored yet).

        Returns the new version; raises `StaleState` when another writer saved first.
        """
        doc = dict(document)
        t = live_state.c
        try:
            with transaction(self.engine) as conn:
                if expected_version is None:
                    row = {"webinar": self.webinar, "document": doc, "version": 1}
                    if conn.execute(_insert_if_absent(self.engine), row).first() is not None:
                        return 1
                else:
                    updated = conn.execute(
                        update(live_state)
                        .where(t.webinar == self.webinar, t.version == expected_version)
                        .values(document=doc, version=t.version + 1)
                    ).rowcount
                    if updated == 1:
                        return expected_version + 1
        except IntegrityError:
            pass  # a plain INSERT (dialects without ON CONFLICT) lost the race to another writer
        current = self.load()
        found = "none" if current is None else current[1]
        raise StaleState(
            f"live state of {self.webinar!r} changed meanwhile "
            f"(expected version {expected_version}, found {found})"
        )


def _insert_if_absent(engine: Engine) -> Executable:
    """An INSERT that returns its row, or nothing when the row exists (rowcount is not reliable here)."""
    if engine.dialect.name == "sqlite":
        return sqlite.insert(live_state).on_conflict_do_nothing().returning(live_state.c.version)
    if engine.dialect.name == "postgresql":
        return postgresql.insert(live_state).on_conflict_do_nothing().returning(live_state.c.version)
    return live_state.insert().returning(live_state.c.version)
