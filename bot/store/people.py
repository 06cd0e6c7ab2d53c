"""Registrants, connection requests and speakers' answers, beside the rest of the webinar's rows.

Registering twice updates (a person is the same registrant by e-mail, else by chat account); an
import of the same list changes nothing the second time. `forget` removes a registrant's personal
data from every table that holds it, keeping only the random key and how they attended, so counts
and cue ids stay whole.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, and_, delete, insert, or_, select, update

from bot.people.registrants import Details, Registrant, new_key, normal_email
from bot.questions.model import FORMER
from bot.store.db import transaction
from bot.store.tables import (
    connection_requests,
    control_log,
    loose_votes,
    names,
    questions,
    registrants,
    speaker_answers,
    votes,
)
from bot.store.versions import bump_people

PERSONAL = ("email", "person", "name", "title", "organisation", "phone", "timezone", "matrix")


def _registrant(row: Row[Any]) -> Registrant:
    m = row._mapping
    return Registrant(
        key=m["key"],
        name=m["name"],
        mode=m["mode"],
        registered_at=m["registered_at"],
        title=m["title"],
        organisation=m["organisation"],
        email=m["email"],
        phone=m["phone"],
        language=m["language"],
        timezone=m["timezone"],
        person=m["person"],
        source=m["source"],
        confirmed_at=m["confirmed_at"],
        checked_in_at=m["checked_in_at"],
        cancelled_at=m["cancelled_at"],
        matrix=m["matrix"],
    )


@dataclass(frozen=True)
class Saved:
    registrant: Registrant
    outcome: str  # "added", "updated" or "unchanged"


DETAIL_FIELDS = tuple(f.name for f in fields(Details))


class RegistrantStore:
    def __init__(self, engine: Engine, webinar: str) -> None:
        self.engine = engine
        self.webinar = webinar

    def _where(self, *conditions: Any) -> Any:
        return and_(registrants.c.webinar == self.webinar, registrants.c.forgotten_at.is_(None), *conditions)

    def all(self) -> list[Registrant]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(registrants)
                .where(self._where())
                .order_by(registrants.c.registered_at, registrants.c.key)
            ).all()
        return [_registrant(r) for r in rows]

    def get(self, key: str) -> Registrant | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(registrants).where(self._where(registrants.c.key == key))).first()
        return _registrant(row) if row else None

    def find(
        self, *, email: str | None = None, person: str | None = None, matrix: str | None = None
    ) -> Registrant | None:
        """The registrant with this e-mail (first), chat account or Matrix id (the organisers')."""
        conditions = []
        if email:
            conditions.append(registrants.c.email == normal_email(email))
        if person:
            conditions.append(registrants.c.person == person)
        if matrix:
            conditions.append(registrants.c.matrix == matrix)
        if not conditions:
            return None
        with self.engine.connect() as conn:
            rows = conn.execute(select(registrants).where(self._where(or_(*conditions)))).all()
        found = [_registrant(r) for r in rows]
        by_email = [r for r in found if email and r.email == normal_email(email)]
        chosen = by_email or found
        return chosen[0] if chosen else None

    def save(
        self, details: Details, now: datetime, *, person: str | None = None, source: str = "chat"
    ) -> Saved:
        """Register, or update who registered already (by e-mail, else by chat account)."""
        email = normal_email(details.email) if details.email else None
        existing = self.find(email=email, person=person, matrix=details.matrix)
        values = {f: getattr(details, f) for f in DETAIL_FIELDS}
        values["email"] = email
        if existing is None:
            registrant = Registrant(
                key=new_key(),
                registered_at=now,
                person=person,
                source=source,
                confirmed_at=now if source == "chat" else None,
                **values,
            )
            with transaction(self.engine) as conn:
                conn.execute(
                    insert(registrants).values(webinar=self.webinar, updated_at=now, **_row(registrant))
                )
                bump_people(conn, self.webinar)
            return Saved(registrant, "added")
        changes = {k: v for k, v in values.items() if v is not None and v != getattr(existing, k)}
        if source == "import" and existing.source == "chat":
            # What the person entered themselves stands; the organisers' list only fills gaps.
            changes = {k: v for k, v in changes.items() if not getattr(existing, k)}
        if person and existing.person != person:
            changes["person"] = person
        if existing.cancelled_at is not None and source == "chat":
            changes["cancelled_at"] = None
        if source == "chat" and existing.confirmed_at is None:
            changes["confirmed_at"] = now
        if not changes:
            return Saved(existing, "unchanged")
        self._set(existing.key, now, **changes)
        updated = self.get(existing.key)
        assert updated is not None
        return Saved(updated, "updated")

    def _set(self, key: str, now: datetime, **values: Any) -> None:
        with transaction(self.engine) as conn:
            conn.execute(
                update(registrants)
                .where(self._where(registrants.c.key == key))
                .values(updated_at=now, **values)
            )
            bump_people(conn, self.webinar)

    def match(self, key: str, person: str, now: datetime) -> None:
        """Their chat account, found by their e-mail."""
        self._set(key, now, person=person)

    def confirm(self, key: str, now: datetime) -> None:
        self._set(key, now, confirmed_at=now, cancelled_at=None)

    def cancel(self, key: str, now: datetime) -> None:
        self._set(key, now, cancelled_at=now)

    def check_in(self, key: str, now: datetime) -> None:
        self._set(key, now, checked_in_at=now)

    def forget(self, key: str, now: datetime) -> Registrant | None:
        """Remove every personal datum of a registrant; their questions stay, as a former participant's."""
        registrant = self.get(key)
        if registrant is None:
            return None
        blank = {
            field: None if field in ("email", "person", "timezone", "matrix") else "" for field in PERSONAL
        }
        blank["name"] = FORMER
        with transaction(self.engine) as conn:
            conn.execute(
                update(registrants)
                .where(registrants.c.webinar == self.webinar, registrants.c.key == key)
                .values(forgotten_at=now, updated_at=now, language=None, **blank)
            )
            bump_people(conn, self.webinar)
            conn.execute(
                update(connection_requests)
                .where(connection_requests.c.webinar == self.webinar, connection_requests.c.registrant == key)
                .values(person="", missing="", location="", handled_by=None, updated_at=now)
            )
            if registrant.person:
                forget_person(conn, self.webinar, registrant.person)
        return registrant

    def forget_person(self, person: str) -> None:
        """Someone who never registered asks to be forgotten: their traces elsewhere go."""
        with transaction(self.engine) as conn:
            forget_person(conn, self.webinar, person)

    def counts(self) -> dict[str, int]:
        people = [r for r in self.all() if r.active]
        return {
            "registered": len(people),
            "online": sum(1 for r in people if r.mode == "online"),
            "in_person": sum(1 for r in people if r.mode == "in_person"),
            "confirmed": sum(1 for r in people if r.confirmed_at is not None),
            "checked_in": sum(1 for r in people if r.checked_in_at is not None),
        }


def attendance(engine: Engine, webinar: str) -> dict[str, int]:
    """The organisers' figures: registered by mode, confirmed, checked in, and connection requests."""
    requests = ConnectionRequests(engine, webinar)
    return {
        **RegistrantStore(engine, webinar).counts(),
        "connection_requests": len(requests.all()),
        "open_requests": len(requests.open()),
    }


def forget_person(conn: Any, webinar: str, person: str) -> None:
    """A chat account's traces beside the registration: its name, its questions' authorship, its votes
    and moderator actions (kept, under a stand-in that names nobody, so counts stay true)."""
    stand_in = f"former:{secrets.token_hex(4)}"
    conn.execute(delete(names).where(names.c.person == person))
    conn.execute(
        update(questions)
        .where(questions.c.webinar == webinar, questions.c.author_id == person)
        .values(author_id=stand_in, author_name=FORMER)
    )
    conn.execute(
        update(votes).where(votes.c.webinar == webinar, votes.c.user_id == person).values(user_id=stand_in)
    )
    conn.execute(delete(loose_votes).where(loose_votes.c.webinar == webinar, loose_votes.c.user_id == person))
    conn.execute(
        update(control_log)
        .where(control_log.c.webinar == webinar, control_log.c.user_id == person)
        .values(user_id=stand_in)
    )
    conn.execute(
        update(connection_requests)
        .where(connection_requests.c.webinar == webinar, connection_requests.c.person == person)
        .values(person=stand_in, missing="", location="")
    )


def _row(registrant: Registrant) -> dict[str, Any]:
    values = {f.name: getattr(registrant, f.name) for f in fields(Registrant)}
    return values


# -- connection requests ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionRequest:
    id: int
    person: str
    registrant: str | None
    missing: str
    location: str
    status: str  # "open", "in_hand", "resolved"
    handled_by: str | None
    created_at: datetime
    channel: str | None = None
    ts: str | None = None


OPEN_REQUESTS = ("open", "in_hand")


class ConnectionRequests:
    def __init__(self, engine: Engine, webinar: str) -> None:
        self.engine = engine
        self.webinar = webinar

    def add(
        self, person: str, registrant: str | None, missing: str, location: str, now: datetime
    ) -> ConnectionRequest:
        with transaction(self.engine) as conn:
            result = conn.execute(
                insert(connection_requests).values(
                    webinar=self.webinar,
                    person=person,
                    registrant=registrant,
                    missing=missing,
                    location=location,
                    status="open",
                    created_at=now,
                    updated_at=now,
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            new_id = int(key[0])
        found = self.get(new_id)
        assert found is not None
        return found

    def get(self, request_id: int) -> ConnectionRequest | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(connection_requests).where(
                    connection_requests.c.webinar == self.webinar, connection_requests.c.id == request_id
                )
            ).first()
        return _request(row) if row else None

    def open(self) -> list[ConnectionRequest]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(connection_requests)
                .where(
                    connection_requests.c.webinar == self.webinar,
                    connection_requests.c.status.in_(OPEN_REQUESTS),
                )
                .order_by(connection_requests.c.id)
            ).all()
        return [_request(r) for r in rows]

    def all(self) -> list[ConnectionRequest]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(connection_requests)
                .where(connection_requests.c.webinar == self.webinar)
                .order_by(connection_requests.c.id)
            ).all()
        return [_request(r) for r in rows]

    def set_status(self, request_id: int, status: str, by: str, now: datetime) -> ConnectionRequest | None:
        with transaction(self.engine) as conn:
            conn.execute(
                update(connection_requests)
                .where(connection_requests.c.webinar == self.webinar, connection_requests.c.id == request_id)
                .values(status=status, handled_by=by, updated_at=now)
            )
        return self.get(request_id)

    def set_message(self, request_id: int, channel: str, ts: str, now: datetime) -> None:
        with transaction(self.engine) as conn:
            conn.execute(
                update(connection_requests)
                .where(connection_requests.c.webinar == self.webinar, connection_requests.c.id == request_id)
                .values(channel=channel, ts=ts, updated_at=now)
            )


