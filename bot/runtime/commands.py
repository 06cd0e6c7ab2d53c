"""`/webinar ...`, parsed once, dispatched and authorised in one place, for the command and the panel's
buttons alike: anyone may ask where the session stands; only moderators steer, see the report or
reveal who asked, and every control is logged in backstage ("@ortiz delayed the session by 5 min").
"""

from __future__ import annotations

from bot.chat.markup import compose
from bot.chat.message import ChannelLink, Mention, Message, Text, plain
from bot.chat.refs import Handle
from bot.i18n.localized import Phrase
from bot.i18n.words import N_, Words
from bot.people.directory import Directory
from bot.people.languages import Readers
from bot.people.names import NameBook
from bot.people.registration import RegistrationDesk
from bot.questions.moderation import Moderation
from bot.runtime.backstage import Backstage
from bot.runtime.controls import HELP, STEERING, Control, ControlError, parse_control
from bot.runtime.cue_runner import Cause
from bot.runtime.panel import ControlPanel
from bot.runtime.planning import Replanner
from bot.runtime.session import LiveSession

MODERATORS_ONLY = (*STEERING, "report", "reveal")


class WebinarCommands:
    def __init__(
        self,
        session: LiveSession,
        replanner: Replanner,
        directory: Directory,
        moderation: Moderation,
        backstage: Backstage,
        panel: ControlPanel,
        names: NameBook,
        registration: RegistrationDesk,
        readers: Readers,
    ) -> None:
        self.readers = readers
        self.session = session
        self.replanner = replanner
        self.directory = directory
        self.moderation = moderation
        self.backstage = backstage
        self.panel = panel
        self.names = names
        self.registration = registration

    def who(self, person: str) -> Mention:
        return Mention(self.names.name(person), person)

    def refusal(self, person: str, what: str = N_("do that")) -> Message:
        """The polite no, naming who can (`what` a phrase of the catalogue)."""
        w = self.readers.words(person)
        moderators = sorted(self.directory.moderators)
        names: tuple[Mention | Text, ...] = ()
        for n, moderator in enumerate(moderators):
            names += ((Text(", "),) if n else ()) + (self.who(moderator),)
        return Message(
            compose(
                w(
                    "Sorry, only the webinar's moderators can {what} ({names}). "
                    "`/webinar status` shows where the session stands."
                ),
                what=w(what),
                names=names or (Text(w("the moderators")),),
            )
        )

    def run(self, person: str, text: str, handle: Handle | None = None) -> Message:
        """The reply (for `person` only, in their language) to `/webinar TEXT` or a panel button
        carrying TEXT; `handle` is the interaction, for what opens a form."""
        w = self.readers.words(person)
        try:
            control = parse_control(text)
        except ControlError as exc:
            return Message(exc.phrase.inlines(w))
        if control.action == "help":
            return Message(compose(w(HELP)))
        if control.action == "status":
            return self.panel.status_message(w)
        if control.action == "questions":
            return self.moderation.questions_reply(control.target, person)
        if control.action == "forget":
            return self.registration.forget(person, control.target)
        if control.action == "register":
            if handle is None:
                return Message(compose(w("Use `/webinar register` to register.")))
            return self.registration.open_form(person, handle) or Message(compose(w("Opening the form…")))
        if control.action in MODERATORS_ONLY and not self.directory.is_moderator(person):
            return self.refusal(person)
        if control.action == "report":
            self.moderation.upload_report()
            backstage = ChannelLink("backstage", self.directory.channel("backstage"))
            return Message(compose(w("The questions report is on its way to {channel}."), channel=backstage))
        if control.action == "reveal":
            return self._reveal(person, control, w)
        return self._steer(person, control, w)

    def _reveal(self, person: str, control: Control, w: Words) -> Message:
        target = control.target.strip()
        if not target.isdigit():
            return Message(
                compose(
                    w("Which question? `/webinar reveal 12` (the number in `/webinar report`'s JSON or CSV).")
                )
            )
        number = int(target)
        looked_up = Phrase.of(N_("{who} looked up who asked question {n}."), n=number)
        self.backstage.say(looked_up.inlines(self.readers.webinar_words(), who=self.who(person)))
        return self.moderation.reveal(number, person)

    def _steer(self, person: str, control: Control, w: Words) -> Message:
        try:
            reply = self.session.steer(person, control)
        except ControlError as exc:
            return Message(exc.phrase.inlines(w))
        if reply.changed:
            english = Words("en")
            what = plain(reply.log.inlines(english, who="a moderator")) if reply.log else control.action
            change = self.replanner.replan(Cause(what))
            if reply.log:
                backstage = self.readers.webinar_words()
                moot = (
                    backstage.plural(
                        " · {n} cue withdrawn: this change made it moot",
                        " · {n} cues withdrawn: this change made them moot",
                        len(change.withdrawn),
                    ).format(n=len(change.withdrawn))
                    if change.withdrawn
                    else ""
                )
                line = reply.log.inlines(backstage, who=self.who(person)) + ((Text(moot),) if moot else ())
                self.backstage.say(line)
        return Message(reply.reply.inlines(w))
