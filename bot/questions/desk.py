"""The question desk: every way a question arrives, filed under exactly one session; votes; moderation.

Plain Python over the store (no Slack): the Slack edge turns events into these calls and turns the
results into posts. Every call is idempotent, so an event Slack delivers twice changes nothing the
second time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.agenda.model import Agenda
from bot.questions.routing import route
from bot.store.questions import GENERAL, NewQuestion, Question, QuestionStatus, QuestionStore
from bot.timeline.units import Placement

THUMBS = {"+1", "thumbsup"}


@dataclass(frozen=True)
class Filed:
    question: Question
    created: bool
    needs_copy: bool  # asked outside the session's thread: the bot copies it there


def instant_of(ts: str) -> datetime:
    """When a Slack message was posted, from its `ts`."""
    return datetime.fromtimestamp(float(ts), UTC)


def same_reaction(name: str, wanted: str) -> bool:
    """`+1::skin-tone-3` is a +1; `thumbsup` is Slack's other name for it."""
    base = name.split("::", 1)[0]
    if wanted in THUMBS:
        return base in THUMBS
    return base == wanted


class QuestionDesk:
    def __init__(
        self,
        store: QuestionStore,
        now: Callable[[], datetime],
        agenda: Callable[[], Agenda],
        placement: Callable[[], Placement],
        name_of: Callable[[str], str],
    ) -> None:
        self.store = store
        self.now = now
        self._agenda = agenda
        self._placement = placement
        self.name_of = name_of

    @property
    def agenda(self) -> Agenda:
        return self._agenda()

    def session_at(self, at: datetime) -> str:
        return route(self.agenda, self._placement(), at)

    def session_keys(self) -> list[str]:
        return [session.key for _, session in self.agenda.sessions()]

    # -- intake -----------------------------------------------------------------------------------

    def from_thread_reply(self, channel: str, thread_ts: str, ts: str, user: str, text: str) -> Filed | None:
        """A reply in a session's question thread; None when the thread is not one of them."""
        session_key = self.store.session_of_thread(channel, thread_ts)
        if session_key is None:
            return None
        question, created = self.store.add(
            NewQuestion(
                f"msg:{channel}:{ts}",
                session_key,
                text,
                user,
                self.name_of(user),
                False,
                "thread",
                instant_of(ts),
                channel,
                ts,
            )
        )
        return Filed(question, created, needs_copy=False)

    def from_channel(self, channel: str, ts: str, user: str, text: str) -> Filed:
        """A top-level message in the questions channel: filed by when it was asked, copied to the thread."""
        asked = instant_of(ts)
        question, created = self.store.add(
            NewQuestion(
                f"msg:{channel}:{ts}",
                self.session_at(asked),
                text,
                user,
                self.name_of(user),
                False,
                "channel",
                asked,
                channel,
                ts,
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
        origin: tuple[str, str] | None = None,
    ) -> Filed:
        """`/ask`, the modal or the message shortcut; `key` makes a redelivery the same question."""
        asked = self.now()
        wanted = session_key if session_key in (*self.session_keys(), GENERAL) else self.session_at(asked)
        question, created = self.store.add(
            NewQuestion(
                key,
                wanted,
                text,
                user,
                self.name_of(user),
                anonymous,
                source,
                asked,
                origin[0] if origin else None,
                origin[1] if origin else None,
            )
        )
        return Filed(question, created, needs_copy=True)

    def edited(self, channel: str, ts: str, text: str) -> Question | None:
        question = self.store.by_message(channel, ts)
        if question is None or question.origin_ts != ts or question.text == text:
            return None
        return self.store.edit(question.id, text, self.now())

    def deleted(self, channel: str, ts: str) -> Question | None:
        """The asker deleted their message: the question is withdrawn (its copy should go too)."""
        question = self.store.by_message(channel, ts)
        if question is None or question.origin_ts != ts or question.status is QuestionStatus.WITHDRAWN:
            return None
        return self.store.set_status(question.id, QuestionStatus.WITHDRAWN, self.now())

    # -- votes ------------------------------------------------------------------------------------

    def reacted(self, channel: str, ts: str, user: str, reaction: str, added: bool, bot_user: str) -> bool:
        """A vote (or its removal); False when it does not count (not the vote emoji, not a question,
        the author's own, the bot's)."""
        if not same_reaction(reaction, self.agenda.settings.vote_emoji) or user == bot_user:
            return False
        question = self.store.by_message(channel, ts)
        if question is None:
            self.store.vote_on_unknown(channel, ts, user, added, self.now())  # perhaps a copy just posted
            return False
        if question.author_id == user:
            return False
        if added:
            return self.store.vote(question.id, user, self.now())
        return self.store.unvote(question.id, user)

    # -- moderation -------------------------------------------------------------------------------

    def ranked(self, session_key: str | None, limit: int | None = None) -> list[Question]:
        return self.store.ranked(session_key, limit=limit)

    def count(self, session_key: str | None) -> int:
        return self.store.count_ranked(session_key)

    def answered(self, question_id: int) -> Question | None:
        return self.store.set_status(question_id, QuestionStatus.ANSWERED, self.now())

    def hide(self, question_id: int) -> Question | None:
        return self.store.set_status(question_id, QuestionStatus.HIDDEN, self.now())

    def pin_to_next(self, question_id: int) -> tuple[Question | None, str | None]:
        """Pin to the next discussion after the question's own session (or the next one from now)."""
        question = self.store.get(question_id)
        if question is None:
            return None, None
        keys = self.session_keys()
        following = self._next_discussion(question.session_key, keys)
        return self.store.pin(question_id, following, self.now()), following

    def _next_discussion(self, session_key: str, keys: list[str]) -> str | None:
        placement = self._placement()
        now = self.now()
        start_after = placement.sessions[session_key].end if session_key in placement.sessions else now
        later = [k for k in keys if k != session_key and placement.sessions[k].start >= min(start_after, now)]
        with_discussion = [
            k for k in later if any(u.unit.kind == "discussion" for u in placement.sessions[k].units)
        ]
        candidates = with_discussion or later
        return candidates[0] if candidates else None
