"""Questions coming in: a message or a reply in the questions channel, an edit, a deletion, a vote,
`/ask`, its form and the message shortcut. A thin layer: inbound value → desk → writes.

Every question is stored before the platform's event is acknowledged (the desk writes it first), so
a crash after the ack loses nothing; the copy into its thread and the note to its author follow.
"""

from __future__ import annotations

import logging
from typing import Protocol

from bot.agenda.model import Agenda
from bot.chat.inbound import Command, Deleted, Edited, Posted, Reacted, Reply, Shortcut, Submitted
from bot.chat.markup import compose
from bot.chat.message import Message
from bot.chat.port import DeleteMessage, MessageRef, OpenForm, UpdateMessage, Whisper
from bot.chat.sender import Priority, Sender
from bot.clock import Clock
from bot.i18n.words import N_
from bot.people.languages import Readers
from bot.people.names import NameBook
from bot.questions import views
from bot.questions.desk import Filed, QuestionDesk
from bot.questions.threads import Threads

log = logging.getLogger(__name__)
SORRY = N_("Sorry, I could not take that question just now; please try again in a moment.")


class Places(Protocol):
    def channel(self, audience: str) -> str: ...


class AgendaSource(Protocol):
    @property
    def agenda(self) -> Agenda: ...


class Intake:
    def __init__(
        self,
        desk: QuestionDesk,
        threads: Threads,
        sender: Sender,
        names: NameBook,
        places: Places,
        clock: Clock,
        readers: Readers,
    ) -> None:
        self.readers = readers
        self.desk = desk
        self.threads = threads
        self.sender = sender
        self.names = names
        self.places = places
        self.clock = clock

    def _in_questions_channel(self, ref: MessageRef) -> bool:
        return ref.conversation == self.places.channel("questions")

    def where_it_went(self, filed: Filed, look_up: bool = True) -> Message:
        """The asker's note of where their question went, in their language (`look_up=False` on the
        busy channel path: a profile not read yet is read soon, not now)."""
        w = self.readers.words(filed.question.author_id, look_up)
        key = filed.question.session_key
        title = self.threads.titles(w).get(key, w("the questions"))
        return views.where_it_went(title, self.threads.link(key), filed.question.anonymous, w)

    # -- messages -------------------------------------------------------------------------------

    def posted(self, event: Posted) -> None:
        if not self._in_questions_channel(event.ref) or not event.text.strip():
            return
        self.names.learn(event.person)
        if event.thread is not None:
            thread = MessageRef(event.ref.conversation, event.thread)
            if event.thread_by_bot and self.desk.store.session_of_thread(thread) is None:
                self.threads.learn(thread)
            self.desk.from_thread_reply(event.ref, thread, event.person, event.text, event.at)
            return
        filed = self.desk.from_channel(event.ref, event.person, event.text, event.at)
        if filed.created:
            self.threads.copy(filed.question)
            self.sender.send(
                Whisper(event.ref.conversation, event.person, self.where_it_went(filed, look_up=False)),
                Priority.QUESTION,
            )

    def edited(self, event: Edited) -> None:
        question = self.desk.edited(event.ref, event.text)
        if question is not None and question.copy is not None:
            copy = views.copy(question, self.readers.webinar_words())
            self.sender.send(UpdateMessage(question.copy, copy), Priority.QUESTION)

    def deleted(self, event: Deleted) -> None:
        question = self.desk.deleted(event.ref)
        if question is not None and question.copy is not None:
            self.sender.send(DeleteMessage(question.copy), Priority.QUESTION)

    def reacted(self, event: Reacted) -> None:
        self.desk.reacted(event.ref, event.person, event.emoji, event.added)

    # -- /ask, the form and the shortcut -----------------------------------------------------------

    def ask(self, command: Command) -> Reply:
        """`/ask TEXT` files it at once; `/ask` alone opens the form."""
        if not command.text:
            state = {"source": "modal", "key": f"{command.person}:{command.id}"}
            self._open_form(command.person, "", state, command)
            return Reply()
        self.names.learn(command.person)
        try:
            filed = self.desk.from_command(
                f"ask:{command.id or command.text}", command.person, command.text, "ask"
            )
        except Exception:
            log.exception("/ask failed")
            return Reply(Message(compose(self.readers.words(command.person)(SORRY))))
        if filed.created:
            self.threads.copy(filed.question)
        return Reply(self.where_it_went(filed))

    def shortcut(self, event: Shortcut) -> None:
        state = {
            "source": "shortcut",
            "origin_conversation": event.ref.conversation,
            "origin_message": event.ref.id,
            "key": f"shortcut:{event.person}:{event.ref.conversation}:{event.ref.id}",
        }
        self._open_form(event.person, event.text, state, event)

    def _open_form(self, person: str, text: str, state: dict[str, str], event: Command | Shortcut) -> None:
        w = self.readers.words(person)
        titles = self.threads.titles(w)
        current = self.desk.session_at(self.clock.now())
        form = views.ask_form(titles, current, text, state, w)
        self.sender.send(
            OpenForm(person, form, event.handle), Priority.REPLY
        )  # ahead of copies: a trigger lasts 3 s

    def submitted(self, event: Submitted) -> Reply:
        """The ask form: the question filed, or what to fix, shown in the form."""
        text = event.one("question")
        w = self.readers.words(event.person)
        if not text:
            return Reply(errors={"question": w("Please write your question.")})
        self.names.learn(event.person)
        state = event.state
        origin = None
        if state.get("origin_conversation") and state.get("origin_message"):
            origin = MessageRef(state["origin_conversation"], state["origin_message"])
        try:
            filed = self.desk.from_command(
                f"view:{event.id or state.get('key')}",
                event.person,
                text,
                state.get("source") or "modal",
                anonymous="yes" in (event.values.get("anonymous") or ()),
                session_key=event.one("session") or None,
                origin=origin,
            )
        except Exception:
            log.exception("a question form failed")
            return Reply(errors={"question": w(SORRY)})
        if filed.created:
            self.threads.copy(filed.question)
            self.sender.send(
                Whisper("", event.person, self.where_it_went(filed), event.handle), Priority.QUESTION
            )
        return Reply()
