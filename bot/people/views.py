"""What people see of registration, connection help and speakers' answers: neutral messages and
forms, pure functions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.agenda.model import Registration
from bot.chat.form import Choice, Form, Option, TextField
from bot.chat.markup import compose
from bot.chat.message import Button, Inlines, Mention, Message, Section, Text
from bot.i18n.languages import LANGUAGES, language
from bot.i18n.words import Words
from bot.people.registrants import FIELD_LIMITS, Details, Registrant
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


def mode_name(mode: str, w: Words) -> str:
    return {"online": w("Online"), "in_person": w("In person")}.get(mode, mode)


def registration_form(
    w: Words,
    registration: Registration,
    current: Details | None,
    language: str,
    timezone: str,
    state: Mapping[str, str],
) -> Form:
    given = current or Details("", registration.modes[0], language=language, timezone=timezone)
    modes = tuple(Option(mode_name(m, w), m) for m in registration.modes)
    languages = tuple(Option(language.name, language.code) for language in LANGUAGES)
    return Form(
        REGISTER_FORM,
        w("Register"),
        (
            TextField("name", w("Name"), given.name, max_length=FIELD_LIMITS["name"]),
            TextField(
                "title", w("Title or position"), given.title, max_length=FIELD_LIMITS["title"], optional=True
            ),
            TextField(
                "organisation",
                w("Organisation you represent"),
                given.organisation,
                max_length=FIELD_LIMITS["organisation"],
                optional=True,
            ),
            TextField(
                "phone",
                w("Telephone (optional)"),
                given.phone,
                max_length=FIELD_LIMITS["phone"],
                optional=True,
            ),
            Choice("mode", w("How will you take part?"), modes, initial=given.mode),
            Choice("language", w("Write to me in"), languages, initial=given.language or language),
            TextField(
                "timezone",
                w("My time zone"),
                given.timezone or timezone,
                max_length=64,
                placeholder=w("Europe/Zurich, Africa/Nairobi, America/Argentina/Buenos_Aires"),
            ),
        ),
        submit=w("Register"),
        cancel=w("Cancel"),
        state=state,
        language=w.code,
    )


def registration_buttons(registrant: Registrant, w: Words) -> tuple[Button, ...]:
    buttons = [
        Button(w("Change"), CHANGE, registrant.key),
        Button(w("Cancel my registration"), CANCEL, registrant.key, "danger"),
    ]
    if registrant.confirmed_at is None:
        buttons.insert(0, Button(w("Confirm"), CONFIRM_ATTENDANCE, registrant.key, "primary"))
    return tuple(buttons)


def closed(title: str, contacts: Sequence[str], w: Words) -> Message:
    if contacts:
        return Message(
            compose(
                w(
                    "Registration for *{title}* is closed. If you would still like to take part, please "
                    "write to {contacts}."
                ),
                title=title,
                contacts=", ".join(contacts),
            )
        )
    return Message(compose(w("Registration for *{title}* is closed."), title=title))


def welcome(titles: Sequence[str], when: Sequence[Inlines], words: Sequence[Words]) -> Message:
    """The announcements' welcome post, in each of the webinar's languages (`titles`, `when` and
    `words` side by side), with one Register button whose label says it in each."""
    paragraphs: list[Inlines] = []
    for title, at, w in zip(titles, when, words, strict=True):
        paragraphs.append(
            compose(
                w(
                    ":clipboard: Registration is open for *{title}* ({when}). Register to get the "
                    "connection guide and the reminders, in your language."
                ),
                title=title,
                when=at,
            )
        )
    label = " · ".join(dict.fromkeys(w("Register") for w in words))
    first, *others = paragraphs
    return Message(
        first,
        buttons=(Button(label, REGISTER, "", "primary"),),
        sections=tuple(Section(text, key=f"language-{n}") for n, text in enumerate(others, start=1)),
    )


def register_button(w: Words) -> Button:
    return Button(w("Register"), REGISTER, "", "primary")


def updated(registrant: Registrant, w: Words) -> Message:
    mode = w("online") if registrant.mode == "online" else w("in person")
    return Message(
        compose(
            w("Updated: you take part {mode}; we write to you in {language}."),
            mode=mode,
            language=language(registrant.language or w.code).name,
        ),
        buttons=registration_buttons(registrant, w),
    )


def cancelled(w: Words) -> Message:
    return Message(
        compose(
            w("Your registration is cancelled. You can register again at any time with `/webinar register`.")
        )
    )


def confirmed(w: Words) -> Message:
    return Message(compose(w(":white_check_mark: Thank you: your attendance is confirmed.")))


def forgotten(w: Words, yourself: bool, name: str = "") -> Message:
    if yourself:
        return Message(
            compose(
                w(
                    "Done: your registration's personal data is removed. Your questions stay, as a former "
                    "participant's."
                )
            )
        )
    return Message(compose(w("Done: {name}'s personal data is removed."), name=name))


def help_form(state: Mapping[str, str], w: Words) -> Form:
    return Form(
        HELP_FORM,
        w("Connection help"),
        (
            TextField(
                "missing",
                w("What is missing? (bandwidth, camera, microphone, a computer…)"),
                multiline=True,
                max_length=1000,
            ),
            TextField("location", w("Where are you? (city and country)"), max_length=200),
        ),
        submit=w("Ask for help"),
        cancel=w("Cancel"),
        state=state,
        language=w.code,
    )


def help_request(
    request: ConnectionRequest, registrant: Registrant | None, handler: Mention | None, w: Words
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
            details.append(w("tel. {phone}").format(phone=registrant.phone))
        if registrant.email:
            details.append(registrant.email)
    status = {
        "open": compose(w("*open*")),
        "in_hand": compose(w("{who} is taking care of it"), who=handler)
        if handler
        else compose(w("in hand")),
        "resolved": compose(w("resolved by {who}"), who=handler) if handler else compose(w("resolved")),
    }[request.status]
    text = compose(
        w(
            ":sos: *Connection help* #{n} for {who}{details}\n*Missing:* {missing}\n*Where:* {where}"
            "\n{status}"
        ),
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
            Button(w("Taking care of it"), IN_HAND, str(request.id)),
            Button(w("Resolved"), RESOLVED, str(request.id), "primary"),
        )
    return Message(text, buttons=buttons)


def help_received(w: Words) -> Message:
    return Message(compose(w("Thank you: the moderators have your request and will be in touch.")))


def help_update(status: str, w: Words) -> Message:
    if status == "resolved":
        return Message(
            compose(w(":white_check_mark: The moderators have marked your connection request resolved."))
        )
    return Message(
        compose(w("A moderator is taking care of your connection request; they will be in touch."))
    )


def speaker_buttons(key: str, w: Words) -> tuple[Button, ...]:
    return (
        Button(w("Confirm"), SPEAKER_CONFIRM, key, "primary"),
        Button(w("Decline"), SPEAKER_DECLINE, key, "danger"),
    )


def speaker_thanks(answer: str, w: Words) -> Message:
    if answer == "confirmed":
        return Message(compose(w(":white_check_mark: Thank you! The moderators know you will speak.")))
    return Message(compose(w("Thank you for telling us. The moderators know you cannot speak this time.")))


def declined_alert(who: Mention, key: str, w: Words) -> Message:
    return Message(
        compose(
            w(":warning: {who} has declined to speak. Plan without them: `/webinar skip {key}`."),
            who=who,
            key=key,
        )
    )


def confirmed_note(who: Mention, w: Words) -> Message:
    return Message(compose(w(":white_check_mark: {who} confirmed in chat that they will speak."), who=who))


def here_thanks(w: Words) -> Message:
    return Message(compose(w("Thank you! The moderators know you're here.")))


def counts(numbers: Mapping[str, int], open_requests: int, w: Words) -> Inlines:
    return compose(
        w(
            "*Registered:* {registered} ({online} online, {in_person} in person) · {confirmed} confirmed · "
            "{checked_in} checked in · {requests} open connection requests"
        ),
        requests=open_requests,
        **{k: str(v) for k, v in numbers.items()},
    )


def say(text: str) -> Message:
    return Message((Text(text),))
