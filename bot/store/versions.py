"""One number per webinar for each part of its state that other replicas may change.

A replica that runs a webinar's cues must pick up what another replica stored: a moderator's control
(the live state's own `version`), a registration or a speaker's answer (`people_versions`, bumped by
every write to them). Reading both numbers for every webinar takes two queries a pass, however many
webinars a process runs; only a webinar whose numbers moved reads its state afresh.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.tables import live_state, people_versions

Stamp = tuple[int | None, int | None]  # (live state version, people version); None: nothing stored yet


def bump_people(conn: Any, webinar: str) -> None:
    """Count one change to `webinar`'s people, inside the caller's transaction (so the count and the
    change are stored together). An upsert: two replicas changing a new webinar's people at once
    both count."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(people_versions).values(webinar=webinar, version=1)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[people_versions.c.webinar],
            set_={"version": people_versions.c.version + 1},
        )
    )


def stamps(engine: Engine) -> dict[str, Stamp]:
    """Every webinar's numbers, as stored now."""
    with engine.connect() as conn:
        states = {str(w): int(v) for w, v in conn.execute(select(live_state.c.webinar, live_state.c.version))}
        people = {
            str(w): int(v)
            for w, v in conn.execute(select(people_versions.c.webinar, people_versions.c.version))
        }
    return {webinar: (states.get(webinar), people.get(webinar)) for webinar in states.keys() | people.keys()}
