"""Questions as the desk, the views and the report know them; the store maps its rows to these.

A question remembers where it came from (`origin`, a person's own message) and where the bot copied
it (`copy`), both as platform-neutral message references, so every platform files and finds it the
same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.chat.port import MessageRef
from bot.i18n.words import N_, Words

FORMER = N_("a former participant")  # who asked, once the asker was forgotten (a word of the catalogue)

GENERAL = "general"  # the thread for questions before the first session and after the last


class QuestionStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    HIDDEN = "hidden"
    WITHDRAWN = "withdrawn"


SHOWN = (QuestionStatus.OPEN, QuestionStatus.ANSWERED)


@dataclass(frozen=True)
class NewQuestion:
    dedupe_key: str  # where it came from: the same question delivered twice has the same key
    session_key: str
    text: str
    author_id: str
    anonymous: bool
    source: str  # "thread", "channel", "ask", "modal", "shortcut"
    asked_at: datetime
    origin: MessageRef | None = None


@dataclass(frozen=True)
class Question:
    id: int
    session_key: str
    text: str
    author_id: str
    author_name: str  # the person's name when known, else their id (until it is looked up)
    anonymous: bool
    source: str
    origin: MessageRef | None
    copy: MessageRef | None
    asked_at: datetime
    status: QuestionStatus
    pinned_for: str | None
    votes: int = 0

    @property
    def shown_author(self) -> str:
        """Who asked, as participants and reports may see it (in English: see `shown_author_in`)."""
        return "anonymous" if self.anonymous else self.author_name

    def shown_author_in(self, w: Words) -> str:
        """Who asked, in the reader's words: "anonymous" and "a former participant" translated."""
        if self.anonymous:
            return w("anonymous")
        return w(FORMER) if self.author_name == FORMER else self.author_name

    @property
    def message(self) -> MessageRef | None:
        """Where participants see the question in its thread: the bot's copy, or the reply itself."""
        if self.copy is not None:
            return self.copy
        if self.source == "thread":
            return self.origin
        return None


@dataclass(frozen=True)
class SessionInfo:
    key: str
    number: int
    position: int
    title: str
    item_title: str

    @property
    def label(self) -> str:
        return f"Session {self.number}: {self.title}"


@dataclass(frozen=True)
class WebinarInfo:
    key: str
    title: str
    timezone: str
    date: str
    language: str = "en"
