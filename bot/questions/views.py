"""What people see of the questions, as neutral messages and forms: pure functions, no platform.

The ask form, a question's copy in its thread, the "where it went" note, the moderators' ranked
digest with its buttons, the App Home list, the General thread's opening. Each adapter writes them
in its own markup (Slack: Block Kit); tests read them without any chat at all.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import tzinfo

from bot.chat.form import Checkboxes, Choice, Form, Option, TextField
from bot.chat.markup import compose
from bot.chat.message import Button, Emoji, Inlines, Link, Mention, Message, Section, Strong, Text, lines
from bot.questions.model import Question, QuestionStatus
from bot.questions.text import COPY_LIMIT, cut, one_line

ASK_FORM = "ask_question"
ASK_SHORTCUT = "ask_in_webinar"
ANSWERED, HIDE, PIN, SHOW_ALL = "question_answered", "question_hide", "question_pin", "questions_show_all"
MODERATION = (ANSWERED, HIDE, PIN)
DIGEST_TOP = 10
HOME_TOP = 3
ANONYMITY_NOTE = "Participants will not see your name; moderators can (to stop abuse)"
QUESTION_MAX = 3000  # the form's input limit


def ask_form(titles: Mapping[str, str], current: str, initial_text: str, state: Mapping[str, str]) -> Form:
    options = tuple(Option(title[:75], key) for key, title in titles.items())
    return Form(
        ASK_FORM,
        "Ask a question",
        (
            Choice("session", "Session", options, initial=current),
            TextField(
                "question",
                "Your question",
                initial_text[:QUESTION_MAX],
                multiline=True,
                max_length=QUESTION_MAX,
            ),
            Checkboxes(
                "anonymous", "Anonymity", (Option("Ask anonymously", "yes", ANONYMITY_NOTE),), optional=True
            ),
        ),
        submit="Ask",
        state=state,
    )


def thread_opening(title: str, emoji: str) -> Message:
    """The parent of a thread the bot opens itself (the General questions)."""
    return Message(
        compose(
            ":question: *{title}*\n*Reply in this thread* to ask a question; vote with {emoji} for the "
            "ones you want answered.",
            title=title,
            emoji=Emoji(emoji),
        )
    )


def author(question: Question) -> Inlines:
    if question.anonymous:
        return (Strong((Text("Anonymous question"),)),)
    return (Strong((Text("Question from "), Mention(question.author_name, question.author_id))),)


def copy(question: Question) -> Message:
    """A question asked elsewhere, in its session's thread."""
    return Message(
        lines((Emoji("question"), Text(" "), *author(question)), (Text(cut(question.text, COPY_LIMIT)),))
    )


def where_it_went(title: str, link: str | None, anonymous: bool) -> Message:
    place: Inlines = (Link(link, title),) if link else (Strong((Text(title),)),)
    if anonymous:
        return Message(
            compose(
                ":white_check_mark: Thanks! Your question is in the thread {place}, anonymously.", place=place
            )
        )
    return Message(
        compose(
            ":white_check_mark: Thanks! Your question is in the thread {place}. Others can vote for it.",
            place=place,
        )
    )


def _value(question_id: int, session_key: str) -> str:
    return json.dumps({"q": question_id, "s": session_key})


def parse_value(value: str) -> tuple[int, str] | None:
    """(question id, session key) from a moderation button's value; None for a value the bot did not make."""
    try:
        payload = json.loads(value)
        return int(payload["q"]), str(payload["s"])
    except (ValueError, KeyError, TypeError):
        return None


def digest_heading(title: str) -> Inlines:
    return compose(":speech_balloon: *Questions for {title}*, most votes first", title=title)


def digest(
    heading: Inlines,
    session_key: str,
    questions: Sequence[Question],
    total: int,
    emoji: str,
    tz: tzinfo,
    *,
    limit: int | None = DIGEST_TOP,
    buttons: bool = True,
) -> Message:
    """A session's questions ranked, each with Answered / Hide / Pin (for moderators), and Show all."""
    sections: list[Section] = []
    if not questions:
        sections.append(Section((Text("No questions yet."),)))
    for n, q in enumerate(questions[:23], start=1):
        mark: Inlines = (Text(" "), Emoji("white_check_mark")) if q.status is QuestionStatus.ANSWERED else ()
        pinned: Inlines = (Text(" "), Emoji("pushpin")) if q.pinned_for == session_key else ()
        when = q.asked_at.astimezone(tz).strftime("%H:%M")
        text = lines(
            (Strong((Text(f"{n}."),)), *pinned, Text(" " + one_line(q.text)), *mark),
            (Text(f"{q.votes} "), Emoji(emoji), Text(f" · {q.shown_author} · {when}")),
        )
        actions: tuple[Button, ...] = ()
        if buttons:
            value = _value(q.id, session_key)
            actions = (
                Button("Answered", ANSWERED, value, "primary"),
                Button("Hide", HIDE, value),
                Button("Pin to next discussion", PIN, value),
            )
        sections.append(Section(text, actions, f"q{q.id}"))
    if limit is not None and total > limit:
        sections.append(Section((), (Button(f"Show all {total}", SHOW_ALL, session_key),), "more"))
    return Message(heading, sections=tuple(sections))


def home_for_participant(title: str, questions_channel: Inlines, emoji: str) -> Message:
    return Message(
        compose(
            "*{title}*\nAsk in {channel}: post a question, or reply in a session's thread, or use `/ask`. "
            "Vote with {emoji}.",
            title=title,
            channel=questions_channel,
            emoji=Emoji(emoji),
        )
    )


def home_for_moderator(parts: Sequence[Message]) -> Message:
    """The moderators' App Home: each session with questions, its top few; a pointer when it is full."""
    sections: list[Section] = []
    for part in parts:
        sections.append(Section(part.text))
        sections.extend(part.sections)
        if len(sections) > 60:
            sections.append(Section(compose("More in `/webinar questions <session>`.")))
            break
    if not parts:
        sections.append(Section((Text("No questions yet."),)))
    return Message(compose("*Questions, live*"), sections=tuple(sections))


def reveal(question: Question | None, number: int) -> Message:
    if question is None:
        return Message(compose("There is no question {n}.", n=number))
    who = Mention(question.author_name, question.author_id)
    if not question.anonymous:
        return Message(compose("Question {n} is not anonymous: {who} asked it.", n=number, who=who))
    return Message(
        compose("Question {n} was asked anonymously by {who}. Keep it to the moderators.", n=number, who=who)
    )
