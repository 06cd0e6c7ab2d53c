"""Questions, votes and the question threads, beside the outbox in the same store.

Written before Slack's event is acknowledged (Bolt runs listeners before the ack), and idempotent: a
question is keyed by where it came from (a message's channel and ts, a slash command's trigger), a
vote by (question, voter), so an event delivered twice is stored once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, and_, case, delete, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.store.db import transaction
from bot.store.tables import loose_votes, questions, sessions, threads, votes, webinars

GENERAL = "general"  # the thread for questions before the first session and after the last


class QuestionStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    HIDDEN = "hidden"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class NewQuestion:
    dedupe_key: str
    session_key: str
    text: str
    author_id: str
    author_name: str
    anonymous: bool
    source: str  # "thread", "channel", "ask", "modal", "shortcut"
    asked_at: datetime
    origin_channel: str | None = None
    origin_ts: str | None = None


@dataclass(frozen=True)
class Question:
    id: int
    session_key: str
    text: str
    author_id: str
    author_name: str
    anonymous: bool
    source: str
    origin_channel: str | None
    origin_ts: str | None
    copy_channel: str | None
    copy_ts: str | None
    asked_at: datetime
    status: QuestionStatus
    pinned_for: str | None
    votes: int = 0

    @property
    def shown_author(self) -> str:
        """Who asked, as participants and reports may see it."""
        return "anonymous" if self.anonymous else self.author_name

    @property
    def message(self) -> tuple[str, str] | None:
        """Where participants see the question in its thread: the bot's copy, or the reply itself."""
        if self.copy_channel and self.copy_ts:
            return self.copy_channel, self.copy_ts
        if self.source == "thread" and self.origin_channel and self.origin_ts:
            return self.origin_channel, self.origin_ts
        return None


@dataclass(frozen=True)
class SessionInfo:
    key: str
    number: int
    position: int
    title: str
    item_title: str


@dataclass(frozen=True)
class WebinarInfo:
    key: str
    title: str
    timezone: str
    date: str


