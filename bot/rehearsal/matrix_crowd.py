"""The crowd's participants on Matrix: accounts on the rehearsal's own Synapse that ask and vote.

They ask the ways Matrix offers: a reply in the session's thread, a message in the questions room,
`!ask` in the announcements room (Matrix has no forms and no message shortcuts); they vote with 👍
on the messages in a session's thread and take some votes back (a redaction). Before the crowd's
account is settled, every event they sent must have been handled by the bot (`handled`, from the
adapter), as the Slack stand-in delivers everything before its account is read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from bot.matrix.participant import Participant

PATHS = (("thread", 55), ("channel", 30), ("ask", 15))
DRAIN_SECONDS = 30.0  # real seconds for the bot to handle what the crowd did last


class MatrixAudience:
    paths: tuple[tuple[str, int], ...] = PATHS

    def __init__(
        self, people: list[Participant], rooms: Mapping[str, str], handled: Callable[[str], bool]
    ) -> None:
        self.people = {person.id: person for person in people}
        self.rooms = dict(rooms)  # audience -> room id
        self.handled = handled
        self.sent: list[str] = []
        self._lock = threading.Lock()

    def participants(self, size: int) -> list[str]:
        return list(self.people)[:size]

    def _sent(self, event: str | None) -> None:
        if event is not None:
            with self._lock:
                self.sent.append(event)

    def ask(self, who: str, path: str, text: str, questions: str, thread: str | None) -> bool:
        person = self.people[who]
        if path == "thread" and thread is not None:
            self._sent(person.replies(questions, thread, text))
        elif path in ("thread", "channel"):
            self._sent(person.says(questions, text))
        else:
            self._sent(person.says(self.rooms["announcements"], f"!ask {text}"))
        return True

    def thread(self, conversation: str, root: str) -> list[str]:
        reader = next(iter(self.people.values()))
        return reader.thread(conversation, root)

    def react(self, who: str, conversation: str, message: str, emoji: str) -> None:
        self._sent(self.people[who].reacts(conversation, message, emoji))

    def unreact(self, who: str, conversation: str, message: str, emoji: str) -> None:
        self._sent(self.people[who].unreacts(conversation, message, emoji))

    def drain(self) -> None:
        deadline = time.monotonic() + DRAIN_SECONDS
        pause = threading.Event()
        with self._lock:
            waiting = list(self.sent)
        while waiting and time.monotonic() < deadline:
            waiting = [event for event in waiting if not self.handled(event)]
            pause.wait(0.05)

    def close(self) -> None:
        for person in self.people.values():
            person.close()