def _request(row: Row[Any]) -> ConnectionRequest:
    m = row._mapping
    return ConnectionRequest(
        m["id"],
        m["person"],
        m["registrant"],
        m["missing"],
        m["location"],
        m["status"],
        m["handled_by"],
        m["created_at"],
        m["channel"],
        m["ts"],
    )


# -- speakers' answers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpeakerAnswer:
    speaker: str
    answer: str | None  # "confirmed", "declined"
    answered_at: datetime | None
    checked_in_at: datetime | None


class SpeakerAnswers:
    def __init__(self, engine: Engine, webinar: str) -> None:
        self.engine = engine
        self.webinar = webinar

    def all(self) -> dict[str, SpeakerAnswer]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(speaker_answers).where(speaker_answers.c.webinar == self.webinar)
            ).all()
        return {r.speaker: SpeakerAnswer(r.speaker, r.answer, r.answered_at, r.checked_in_at) for r in rows}

    def _put(self, speaker: str, **values: Any) -> None:
        with transaction(self.engine) as conn:
            done = conn.execute(
                update(speaker_answers)
                .where(speaker_answers.c.webinar == self.webinar, speaker_answers.c.speaker == speaker)
                .values(**values)
            )
            if done.rowcount == 0:
                conn.execute(insert(speaker_answers).values(webinar=self.webinar, speaker=speaker, **values))
            bump_people(conn, self.webinar)

    def answer(self, speaker: str, answer: str, now: datetime) -> None:
        self._put(speaker, answer=answer, answered_at=now)

    def check_in(self, speaker: str, now: datetime) -> None:
        self._put(speaker, checked_in_at=now)
