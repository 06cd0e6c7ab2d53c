"""Each thematic session's question thread, and the copies of questions asked elsewhere.

A session's thread opens with its session (the `thread_open` cue), or early, when a question for it
comes first: that is asked of the runtime through `ThreadOpener`, so the questions never reach into
the cue runner. The General thread (before the first session and after the last) has no cue: the
bot opens it itself. Every post carries its own key (`thread:<session>`, `question:<id>`), so a
restart re-posts only what the platform does not have.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Protocol

from bot.agenda.model import Agenda
from bot.chat.port import ChatPort, MessageRef, PostMessage
from bot.chat.sender import Outcome, Priority, Sender
from bot.clock import Clock
from bot.i18n.words import Words
from bot.people.languages import Readers
from bot.questions import views
from bot.questions.model import GENERAL, SHOWN, Question
from bot.questions.routing import session_titles
from bot.store.questions import QuestionStore
from bot.timeline.cue import parse_cue_id

log = logging.getLogger(__name__)
THREAD_KEY, COPY_KEY = "thread:", "question:"


def thread_key(session_key: str) -> str:
    return f"{THREAD_KEY}{session_key}"


def copy_key(question_id: int) -> str:
    return f"{COPY_KEY}{question_id}"


def session_of_key(key: str) -> str | None:
    """Which session a thread's parent opened, from the key it carried (a cue's, or the bot's own)."""
    if key.startswith(THREAD_KEY):
        return key[len(THREAD_KEY) :]
    cue = parse_cue_id(key)
    if cue is not None and cue.kind.value == "thread_open" and cue.audience == "questions":
        return cue.subject
    return None


class ThreadOpener(Protocol):
    def open_thread_now(self, session_key: str) -> bool:
        """Post the session's `thread_open` cue now; True if it is (or already was) on its way."""
        ...


class AgendaSource(Protocol):
    @property
    def agenda(self) -> Agenda: ...


class Places(Protocol):
    def channel(self, audience: str) -> str: ...


@dataclass
class _Waiting:
    copies: dict[str, list[int]] = field(default_factory=dict)  # session key -> questions waiting for it
    opening: set[str] = field(default_factory=set)


class Threads:
    def __init__(
        self,
        store: QuestionStore,
        sender: Sender,
        chat: ChatPort,
        opener: ThreadOpener,
        webinar: AgendaSource,
        places: Places,
        clock: Clock,
        readers: Readers,
    ) -> None:
        self.readers = readers
        self.store = store
        self.sender = sender
        self.chat = chat
        self.opener = opener
        self.webinar = webinar
        self.places = places
        self.clock = clock
        self._waiting = _Waiting()
        self._lock = threading.RLock()

    def titles(self, w: Words | None = None) -> dict[str, str]:
        """Sessions' titles in `w`'s language (the webinar's by default)."""
        return session_titles(self.webinar.agenda, w or self.readers.webinar_words())

    def opened(self, session_key: str, ref: MessageRef) -> None:
        """A session's thread parent is out: remember it and post the copies that waited for it."""
        self.store.set_thread(session_key, ref)
        self._flush(session_key)

    def ensure(self, session_key: str) -> None:
        """Open a session's thread now if it is not open yet (a question came before its session)."""
        with self._lock:
            if self.store.thread_for(session_key) is not None or session_key in self._waiting.opening:
                return
            self._waiting.opening.add(session_key)
        if session_key != GENERAL and self.opener.open_thread_now(session_key):
            return  # the cue's post will open it (`opened`)
        words = self.readers.channel_words()
        titles = [self.titles(w).get(session_key, w("Questions")) for w in words]
        message = views.thread_opening(titles, self.webinar.agenda.settings.vote_emoji, words)
        self.sender.send(
            PostMessage(self.places.channel("questions"), message),
            Priority.QUESTION,
            key=thread_key(session_key),
            on_done=lambda outcome: self._thread_posted(session_key, outcome),
        )

    def _thread_posted(self, session_key: str, outcome: Outcome) -> None:
        if outcome.ok and outcome.ref is not None:
            self.opened(session_key, outcome.ref)
        else:
            with self._lock:
                self._waiting.opening.discard(session_key)

    def _flush(self, session_key: str) -> None:
        with self._lock:
            waiting = self._waiting.copies.pop(session_key, [])
            self._waiting.opening.discard(session_key)
        for question_id in waiting:
            question = self.store.get(question_id)
            if question is not None:
                self._post_copy(question)

    def learn(self, thread: MessageRef) -> None:
        """A reply reached a thread of the bot's before the bot heard back that its parent was posted:
        read which session the parent opened from the key it carried."""
        key = self.chat.post_key(thread)
        session_key = session_of_key(key) if key else None
        if session_key:
            self.store.set_thread(session_key, thread)

    def link(self, session_key: str) -> str | None:
        thread = self.store.thread_for(session_key)
        return self.chat.link_to(thread) if thread is not None else None

    # -- copies -----------------------------------------------------------------------------------

    def copy(self, question: Question) -> None:
        """Put a question asked elsewhere into its session's thread (once the thread exists)."""
        if question.copy is not None:
            return
        if self.store.thread_for(question.session_key) is not None:
            self._post_copy(question)
            return
        with self._lock:
            self._waiting.copies.setdefault(question.session_key, []).append(question.id)
        self.ensure(question.session_key)

    def _post_copy(self, question: Question) -> None:
        thread = self.store.thread_for(question.session_key)
        if thread is None or question.copy is not None:
            return
        self.sender.send(
            PostMessage(
                thread.conversation, views.copy(question, self.readers.webinar_words()), thread=thread.id
            ),
            Priority.QUESTION,
            key=copy_key(question.id),
            on_done=lambda outcome: self._copied(question.id, outcome),
        )

    def _copied(self, question_id: int, outcome: Outcome) -> None:
        if outcome.ok and outcome.ref is not None:
            self.store.set_copy(question_id, outcome.ref, self.clock.now())

    def recover(self) -> int:
        """After a restart: copy every open question that never got its copy (nothing is lost)."""
        missing = [
            q for q in self.store.all() if q.source != "thread" and q.copy is None and q.status in SHOWN
        ]
        for question in missing:
            self.copy(question)
        return len(missing)
