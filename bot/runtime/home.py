"""The App Home tab: for a participant, how to ask and their registration (Register, or Change and
Cancel); for a moderator, the counts of people and the live questions. Kept current for the
moderators who opened it."""

from __future__ import annotations

from bot.chat.markup import compose
from bot.chat.message import Message, Section, lines
from bot.chat.port import PublishHome
from bot.chat.sender import Priority, Sender
from bot.people import views as people_views
from bot.people.book import People
from bot.people.directory import Directory
from bot.people.languages import Readers
from bot.people.registration import RegistrationDesk
from bot.questions.moderation import Moderation


class AppHome:
    def __init__(
        self,
        moderation: Moderation,
        registration: RegistrationDesk,
        people: People,
        directory: Directory,
        sender: Sender,
        readers: Readers,
    ) -> None:
        self.readers = readers
        self.moderation = moderation
        self.registration = registration
        self.people = people
        self.directory = directory
        self.sender = sender
        self.viewers: set[str] = set()

    def view(self, person: str) -> Message:
        questions = self.moderation.home(person)
        w = self.readers.words(person)
        if self.directory.is_moderator(person):
            counts = people_views.counts(
                self.people.registrants.counts(), len(self.people.requests.open()), w
            )
            return Message(lines(questions.text, counts), sections=questions.sections)
        registrant = self.people.by_person(person)
        if registrant is not None and registrant.active:
            registered = (
                w("You're registered, online.")
                if registrant.mode == "online"
                else w("You're registered, in person.")
            )
            note = Section(compose(registered), people_views.registration_buttons(registrant, w))
        elif self.registration.is_open():
            note = Section(
                compose(w("Register to get the connection guide and the reminders.")),
                (people_views.register_button(w),),
            )
        else:
            return questions
        return Message(questions.text, sections=(note, *questions.sections))

    def publish(self, person: str) -> None:
        if self.directory.is_moderator(person):
            self.viewers.add(person)
        self.sender.send(PublishHome(person, self.view(person)), Priority.PANEL, coalesce=f"home:{person}")

    def refresh(self) -> None:
        """The moderators' homes, after the questions or the people changed."""
        for person in list(self.viewers):
            self.publish(person)
