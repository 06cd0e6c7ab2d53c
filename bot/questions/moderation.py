"""The moderators' side of the questions: the ranked digest and its buttons (Answered, Hide, Pin to
next discussion, Show all), `/webinar questions N`, the App Home list, the report, and `reveal`.

Who may do what is not decided here: the inbox asks the directory (the one moderator check) before
it calls the moderating methods.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from bot.agenda.model import Agenda, in_language
from bot.chat.form import Form
from bot.chat.inbound import Pressed
from bot.chat.markup import compose
from bot.chat.message import ChannelLink, Inlines, Message, first_line
from bot.chat.port import DeleteMessage, OpenForm, PostMessage, React, UpdateMessage, Upload
from bot.chat.sender import Outcome, Priority, Sender
from bot.clock import Clock
from bot.i18n.words import Words
from bot.people.languages import Readers
from bot.people.names import NameBook
from bot.questions import views
from bot.questions.desk import QuestionDesk
from bot.questions.model import GENERAL, Question
from bot.questions.report import Attendance
from bot.questions.report import render as render_report
from bot.questions.threads import Threads

log = logging.getLogger(__name__)


class Places(Protocol):
    def channel(self, audience: str) -> str: ...

    def is_moderator(self, person: str) -> bool: ...


class AgendaSource(Protocol):
    @property
    def agenda(self) -> Agenda: ...


class Moderation:
    def __init__(
        self,
        desk: QuestionDesk,
        threads: Threads,
        sender: Sender,
        names: NameBook,
        places: Places,
        webinar: AgendaSource,
        clock: Clock,
        readers: Readers,
        attendance: Callable[[], Attendance] | None = None,
    ) -> None:
        self.readers = readers
        self.desk = desk
        self.attendance = attendance
        self.threads = threads
        self.sender = sender
        self.names = names
        self.places = places
        self.webinar = webinar
        self.clock = clock
        self._digests: dict[str, tuple[object, Agenda, Message]] = {}  # by session: what it was made from

    # -- the digest -------------------------------------------------------------------------------

    def ranked(self, session_key: str, limit: int | None) -> list[Question]:
        """The ranked questions, with every shown author's name looked up first (never a raw id)."""
        questions = self.desk.ranked(session_key, limit)
        unknown = [q.author_id for q in questions if not q.anonymous and q.author_name == q.author_id]
        if unknown:
            self.names.ensure(unknown)
            questions = self.desk.ranked(session_key, limit)
        return questions

    def digest(
        self,
        session_key: str,
        heading: Inlines,
        *,
        limit: int | None = views.DIGEST_TOP,
        buttons: bool = True,
        w: Words | None = None,
    ) -> Message:
        """A session's ranked questions; in `w`'s language (backstage's by default)."""
        agenda = self.webinar.agenda
        shown = self.ranked(session_key, limit)
        total = len(shown) if limit is None else self.desk.count(session_key)
        return views.digest(
            heading,
            session_key,
            shown,
            total,
            agenda.settings.vote_emoji,
            agenda.tz,
            w or self.readers.webinar_words(),
            limit=limit,
            buttons=buttons,
        )

    def digest_for_cue(self, session_key: str, message: Message) -> Message:
        """The discussion's digest in backstage: the cue's first line as heading, the questions under it.

        It is made a moment ahead of its cue (with the cue's message), and made again when due only
        if a question, a vote or a name moved meanwhile: making it reads the store and renders every
        question, work that would otherwise hold up the other cues of the discussion's instant."""
        heading = first_line(message.text)
        agenda = self.webinar.agenda
        made_from = (self.desk.stamp(), heading, self.readers.webinar_language)
        made = self._digests.get(session_key)
        if made is not None and made[0] == made_from and made[1] is agenda:
            return made[2]
        digest = self.digest(session_key, heading)
        self._digests[session_key] = (made_from, agenda, digest)
        return digest

    def session_title(self, key: str, w: Words | None = None) -> str:
        return self.threads.titles(w).get(key, key)

    def questions_reply(self, hint: str, person: str) -> Message:
        """`/webinar questions [N | words]`: a session's ranked list (default: the one running, or next);
        moderation buttons for moderators only. An unknown session gets a clear reply."""
        w = self.readers.words(person)
        titles = self.threads.titles(w)
        key = self.desk.session_at(self.clock.now())
        wanted = hint.strip().lower()
        if wanted:
            sessions = list(self.webinar.agenda.sessions())
            if wanted.isdigit():
                number = int(wanted)
                found = next((s.key for _, s in sessions if s.number == number), None)
                if found is None:
                    return Message(
                        compose(
                            w(
                                "There is no session {n}: the sessions are numbered 1 to {last}. "
                                "`/webinar questions` shows the one running now."
                            ),
                            n=number,
                            last=len(sessions),
                        )
                    )
                key = found
            elif wanted in ("general", "general questions", w("General questions").lower()):
                key = GENERAL
            else:
                matches = [k for k, t in titles.items() if wanted in t.lower() or wanted in k]
                if not matches:
                    return Message(
                        compose(
                            w("No session matches `{hint}`. Try its number, as in `/webinar questions 2`."),
                            hint=hint,
                        )
                    )
                key = matches[0]
        heading = views.digest_heading(titles.get(key, key), w)
        return self.digest(key, heading, buttons=self.places.is_moderator(person), w=w)

    # -- buttons ------------------------------------------------------------------------------------

    def moderate(self, event: Pressed) -> Message | None:
        """Answered, Hide or Pin; a note for the moderator when there is something to say."""
        parsed = views.parse_value(event.value)
        w = self.readers.words(event.person)
        if parsed is None:
            return Message(
                compose(w("That button no longer works; `/webinar questions` shows a fresh list."))
            )
        question_id, session_key = parsed
        reply = None
        if event.action == views.ANSWERED:
            question = self.desk.answered(question_id)
            if question is not None and question.message is not None:
                self.sender.send(React(question.message, "white_check_mark"), Priority.REPLY)
        elif event.action == views.HIDE:
            question = self.desk.hide(question_id)
            if question is not None and question.copy is not None:
                self.sender.send(DeleteMessage(question.copy), Priority.REPLY)
        elif event.action == views.PIN:
            _, following = self.desk.pin_to_next(question_id)
            if following:
                title = self.session_title(following, w)
                reply = Message(compose(w("Pinned to the top of {title}."), title=title))
            else:
                reply = Message(compose(w("There is no later discussion.")))
        if event.ref is not None:
            backstage = self.readers.webinar_words()
            heading = views.digest_heading(self.session_title(session_key, backstage), backstage)
            self.sender.send(
                UpdateMessage(event.ref, self.digest(session_key, heading)),
                Priority.REPLY,
                coalesce=f"digest:{event.ref.conversation}:{event.ref.id}",
            )
        return reply

    def show_all(self, event: Pressed) -> None:
        session_key = event.value
        w = self.readers.words(event.person)
        heading = compose("*{title}*", title=self.session_title(session_key, w))
        listing = self.digest(session_key, heading, limit=None, w=w)
        self.sender.send(
            OpenForm(
                event.person,
                Form("questions_all", w("All questions"), intro=listing, cancel=w("Close"), language=w.code),
                event.handle,
            ),
            Priority.REPLY,
        )

    # -- App Home -----------------------------------------------------------------------------------

    def home(self, person: str) -> Message:
        """The questions part of a person's home view: how to ask, or (moderators) the live list."""
        agenda = self.webinar.agenda
        emoji = agenda.settings.vote_emoji
        w = self.readers.words(person)
        if not self.places.is_moderator(person):
            name = agenda.channels.questions if agenda.channels else "questions"
            channel = (ChannelLink(name, self.places.channel("questions")),)
            title = in_language(agenda.title, agenda.title_l10n, w.code)
            return views.home_for_participant(title, channel, emoji, w)
        parts = []
        for key, title in self.threads.titles(w).items():
            total = self.desk.count(key)
            if total:
                heading = compose("*{title}* ({total})", title=title, total=total)
                parts.append(self.digest(key, heading, limit=views.HOME_TOP, w=w))
        return views.home_for_moderator(parts, w)

    # -- the report and reveal ----------------------------------------------------------------------

    def report(self, fmt: str = "md") -> str:
        store = self.desk.store
        info = store.webinar_info()
        if info is None:
            return ""
        figures = self.attendance() if self.attendance is not None else None
        w = self.readers.webinar_words()
        return render_report(fmt, info, store.sessions(), store.all(), figures, w)

    def upload_report(self) -> None:
        backstage = self.places.channel("backstage")
        w = self.readers.webinar_words()

        def done(outcome: Outcome) -> None:
            if not outcome.ok:
                note = w(
                    ":warning: The questions report could not be uploaded; `webinar-bot report` writes it."
                )
                self.sender.send(PostMessage(backstage, Message(compose(note))), Priority.REPLY)

        upload = Upload(
            backstage,
            "questions.md",
            self.report("md"),
            w("Questions report"),
            w("The questions report, ready to paste into the minutes."),
        )
        self.sender.send(upload, Priority.REPLY, on_done=done)

    def reveal(self, number: int, person: str) -> Message:
        return views.reveal(self.desk.store.get(number), number, self.readers.words(person))
