"""A simulated audience for rehearsals: participants who ask, reply, vote and change their minds.

Each participant asks about one question per thematic session (some before the webinar or between
sessions), by every path a real one would use: a reply in the session's thread, a message in the
questions channel, `/ask`, the `/ask` form (sometimes anonymously), the message shortcut. They vote
on each other's questions with the vote emoji and take some votes back. The crowd keeps its own
account of what it did, to check the bot's: questions asked and recorded, filed under the right
session, votes counted, and lost (which must be none).

What a participant can do depends on the platform: the crowd plans and keeps the account, and an
`Audience` acts for it (on the Slack stand-in here; on Matrix, bot.rehearsal.matrix_crowd).
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.clock import Clock
from bot.localslack import LocalSlack
from bot.localslack.simulate import SimulatedUser
from bot.localslack.workspace import View
from bot.questions.model import GENERAL
from bot.runtime.webinar import Webinar

log = logging.getLogger(__name__)

TOPICS = (
    "How can unions reach workers in the informal economy?",
    "Which countries have ratified C102 recently, and what changed?",
    "What is the role of social dialogue in reforming pensions?",
    "How do we protect women's benefits during austerity?",
    "Can the Workers Network share model legislation?",
    "What data should unions collect before negotiating?",
    "How does R202 apply to migrant workers?",
    "Who finances social protection floors in low-income countries?",
)
PATHS = (("thread", 45), ("channel", 25), ("ask", 15), ("modal", 10), ("shortcut", 5))


@dataclass(frozen=True)
class Plan:
    at: datetime
    who: str
    action: str  # "ask" or "vote"
    path: str = ""


@dataclass
class Tally:
    asked: int = 0
    recorded: int = 0
    filed_right: int = 0
    votes_expected: int = 0
    votes_counted: int = 0
    misfiled: list[str] = field(default_factory=list)
    expected: dict[str, str] = field(default_factory=dict)  # question text -> session it belongs to
    paths: set[str] = field(default_factory=set)  # how the recorded questions came in
    missing: list[str] = field(default_factory=list)  # asked, and not found in the bot's store

    @property
    def lost(self) -> int:
        return self.asked - self.recorded

    def lines(self) -> list[str]:
        return (
            [
                f"questions asked: {self.asked}",
                f"questions recorded: {self.recorded}",
                f"filed under the right session: {self.filed_right}",
                f"votes counted: {self.votes_counted} (the crowd's net votes: {self.votes_expected})",
                f"questions lost: {self.lost}",
            ]
            + [f"  misfiled: {text}" for text in self.misfiled[:5]]
            + [f"  lost: {text}" for text in self.missing[:5]]
        )


class Audience(Protocol):
    """The participants of one platform, acting for the crowd."""

    paths: tuple[tuple[str, int], ...]  # how they ask, with how often

    def participants(self, size: int) -> list[str]: ...

    def ask(self, who: str, path: str, text: str, questions: str, thread: str | None) -> bool:
        """Ask by that path; False when it could not be done (a form that never came)."""
        ...

    def thread(self, conversation: str, root: str) -> list[str]:
        """The messages in a thread, not its root."""
        ...

    def react(self, who: str, conversation: str, message: str, emoji: str) -> None: ...

    def unreact(self, who: str, conversation: str, message: str, emoji: str) -> None: ...

    def drain(self) -> None:
        """Returns once the bot has received everything the participants did."""
        ...


class SlackAudience:
    """The stand-in's participants (`participant01`, ...), by every path Slack offers."""

    paths: tuple[tuple[str, int], ...] = PATHS

    def __init__(self, slack: LocalSlack, seed: int = 2018) -> None:
        self.slack = slack
        self.random = random.Random(seed)

    def participants(self, size: int) -> list[str]:
        people = [u for u in self.slack.workspace.humans() if u.name.startswith("participant")]
        return [u.id for u in people[:size]]

    def ask(self, who: str, path: str, text: str, questions: str, thread: str | None) -> bool:
        user = self.slack.user(who)
        if path == "thread" and thread is not None:
            user.reply(questions, thread, text)
        elif path in ("thread", "channel"):
            user.post(questions, text)
        elif path == "ask":
            user.slash("/ask", text, channel="general")
        elif path == "modal":
            user.slash("/ask", "", channel="general")
            modal = self._form(user)
            if modal is None:
                return False
            anonymous = ["yes"] if self.random.random() < 0.5 else []
            answers: dict[str, dict[str, Any]] = {
                "question": {"question": text},
                "anonymous": {"anonymous": anonymous},
            }
            user.submit_view(modal.id, answers)
        else:
            ts = user.post("general", text)
            user.shortcut("ask_in_webinar", channel="general", ts=ts)
            modal = self._form(user)
            if modal is None:
                return False
            user.submit_view(modal.id)
        return True

    def _form(self, user: SimulatedUser) -> View | None:
        """The form the bot opens for them: it comes through the bot's sender, a moment later."""
        try:
            return self.slack.wait_for(user.modal, timeout=5.0)
        except TimeoutError:
            return None

    def thread(self, conversation: str, root: str) -> list[str]:
        return [m.ts for m in self.slack.workspace.thread(conversation, root) if m.ts != root]

    def react(self, who: str, conversation: str, message: str, emoji: str) -> None:
        self.slack.user(who).react(conversation, message, emoji)

    def unreact(self, who: str, conversation: str, message: str, emoji: str) -> None:
        self.slack.user(who).unreact(conversation, message, emoji)

    def drain(self) -> None:
        self.slack.drain_events()


