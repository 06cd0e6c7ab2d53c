"""Where a running webinar's schedule comes from, and what happens when that file is saved again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.agenda.keys import slugify
from bot.agenda.load import load_schedule
from bot.agenda.model import Agenda
from bot.agenda.problems import Problem, ScheduleUnreadable, Severity
from bot.chat.markup import compose
from bot.chat.message import Inlines, Text, lines
from bot.messages.render import Renderer
from bot.messages.texts import Texts
from bot.people.directory import Directory
from bot.questions.model import SessionInfo
from bot.runtime.backstage import Backstage
from bot.runtime.cue_runner import Cause
from bot.runtime.planning import Replanner
from bot.runtime.session import LiveSession
from bot.store.questions import QuestionStore

log = logging.getLogger(__name__)


def webinar_key(agenda: Agenda) -> str:
    """Which rows of the database belong to this webinar: its title and date, stable across edits."""
    return f"{slugify(agenda.title, 'webinar')}-{agenda.date.isoformat()}"


def session_infos(agenda: Agenda) -> list[SessionInfo]:
    return [
        SessionInfo(session.key, session.number, position, session.title, item.title)
        for position, (item, session) in enumerate(agenda.sessions())
    ]


@dataclass(frozen=True)
class ScheduleSource:
    """A schedule file (and its defaults), read and validated; `transform` adapts it (a rehearsal's day)."""

    path: Path
    defaults: Path | None = None
    templates: Path | None = None
    transform: Callable[[Agenda], Agenda] | None = None

    def load(self) -> tuple[Agenda | None, list[Problem]]:
        names = Renderer(self.templates).names()
        try:
            result = load_schedule(self.path, self.defaults, templates=names)
        except ScheduleUnreadable as exc:
            return None, [Problem(Severity.ERROR, exc.message, exc.file, exc.line)]
        errors = [p for p in result.problems if p.is_error]
        if result.agenda is None or errors:
            return None, errors or result.problems
        agenda = result.agenda
        return (self.transform(agenda) if self.transform else agenda), []

    @property
    def files(self) -> list[Path]:
        return [p for p in (self.path, self.defaults) if p is not None]


class ScheduleReload:
    """The schedule file changed: re-plan from it, or keep the running plan and say why not."""

    def __init__(
        self,
        source: ScheduleSource,
        key: str,
        session: LiveSession,
        directory: Directory,
        texts: Texts,
        questions: QuestionStore,
        replanner: Replanner,
        backstage: Backstage,
    ) -> None:
        self.source = source
        self.key = key
        self.session = session
        self.directory = directory
        self.texts = texts
        self.questions = questions
        self.replanner = replanner
        self.backstage = backstage

    def _say(self, text: Inlines) -> None:
        """Backstage hears of an edit once: from the process that runs the cues."""
        if self.replanner.active:
            self.backstage.say(text)

    def __call__(self) -> None:
        agenda, errors = self.source.load()
        name = self.source.path.name
        w = self.backstage.words()
        if agenda is None:
            listed = [(Text(f"• {p}"),) for p in errors[:10]]
            head = compose(
                w(":no_entry: I could not use the edit of `{file}`; the running plan stays as it was."),
                file=name,
            )
            self._say(lines(head, *listed))
            return
        if webinar_key(agenda) != self.key:
            self._say(
                compose(
                    w(
                        ":no_entry: The edited schedule has another title or date, so it is another "
                        "webinar; restart the bot to run it. The running plan stays as it was."
                    )
                )
            )
            return
        self.texts.use(agenda)
        current = self.session.agenda
        if agenda.speakers != current.speakers or agenda.moderators != current.moderators:
            self.directory.refresh_people(agenda)
        changes = self.session.replace_agenda(agenda)
        self.questions.save_webinar(
            agenda.title,
            agenda.timezone,
            agenda.date.isoformat(),
            session_infos(agenda),
            agenda.settings.language,
        )
        self.replanner.replan(Cause(f"the edit of {name}"))
        if changes:
            w = self.backstage.words()
            head = compose(w(":pencil: Schedule updated; later cues follow:"))
            self._say(lines(head, *((Text(f"• {c}"),) for c in changes)))
