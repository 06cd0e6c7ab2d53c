"""What people see of registration, connection help and speakers' answers: neutral messages and
forms, pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.agenda.model import Registration
from bot.chat.form import Choice, Form, Option, TextField
from bot.chat.markup import compose
from bot.chat.message import Button, Inlines, Mention, Message, Text
from bot.people.registrants import FIELD_LIMITS, LANGUAGES, Details, Registrant
from bot.store.people import ConnectionRequest

REGISTER_FORM = "register"
HELP_FORM = "connection_help"
REGISTER, CHANGE, CANCEL, CONFIRM_ATTENDANCE = (
    "register_open",
    "register_change",
    "register_cancel",
    "register_confirm",
)
HERE_ONLINE = "attendee_here"
CONNECTION_HELP = "connection_help"
IN_HAND, RESOLVED = "connection_in_hand", "connection_resolved"
SPEAKER_CONFIRM, SPEAKER_DECLINE, SPEAKER_HERE = "speaker_confirm", "speaker_decline", "speaker_here"
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}
MODE_NAMES = {"online": "Online", "in_person": "In person"}


def registration_form(
    registration: Registration,
    current: Details | None,
    language: str,
    timezone: str,
    state: Mapping[str, str],
) -> Form:
    given = current or Details("", registration.modes[0], language=language, timezone=timezone)
    modes = tuple(Option(MODE_NAMES.get(m, m), m) for m in registration.modes)
    languages = tuple(Option(LANGUAGE_NAMES[code], code) for code in LANGUAGES)
    return Form(
        REGISTER_FORM,
        "Register",
        (
            TextField("name", "Name", given.name, max_length=FIELD_LIMITS["name"]),
            TextField(
                "title", "Title or position", given.title, max_length=FIELD_LIMITS["title"], optional=True
            ),
            TextField(
                "organisation",
                "Organisation you represent",
                given.organisation,
                max_length=FIELD_LIMITS["organisation"],
                optional=True,
            ),
            TextField(
                "phone", "Telephone (optional)", given.phone, max_length=FIELD_LIMITS["phone"], optional=True
            ),
            Choice("mode", "How will you take part?", modes, initial=given.mode),
            Choice("language", "Write to me in", languages, initial=given.language or language),
            TextField(
                "timezone",
                "My time zone",
                given.timezone or timezone,
                max_length=64,
                placeholder="Europe/Zurich, Africa/Nairobi, America/Argentina/Buenos_Aires",
            ),
        ),
        submit="Register",
        state=state,
    )


def registration_buttons(registrant: Registrant) -> tuple[Button, ...]:
    buttons = [
        Button("Change", CHANGE, registrant.key),
        Button("Cancel my registration", CANCEL, registrant.key, "danger"),
    ]
    if registrant.confirmed_at is None:
        buttons.insert(0, Button("Confirm", CONFIRM_ATTENDANCE, registrant.key, "primary"))
    return tuple(buttons)


def closed(title: str, contacts: Sequence[str]) -> Message:
    if contacts:
        return Message(
            compose(
                "Registration for *{title}* is closed. If you would still like to take part, please write to "
                "{contacts}.",
                title=title,
                contacts=", ".join(contacts),
            )
        )
    return Message(compose("Registration for *{title}* is closed.", title=title))


def welcome(title: str, when: Inlines) -> Message:
    return Message(
        compose(
            ":clipboard: Registration is open for *{title}* ({when}). Register to get the connection guide "
            "and the reminders, in your language.",
            title=title,
            when=when,
        ),
        buttons=(register_button(),),
    )


def register_button() -> Button:
    return Button("Register", REGISTER, "", "primary")


def updated(registrant: Registrant) -> Message:
    mode = "online" if registrant.mode == "online" else "in person"
    return Message(
        compose(
            "Updated: you take part {mode}; we write to you in {language}.",
            mode=mode,
            language=LANGUAGE_NAMES.get(registrant.language or "en", "English"),
        ),
        buttons=registration_buttons(registrant),
    )


def cancelled() -> Message:
    return Message(
        compose(
            "Your registration is cancelled. You can register again at any time with `/webinar register`."
        )
    )


def confirmed() -> Message:
    return Message(compose(":white_check_mark: Thank you: your attendance is confirmed."))


def forgotten(yourself: bool, name: str = "") -> Message:
    if yourself:
        return Message(
            compose(
                "Done: your registration's personal data is removed. Your questions stay, as a former "
                "participant's."
            )
        )
    return Message(compose("Done: {name}'s personal data is removed.", name=name))


def help_form(state: Mapping[str, str]) -> Form:
    return Form(
        HELP_FORM,
        "Connection help",
        (
            TextField(
                "missing",
                "What is missing? (bandwidth, camera, microphone, a computer…)",
                multiline=True,
                max_length=1000,
            ),
            TextField("location", "Where are you? (city and country)", max_length=200),
        ),
        submit="Ask for help",
        state=state,
    )


def help_request(
    request: ConnectionRequest, registrant: Registrant | None, handler: Mention | None
) -> Message:
    """The request in backstage (moderators only: it shows how to reach the person)."""
    who = Mention(registrant.name if registrant else request.person, request.person)
    details = []
    if registrant is not None:
        if registrant.organisation:
            details.append(registrant.organisation)
        if registrant.timezone:
            details.append(registrant.timezone)
        if registrant.phone:
            details.append(f"tel. {registrant.phone}")
        if registrant.email:
            details.append(registrant.email)
    status = {
        "open": compose("*open*"),
        "in_hand": compose("{who} is taking care of it", who=handler) if handler else compose("in hand"),
        "resolved": compose("resolved by {who}", who=handler) if handler else compose("resolved"),
    }[request.status]
    text = compose(
        ":sos: *Connection help* #{n} for {who}{details}\n*Missing:* {missing}\n*Where:* {where}\n{status}",
        n=request.id,
        who=who,
        details=f" ({', '.join(details)})" if details else "",
        missing=request.missing,
        where=request.location,
        status=status,
    )
    buttons: tuple[Button, ...] = ()
    if request.status != "resolved":
        buttons = (
            Button("Taking care of it", IN_HAND, str(request.id)),
            Button("Resolved", RESOLVED, str(request.id), "primary"),
        )
    return Message(text, buttons=buttons)


def help_received() -> Message:
    return Message(compose("Thank you: the moderators have your request and will be in touch."))


def help_update(status: str) -> Message:
    if status == "resolved":
        return Message(
            compose(":white_check_mark: The moderators have marked your connection request resolved.")
        )
    return Message(compose("A moderator is taking care of your connection request; they will be in touch."))


def speaker_buttons(key: str) -> tuple[Button, ...]:
    return (
        Button("Confirm", SPEAKER_CONFIRM, key, "primary"),
        Button("Decline", SPEAKER_DECLINE, key, "danger"),
    )


def speaker_thanks(answer: str) -> Message:
    if answer == "confirmed":
        return Message(compose(":white_check_mark: Thank you! The moderators know you will speak."))
    return Message(compose("Thank you for telling us. The moderators know you cannot speak this time."))


def declined_alert(who: Mention, key: str) -> Message:
    return Message(
        compose(
            ":warning: {who} has declined to speak. Plan without them: `/webinar skip {key}`.",
            who=who,
            key=key,
        )
    )


def confirmed_note(who: Mention) -> Message:
    return Message(compose(":white_check_mark: {who} confirmed in chat that they will speak.", who=who))


def here_thanks() -> Message:
    return Message(compose("Thank you! The moderators know you're here."))


def counts(numbers: Mapping[str, int], open_requests: int) -> Inlines:
    return compose(
        "*Registered:* {registered} ({online} online, {in_person} in person) · {confirmed} confirmed · "
        "{checked_in} checked in · {requests} open connection requests",
        requests=open_requests,
        **{k: str(v) for k, v in numbers.items()},
    )


def say(text: str) -> Message:
    return Message((Text(text),))
