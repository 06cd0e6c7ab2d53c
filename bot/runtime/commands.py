"""`/webinar ...`, parsed once, dispatched and authorised in one place, for the command and the panel's
buttons alike: anyone may ask where the session stands; only moderators steer, see the report or
reveal who asked, and every control is logged in backstage ("@ortiz delayed the session by 5 min").
"""

from __future__ import annotations

from bot.chat.markup import compose
from bot.chat.message import ChannelLink, Mention, Message, Text
from bot.chat.refs import Handle
from bot.people.directory import Directory
from bot.people.names import NameBook
from bot.people.registration import RegistrationDesk
from bot.questions.moderation import Moderation
from bot.runtime.backstage import Backstage, plural
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
    ) -> None:
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

    def refusal(self, what: str = "do that") -> Message:
        """The polite no, naming who can."""
        moderators = sorted(self.directory.moderators)
        names: tuple[Mention | Text, ...] = ()
        for n, person in enumerate(moderators):
            names += ((Text(", "),) if n else ()) + (self.who(person),)
        return Message(
            compose(
                "Sorry, only the webinar's moderators can {what} ({names}). "
                "`/webinar status` shows where the session stands.",
                what=what,
                names=names or (Text("the moderators"),),
            )
        )

    def run(self, person: str, text: str, handle: Handle | None = None) -> Message:
        """The reply (for `person` only) to `/webinar TEXT` or a panel button carrying TEXT; `handle`
        is the interaction, for what opens a form."""
        try:
            control = parse_control(text)
        except ControlError as exc:
            return Message((Text(str(exc)),))
        if control.action == "help":
            return Message(compose(HELP))
        if control.action == "status":
            return self.panel.status_message()
        if control.action == "questions":
            return self.moderation.questions_reply(control.target, person)
        if control.action == "forget":
            return self.registration.forget(person, control.target)
        if control.action == "register":
            if handle is None:
                return Message(compose("Use `/webinar register` to register."))
            return self.registration.open_form(person, handle) or Message(compose("Opening the form…"))
        if control.action in MODERATORS_ONLY and not self.directory.is_moderator(person):
            return self.refusal()
        if control.action == "report":
            self.moderation.upload_report()
            backstage = ChannelLink("backstage", self.directory.channel("backstage"))
            return Message(compose("The questions report is on its way to {channel}.", channel=backstage))
        if control.action == "reveal":
            return self._reveal(person, control)
        return self._steer(person, control)

    def _reveal(self, person: str, control: Control) -> Message:
        target = control.target.strip()
        if not target.isdigit():
            return Message(
                compose(
                    "Which question? `/webinar reveal 12` (the number in `/webinar report`'s JSON or CSV)."
                )
            )
        number = int(target)
        self.backstage.say(compose("{who} looked up who asked question {n}.", who=self.who(person), n=number))
        return self.moderation.reveal(number)

    def _steer(self, person: str, control: Control) -> Message:
        try:
            reply = self.session.steer(person, control)
        except ControlError as exc:
            return Message((Text(str(exc)),))
        if reply.changed:
            what = (reply.log or control.action).replace("{who}", "a moderator")
            change = self.replanner.replan(Cause(what))
            if reply.log:
                before, _, after = reply.log.partition("{who}")
                moot = f" · {plural(len(change.withdrawn), 'cue')} withdrawn: this change made them moot"
                line = compose(
                    "{before}{who}{after}{moot}",
                    before=before,
                    who=self.who(person),
                    after=after,
                    moot=moot if change.withdrawn else "",
                )
                self.backstage.say(line)
        return Message((Text(reply.reply),))