class QuestionStore:
    def __init__(self, engine: Engine, webinar: str) -> None:
        self.engine = engine
        self.webinar = webinar

    # -- the webinar and its sessions (so a report needs only the database) -----------------------

    def save_webinar(self, title: str, timezone: str, date: str, session_list: Iterable[SessionInfo]) -> None:
        with transaction(self.engine) as conn:
            conn.execute(delete(webinars).where(webinars.c.webinar == self.webinar))
            conn.execute(
                insert(webinars).values(webinar=self.webinar, title=title, timezone=timezone, date=date)
            )
            conn.execute(delete(sessions).where(sessions.c.webinar == self.webinar))
            rows = [
                {
                    "webinar": self.webinar,
                    "session_key": s.key,
                    "number": s.number,
                    "position": s.position,
                    "title": s.title,
                    "item_title": s.item_title,
                }
                for s in session_list
            ]
            if rows:
                conn.execute(insert(sessions), rows)

    def webinar_info(self) -> WebinarInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(webinars).where(webinars.c.webinar == self.webinar)).first()
        return WebinarInfo(row.webinar, row.title, row.timezone, row.date) if row else None

    def sessions(self) -> list[SessionInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(sessions).where(sessions.c.webinar == self.webinar).order_by(sessions.c.position)
            ).all()
        return [SessionInfo(r.session_key, r.number, r.position, r.title, r.item_title) for r in rows]

    @staticmethod
    def webinars(engine: Engine) -> list[WebinarInfo]:
        with engine.connect() as conn:
            rows = conn.execute(select(webinars).order_by(webinars.c.date, webinars.c.webinar)).all()
        return [WebinarInfo(r.webinar, r.title, r.timezone, r.date) for r in rows]

    # -- threads ----------------------------------------------------------------------------------

    def set_thread(self, session_key: str, channel: str, ts: str) -> None:
        with transaction(self.engine) as conn:
            conn.execute(
                delete(threads).where(threads.c.webinar == self.webinar, threads.c.session_key == session_key)
            )
            conn.execute(
                insert(threads).values(webinar=self.webinar, session_key=session_key, channel=channel, ts=ts)
            )

    def thread_for(self, session_key: str) -> tuple[str, str] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(threads.c.channel, threads.c.ts).where(
                    threads.c.webinar == self.webinar, threads.c.session_key == session_key
                )
            ).first()
        return (row.channel, row.ts) if row else None

    def session_of_thread(self, channel: str, ts: str) -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(threads.c.session_key).where(
                    threads.c.webinar == self.webinar, threads.c.channel == channel, threads.c.ts == ts
                )
            ).first()
        return str(row.session_key) if row else None

    # -- questions --------------------------------------------------------------------------------

    def add(self, new: NewQuestion) -> tuple[Question, bool]:
        """Store a question; if the same one (same dedupe key) is already stored, return that one."""
        values: dict[str, Any] = {
            "webinar": self.webinar,
            "dedupe_key": new.dedupe_key,
            "session_key": new.session_key,
            "text": new.text,
            "author_id": new.author_id,
            "author_name": new.author_name,
            "anonymous": int(new.anonymous),
            "source": new.source,
            "origin_channel": new.origin_channel,
            "origin_ts": new.origin_ts,
            "asked_at": new.asked_at,
            "status": QuestionStatus.OPEN.value,
            "updated_at": new.asked_at,
        }
        created = True
        try:
            with transaction(self.engine) as conn:
                conn.execute(insert(questions).values(**values))
        except IntegrityError:
            created = False
        found = self._one(and_(questions.c.dedupe_key == new.dedupe_key))
        assert found is not None
        return found, created

    def _one(self, condition: Any) -> Question | None:
        rows = self._select(and_(questions.c.webinar == self.webinar, condition))
        return rows[0] if rows else None

    def _select(self, condition: Any, order: Sequence[Any] = (), limit: int | None = None) -> list[Question]:
        vote_count = self._vote_count()
        query = select(questions, vote_count.label("vote_count")).where(condition)
        if order:
            query = query.order_by(*order)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            Question(
                r.id,
                r.session_key,
                r.text,
                r.author_id,
                r.author_name,
                bool(r.anonymous),
                r.source,
                r.origin_channel,
                r.origin_ts,
                r.copy_channel,
                r.copy_ts,
                r.asked_at,
                QuestionStatus(r.status),
                r.pinned_for,
                int(r.vote_count),
            )
            for r in rows
        ]

    def get(self, question_id: int) -> Question | None:
        return self._one(questions.c.id == question_id)

    def by_message(self, channel: str, ts: str) -> Question | None:
        """The question a Slack message is (the asker's own message, or the bot's copy)."""
        return self._one(
            or_(
                and_(questions.c.origin_channel == channel, questions.c.origin_ts == ts),
                and_(questions.c.copy_channel == channel, questions.c.copy_ts == ts),
            )
        )

    def _update(self, question_id: int, now: datetime, **values: Any) -> Question | None:
        with transaction(self.engine) as conn:
            conn.execute(
                update(questions)
                .where(questions.c.webinar == self.webinar, questions.c.id == question_id)
                .values(updated_at=now, **values)
            )
        return self.get(question_id)

    def set_copy(self, question_id: int, channel: str, ts: str, now: datetime) -> Question | None:
        """Record the bot's copy; votes that reached the copy before this moment join the question."""
        question = self._update(question_id, now, copy_channel=channel, copy_ts=ts)
        if question is None:
            return None
        lv = loose_votes.c
        where = and_(lv.webinar == self.webinar, lv.channel == channel, lv.ts == ts)
        with transaction(self.engine) as conn:
            early = conn.execute(select(lv.user_id, lv.voted_at).where(where)).all()
            conn.execute(delete(loose_votes).where(where))
        for row in early:
            if row.user_id != question.author_id:
                self.vote(question_id, row.user_id, row.voted_at)
        return self.get(question_id)

    def vote_on_unknown(self, channel: str, ts: str, user_id: str, added: bool, now: datetime) -> None:
        """A vote on a message that is not (yet) a known question: kept until it becomes one."""
        lv = loose_votes.c
        if not added:
            with transaction(self.engine) as conn:
                conn.execute(
                    delete(loose_votes).where(
                        lv.webinar == self.webinar, lv.channel == channel, lv.ts == ts, lv.user_id == user_id
                    )
                )
            return
        try:
            with transaction(self.engine) as conn:
                conn.execute(
                    insert(loose_votes).values(
                        webinar=self.webinar, channel=channel, ts=ts, user_id=user_id, voted_at=now
                    )
                )
        except IntegrityError:
            pass

    def edit(self, question_id: int, text: str, now: datetime) -> Question | None:
        return self._update(question_id, now, text=text)

    def name_author(self, author_id: str, name: str) -> int:
        """Fill in a name looked up after the questions were stored; how many questions got it."""
        with transaction(self.engine) as conn:
            result = conn.execute(
                update(questions)
                .where(
                    questions.c.webinar == self.webinar,
                    questions.c.author_id == author_id,
                    questions.c.author_name == author_id,
                )
                .values(author_name=name)
            )
        return int(result.rowcount)

    def set_status(self, question_id: int, status: QuestionStatus, now: datetime) -> Question | None:
        return self._update(question_id, now, status=status.value)

    def pin(self, question_id: int, session_key: str | None, now: datetime) -> Question | None:
        return self._update(question_id, now, pinned_for=session_key)

    @staticmethod
    def _vote_count() -> Any:
        return (
            select(func.count())
            .where(votes.c.webinar == questions.c.webinar, votes.c.question_id == questions.c.id)
            .scalar_subquery()
        )

    def _ranking(self, session_key: str | None, include_hidden: bool) -> Any:
        condition: Any = questions.c.webinar == self.webinar
        if session_key is not None:
            condition = and_(
                condition, or_(questions.c.session_key == session_key, questions.c.pinned_for == session_key)
            )
        shown = [QuestionStatus.OPEN.value, QuestionStatus.ANSWERED.value]
        if include_hidden:
            shown.append(QuestionStatus.HIDDEN.value)
        return and_(condition, questions.c.status.in_(shown))

    def ranked(
        self, session_key: str | None = None, include_hidden: bool = False, limit: int | None = None
    ) -> list[Question]:
        """Most votes first, then the oldest; questions pinned to this session ahead of all.

        Sorted and cut in the database: a digest due at a discussion's start must not wait for
        hundreds of questions to be read."""
        pinned_here = case((questions.c.pinned_for == session_key, 0), else_=1) if session_key else literal(1)
        order = (pinned_here, self._vote_count().desc(), questions.c.asked_at, questions.c.id)
        return self._select(self._ranking(session_key, include_hidden), order, limit)

    def count_ranked(self, session_key: str | None = None) -> int:
        with self.engine.connect() as conn:
            query = select(func.count()).select_from(questions).where(self._ranking(session_key, False))
            return int(conn.execute(query).scalar_one())

    def all(self) -> list[Question]:
        return sorted(self._select(questions.c.webinar == self.webinar), key=lambda q: (q.asked_at, q.id))

    # -- votes ------------------------------------------------------------------------------------

    def vote(self, question_id: int, user_id: str, now: datetime) -> bool:
        """One vote per person; True if this added one."""
        try:
            with transaction(self.engine) as conn:
                conn.execute(
                    insert(votes).values(
                        webinar=self.webinar, question_id=question_id, user_id=user_id, voted_at=now
                    )
                )
        except IntegrityError:
            return False
        return True

    def unvote(self, question_id: int, user_id: str) -> bool:
        with transaction(self.engine) as conn:
            result = conn.execute(
                delete(votes).where(
                    votes.c.webinar == self.webinar,
                    votes.c.question_id == question_id,
                    votes.c.user_id == user_id,
                )
            )
        return result.rowcount == 1

    def vote_total(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).where(votes.c.webinar == self.webinar)).scalar_one())