class Crowd:
    def __init__(self, audience: Audience, bot: Webinar, clock: Clock, size: int, seed: int = 2018) -> None:
        self.audience = audience
        self.bot = bot
        self.clock = clock
        self.random = random.Random(seed)
        self.people = audience.participants(size)
        self.tally = Tally()
        self._votes: set[tuple[str, str]] = set()  # (question message ts, voter)
        self._serial = 0
        self._lock = threading.Lock()

    # -- planning ---------------------------------------------------------------------------------

    def plan(self) -> list[Plan]:
        placement = self.bot.session.placement()
        spans = [
            (placement.sessions[s.key].start, placement.sessions[s.key].end)
            for _, s in self.bot.session.agenda.sessions()
        ]
        paths = [path for path, _ in self.audience.paths]
        weights = [weight for _, weight in self.audience.paths]
        steps: list[Plan] = []
        for person in self.people:
            for start, end in spans:
                length = (end - start).total_seconds()
                if self.random.random() < 0.75:
                    at = start + timedelta(seconds=self.random.uniform(0, length * 0.9))
                    steps.append(Plan(at, person, "ask", self.random.choices(paths, weights)[0]))
                for _ in range(self.random.randint(1, 4)):
                    steps.append(
                        Plan(
                            start + timedelta(seconds=self.random.uniform(length * 0.3, length)),
                            person,
                            "vote",
                        )
                    )
            if self.random.random() < 0.15:  # before the webinar: the General thread
                steps.append(
                    Plan(
                        placement.start - timedelta(minutes=self.random.uniform(1, 10)),
                        person,
                        "ask",
                        "channel",
                    )
                )
        return sorted(steps, key=lambda step: step.at)

    # -- acting -----------------------------------------------------------------------------------

    def run(self, done: threading.Event) -> None:
        for step in self.plan():
            if self.clock.wait(done, step.at):
                return
            try:
                if step.action == "ask":
                    self._ask(step.who, step.path)
                else:
                    self._vote(step.who)
            except Exception:  # a rehearsal's crowd must not stop the rehearsal
                log.exception("a simulated participant failed")

    def _expected_session(self, thread_session: str | None = None) -> str:
        """Where the rules say a question asked now belongs (worked out here, not asked of the bot)."""
        if thread_session is not None:
            return thread_session
        now = self.clock.now()
        placement = self.bot.session.placement()
        spans = sorted((span.start, span.end, key) for key, span in placement.sessions.items())
        if not spans or now < spans[0][0] or now >= spans[-1][1]:
            return GENERAL
        for start, end, key in spans:
            if start <= now < end:
                return key
        return next(key for start, _, key in spans if start > now)

    def _text(self) -> str:
        with self._lock:
            self._serial += 1
            serial = self._serial
        return f"{self.random.choice(TOPICS)} (q{serial})"

    def _ask(self, who: str, path: str) -> None:
        questions = self.bot.directory.channel("questions")
        text = self._text()
        session = self._expected_session()
        thread = self.bot.questions.thread_for(session) if session != GENERAL else None
        if not self.audience.ask(who, path, text, questions, thread.id if thread is not None else None):
            return
        with self._lock:
            self.tally.asked += 1
            self.tally.expected[text] = session

    def _vote(self, who: str) -> None:
        questions = self.bot.directory.channel("questions")
        session = self._expected_session()
        thread = self.bot.questions.thread_for(session) if session != GENERAL else None
        if thread is None:
            return
        candidates = self.audience.thread(questions, thread.id)
        if not candidates:
            return
        target = self.random.choice(candidates)
        key = (target, who)
        emoji = self.bot.session.agenda.settings.vote_emoji
        if key in self._votes and self.random.random() < 0.5:
            self.audience.unreact(who, questions, target, emoji)
            self._votes.discard(key)
        elif key not in self._votes:
            self.audience.react(who, questions, target, emoji)
            self._votes.add(key)

    # -- the account ------------------------------------------------------------------------------

    def settle(self) -> Tally:
        """Compare what the crowd did with what the bot stored (once the bot has received it all)."""
        self.audience.drain()
        stored = self.bot.questions.all()
        by_text = {q.text: q for q in stored}
        tally = self.tally
        tally.recorded = sum(1 for text in tally.expected if text in by_text)
        tally.missing = [text for text in tally.expected if text not in by_text]
        tally.paths = {by_text[text].source for text in tally.expected if text in by_text}
        for text, session in tally.expected.items():
            question = by_text.get(text)
            if question is not None and question.session_key == session:
                tally.filed_right += 1
            elif question is not None:
                tally.misfiled.append(f"{text}: filed under {question.session_key}, expected {session}")
        counted = 0
        expected = 0
        for question in stored:
            message = question.message
            if message is None:
                continue
            voters = {voter for ts, voter in self._votes if ts == message.id}
            expected += len(voters - {question.author_id})
            counted += question.votes
        tally.votes_expected = expected
        tally.votes_counted = counted
        return tally
