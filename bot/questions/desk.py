"""The question desk: every way a question arrives, filed under exactly one session; votes; moderation.

Plain Python over the store (no chat platform): the intake turns inbound values into these calls
and their results into writes. Every call is idempotent, so an event the platform delivers twice
changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.agenda.model import Agenda
from bot.chat.port import MessageRef
from bot.questions.model import GENERAL, NewQuestion, Question, QuestionStatus
from bot.questions.routing import route
from bot.store.questions import QuestionStore
from bot.timeline.units import Placement

THUMBS = {"+1", "thumbsup"}


class Webinar(Protocol):
    """What the desk needs of the running webinar: its agenda and where its sessions fall now."""

    @property
    def agenda(self) -> Agenda: ...

    def placement(self) -> Placement: ...


class Now(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class Filed:
    question: Question
    created: bool
    needs_copy: bool  # asked outside the session's thread: the bot copies it there


def same_reaction(name: str, wanted: str) -> bool:
    """`thumbsup` is another name for `+1`."""
    if wanted in THUMBS:
        return name in THUMBS
    return name == wanted


class QuestionDesk:
    def __init__(self, store: QuestionStore, clock: Now, webinar: Webinar) -> None:
        self.store = store
        self.clock = clock
        self.webinar = webinar

    def session_at(self, at: datetime) -> str:
        return route(self.webinar.agenda, self.webinar.placement(), at)

    def stamp(self) -> tuple[object, ...]:
        """Moves whenever a question, a vote or an author's name does (see `QuestionStore.stamp`)."""
        return self.store.stamp()

    def session_keys(self) -> list[str]:
        return [session.key for _, session in self.webinar.agenda.sessions()]

    # -- intake -----------------------------------------------------------------------------------

    def from_thread_reply(
        self, ref: MessageRef, thread: MessageRef, user: str, text: str, at: datetime
    ) -> Filed | None:
        """A reply in a session's question thread; None when the thread is not one of them."""
        session_key = self.store.session_of_thread(thread)
        if session_key is None:
            return None
        question, created = self.store.add(
            NewQuestion(f"msg:{ref.conversation}:{ref.id}", session_key, text, user, False, "thread", at, ref)
        )
        return Filed(question, created, needs_copy=False)

    def from_channel(self, ref: MessageRef, user: str, text: str, at: datetime) -> Filed:
        """A top-level message in the questions channel: filed by when it was asked, copied to the thread."""
        question, created = self.store.add(
            NewQuestion(
                f"msg:{ref.conversation}:{ref.id}", self.session_at(at), text, user, False, "channel", at, ref
            )
        )
        return Filed(question, created, needs_copy=True)

    def from_command(
        self,
        key: str,
        user: str,
        text: str,
        source: str,
        anonymous: bool = False,
        session_key: str | None = None,
        origin: MessageRef | None = None,
    ) -> Filed:
        """`/ask`, the form or the message shortcut; `key` makes a redelivery the same question."""
        asked = self.clock.now()
        wanted = session_key if session_key in (*self.session_keys(), GENERAL) else self.session_at(asked)
        question, created = self.store.add(
            NewQuestion(key, wanted, text, user, anonymous, source, asked, origin)
        )
        return Filed(question, created, needs_copy=True)

    def edited(self, ref: MessageRef, text: str) -> Question | None:
        question = self.store.by_message(ref)
        if question is None or question.origin != ref or question.text == text:
            return None
        return self.store.edit(question.id, text, self.clock.now())

    def deleted(self, ref: MessageRef) -> Question | None:
        """The asker deleted their message: the question is withdrawn (its copy should go too)."""
        question = self.store.by_message(ref)
        if question is None or question.origin != ref or question.status is QuestionStatus.WITHDRAWN:
            return None
        return self.store.set_status(question.id, QuestionStatus.WITHDRAWN, self.clock.now())

    # -- votes ------------------------------------------------------------------------------------

    def reacted(self, ref: MessageRef, user: str, reaction: str, added: bool) -> bool:
        """A vote (or its removal); False when it does not count (not the vote emoji, not a question,
        the author's own)."""
        if not same_reaction(reaction, self.webinar.agenda.settings.vote_emoji):
            return False
        question = self.store.by_message(ref)
        if question is None:
            # Perhaps the bot's copy, posted a moment ago: kept until the copy is known.
            question = self.store.vote_on_unknown(ref, user, added, self.clock.now())
            return question is not None and question.author_id != user
        if question.author_id == user:
            return False
        if added:
            return self.store.vote(question.id, user, self.clock.now())
        return self.store.unvote(question.id, user, ref)

    # -- moderation -------------------------------------------------------------------------------

    def ranked(self, session_key: str | None, limit: int | None = None) -> list[Question]:
        return self.store.ranked(session_key, limit=limit)

    def count(self, session_key: str | None) -> int:
        return self.store.count_ranked(session_key)

    def answered(self, question_id: int) -> Question | None:
        return self.store.set_status(question_id, QuestionStatus.ANSWERED, self.clock.now())

    def hide(self, question_id: int) -> Question | None:
        return self.store.set_status(question_id, QuestionStatus.HIDDEN, self.clock.now())

    def pin_to_next(self, question_id: int) -> tuple[Question | None, str | None]:
        """Pin to the next discussion after the question's own session (or the next one from now)."""
        question = self.store.get(question_id)
        if question is None:
            return None, None
        keys = self.session_keys()
        following = self._next_discussion(question.session_key, keys)
        return self.store.pin(question_id, following, self.clock.now()), following

    def _next_discussion(self, session_key: str, keys: list[str]) -> str | None:
        placement = self.webinar.placement()
        now = self.clock.now()
        start_after = placement.sessions[session_key].end if session_key in placement.sessions else now
        later = [k for k in keys if k != session_key and placement.sessions[k].start >= min(start_after, now)]
        with_discussion = [
            k for k in later if any(u.unit.kind == "discussion" for u in placement.sessions[k].units)
        ]
        candidates = with_discussion or later
        return candidates[0] if candidates else None
