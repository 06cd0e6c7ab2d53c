"""Questions, votes and the question threads, beside the outbox in the same store.

Written before the platform's event is acknowledged, and idempotent: a question is keyed by where it
came from (a message, a command's interaction), a vote by (question, voter), so an event delivered
twice is stored once. Rows are mapped to the domain's values (bot.questions.model); a question's
author shows the name from `names` as soon as it is known.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, and_, case, delete, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.chat.port import MessageRef
from bot.questions.model import (
    SHOWN,
    NewQuestion,
    Question,
    QuestionStatus,
    SessionInfo,
    WebinarInfo,
)
from bot.store.db import insert_ignoring_duplicates, reading, transaction, upsert
from bot.store.tables import loose_votes, names, questions, sessions, threads, votes, webinars


def _ref(conversation: str | None, message: str | None) -> MessageRef | None:
    return MessageRef(conversation, message) if conversation and message else None


class QuestionStore:
    def __init__(self, engine: Engine, webinar: str) -> None:
        self.engine = engine
        self.webinar = webinar

    # -- the webinar and its sessions (so a report needs only the database) -----------------------

    def save_webinar(
        self,
        title: str,
        timezone: str,
        date: str,
        session_list: Iterable[SessionInfo],
        language: str = "en",
    ) -> None:
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
        info = {
            "webinar": self.webinar,
            "title": title,
            "timezone": timezone,
            "date": date,
            "language": language,
        }
        with transaction(self.engine) as conn:  # replicas starting together save the same rows at once
            upsert(conn, webinars, ["webinar"], [info])
            conn.execute(
                delete(sessions).where(
                    sessions.c.webinar == self.webinar,
                    sessions.c.session_key.not_in([row["session_key"] for row in rows]),
                )
            )
            upsert(conn, sessions, ["webinar", "session_key"], rows)

    def webinar_info(self) -> WebinarInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(webinars).where(webinars.c.webinar == self.webinar)).first()
        if row is None:
            return None
        return WebinarInfo(row.webinar, row.title, row.timezone, row.date, row.language or "en")

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
        return [WebinarInfo(r.webinar, r.title, r.timezone, r.date, r.language or "en") for r in rows]

    # -- threads ----------------------------------------------------------------------------------

    def set_thread(self, session_key: str, ref: MessageRef) -> None:
        with transaction(self.engine) as conn:
            conn.execute(
                delete(threads).where(threads.c.webinar == self.webinar, threads.c.session_key == session_key)
            )
            conn.execute(
                insert(threads).values(
                    webinar=self.webinar, session_key=session_key, channel=ref.conversation, ts=ref.id
                )
            )

    def thread_for(self, session_key: str) -> MessageRef | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(threads.c.channel, threads.c.ts).where(
                    threads.c.webinar == self.webinar, threads.c.session_key == session_key
                )
            ).first()
        return MessageRef(row.channel, row.ts) if row else None

    def session_of_thread(self, ref: MessageRef) -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(threads.c.session_key).where(
                    threads.c.webinar == self.webinar,
                    threads.c.channel == ref.conversation,
                    threads.c.ts == ref.id,
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
            "author_name": new.author_id,
            "anonymous": int(new.anonymous),
            "source": new.source,
            "origin_channel": new.origin.conversation if new.origin else None,
            "origin_ts": new.origin.id if new.origin else None,
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
        found = self._one(questions.c.dedupe_key == new.dedupe_key)
        assert found is not None
        return found, created

    def _one(self, condition: Any) -> Question | None:
        rows = self._select(and_(questions.c.webinar == self.webinar, condition))
        return rows[0] if rows else None

    def _select(self, condition: Any, order: Sequence[Any] = (), limit: int | None = None) -> list[Question]:
        author = func.coalesce(names.c.name, questions.c.author_name).label("shown_name")
        query = (
            select(questions, self._vote_count().label("vote_count"), author)
            .select_from(questions.outerjoin(names, names.c.person == questions.c.author_id))
            .where(condition)
        )
        if order:
            query = query.order_by(*order)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [self._question(r) for r in rows]

    @staticmethod
    def _question(r: Row[Any]) -> Question:
        return Question(
            r.id,
            r.session_key,
            r.text,
            r.author_id,
            r.shown_name,
            bool(r.anonymous),
            r.source,
            _ref(r.origin_channel, r.origin_ts),
            _ref(r.copy_channel, r.copy_ts),
            r.asked_at,
            QuestionStatus(r.status),
            r.pinned_for,
            int(r.vote_count),
        )

    def get(self, question_id: int) -> Question | None:
        return self._one(questions.c.id == question_id)

    def by_message(self, ref: MessageRef) -> Question | None:
        """The question a message is (the asker's own message, or the bot's copy)."""
        return self._one(
            or_(
                and_(questions.c.origin_channel == ref.conversation, questions.c.origin_ts == ref.id),
                and_(questions.c.copy_channel == ref.conversation, questions.c.copy_ts == ref.id),
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

    def set_copy(self, question_id: int, ref: MessageRef, now: datetime) -> Question | None:
        """Record the bot's copy; votes that reached the copy before this moment join the question."""
        question = self._update(question_id, now, copy_channel=ref.conversation, copy_ts=ref.id)
        if question is None:
            return None
        self._adopt_loose_votes(question, ref)
        return self.get(question_id)

    def _adopt_loose_votes(self, question: Question, ref: MessageRef) -> None:
        """Turn the votes kept for a message into votes for the question it turned out to be.

        Both sides of the race call this after their own write is committed (the copy's ref; a loose
        vote), so whichever comes second sees the other's: no vote is left behind."""
        lv = loose_votes.c
        where = and_(lv.webinar == self.webinar, lv.channel == ref.conversation, lv.ts == ref.id)
        with transaction(self.engine) as conn:
            # Taken and turned into votes in one transaction, the loose rows by one DELETE: a removal
            # racing this either takes the loose row first, or waits and then finds the vote.
            early = conn.execute(delete(loose_votes).where(where).returning(lv.user_id, lv.voted_at)).all()
            rows = [
                {
                    "webinar": self.webinar,
                    "question_id": question.id,
                    "user_id": r.user_id,
                    "voted_at": r.voted_at,
                }
                for r in early
                if r.user_id != question.author_id
            ]
            if rows:
                conn.execute(insert_ignoring_duplicates(self.engine, votes), rows)

    def vote_on_unknown(self, ref: MessageRef, user_id: str, added: bool, now: datetime) -> Question | None:
        """A vote on a message that is not (yet) a known question: kept until it becomes one.

        Returns the question if the message became one meanwhile (the vote is then counted, or
        taken back, there)."""
        lv = loose_votes.c
        if added:
            try:
                with transaction(self.engine) as conn:
                    conn.execute(
                        insert(loose_votes).values(
                            webinar=self.webinar,
                            channel=ref.conversation,
                            ts=ref.id,
                            user_id=user_id,
                            voted_at=now,
                        )
                    )
            except IntegrityError:
                pass
        else:
            with transaction(self.engine) as conn:
                conn.execute(
                    delete(loose_votes).where(
                        lv.webinar == self.webinar,
                        lv.channel == ref.conversation,
                        lv.ts == ref.id,
                        lv.user_id == user_id,
                    )
                )
        question = self.by_message(ref)  # the copy's ref may have been recorded meanwhile
        if question is None:
            return None
        if added:
            self._adopt_loose_votes(question, ref)
        else:
            self.unvote(question.id, user_id, ref)
        return question

    def edit(self, question_id: int, text: str, now: datetime) -> Question | None:
        return self._update(question_id, now, text=text)

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
        shown = [status.value for status in SHOWN]
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

    def unvote(self, question_id: int, user_id: str, ref: MessageRef | None = None) -> bool:
        """Take a vote back; with `ref` (the message reacted on), a vote still kept loose for it too.

        The loose row goes first: if the copy's adoption has it, this waits for that to commit and
        then finds the vote it made."""
        if ref is not None:
            lv = loose_votes.c
            with transaction(self.engine) as conn:
                conn.execute(
                    delete(loose_votes).where(
                        lv.webinar == self.webinar,
                        lv.channel == ref.conversation,
                        lv.ts == ref.id,
                        lv.user_id == user_id,
                    )
                )
        with transaction(self.engine) as conn:
            result = conn.execute(
                delete(votes).where(
                    votes.c.webinar == self.webinar,
                    votes.c.question_id == question_id,
                    votes.c.user_id == user_id,
                )
            )
        return result.rowcount == 1

    def stamp(self) -> tuple[Any, ...]:
        """What moves whenever one of the webinar's questions, votes or authors' names does: tells in
        one cheap read whether a view made a moment ago (the digest, made ahead of its cue) still
        holds, without making it again."""
        q, v, n = questions.c, votes.c, names.c
        mine, voted = q.webinar == self.webinar, v.webinar == self.webinar
        parts = (
            select(func.count()).where(mine),
            select(func.max(q.id)).where(mine),
            select(func.max(q.updated_at)).where(mine),
            select(func.count()).where(voted),
            select(func.sum(v.question_id)).where(voted),
            select(func.max(v.voted_at)).where(voted),
            select(func.count()).select_from(names),
            select(func.max(n.updated_at)),
        )
        with reading(self.engine) as conn:
            return tuple(conn.execute(select(*(part.scalar_subquery() for part in parts))).one())

    def vote_total(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).where(votes.c.webinar == self.webinar)).scalar_one())
