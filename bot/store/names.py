"""The names of chat accounts, looked up from the platform and kept, so that everything that shows a
person (a question's author in the digest, the App Home, the report) shows their name as soon as it
is known, whatever order the lookup and the question arrived in."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.store.db import transaction
from bot.store.tables import names


class NameStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, person: str, name: str, now: datetime) -> None:
        with transaction(self.engine) as conn:
            done = conn.execute(
                update(names).where(names.c.person == person).values(name=name, updated_at=now)
            )
            if done.rowcount == 0:
                with suppress(IntegrityError):  # another writer got there first: theirs is as good
                    conn.execute(insert(names).values(person=person, name=name, updated_at=now))

    def all(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            return {r.person: r.name for r in conn.execute(select(names.c.person, names.c.name)).all()}
