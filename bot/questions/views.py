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
from bot.i18n.words import Words
from bot.questions.model import Question, QuestionStatus
from bot.questions.text import COPY_LIMIT, cut, one_line

ASK_FORM = "ask_question"
ASK_SHORTCUT = "ask_in_webinar"
ANSWERED, HIDE, PIN, SHOW_ALL = "question_answered", "question_hide", "question_pin", "questions_show_all"
MODERATION = (ANSWERED, HIDE, PIN)
DIGEST_TOP = 10
HOME_TOP = 3
QUESTION_MAX = 3000  # the form's input limit


def ask_form(
    titles: Mapping[str, str], current: str, initial_text: str, state: Mapping[str, str], w: Words
) -> Form:
    options = tuple(Option(title[:75], key) for key, title in titles.items())
    anonymity_note = w("Participants will not see your name; moderators can (to stop abuse)")
    return Form(
        ASK_FORM,
        w("Ask a question"),
        (
            Choice("session", w("Session"), options, initial=current),
            TextField(
                "question",
                w("Your question"),
                initial_text[:QUESTION_MAX],
                multiline=True,
                max_length=QUESTION_MAX,
            ),
            Checkboxes(
                "anonymous",
                w("Anonymity"),
                (Option(w("Ask anonymously"), "yes", anonymity_note),),
                optional=True,
            ),
        ),
        submit=w("Ask"),
        cancel=w("Cancel"),
        state=state,
        language=w.code,
    )


def thread_opening(titles: Sequence[str], emoji: str, words: Sequence[Words]) -> Message:
    """The parent of a thread the bot opens itself (the General questions), in each channel language."""
    paragraphs = [
        compose(
            w(
                ":question: *{title}*\n*Reply in this thread* to ask a question; vote with {emoji} for the "
                "ones you want answered."
            ),
            title=title,
            emoji=Emoji(emoji),
        )
        for title, w in zip(titles, words, strict=True)
    ]
    first, *others = paragraphs
    return Message(first, sections=tuple(Section(p, key=f"language-{n}") for n, p in enumerate(others, 1)))


def author(question: Question, w: Words) -> Inlines:
    if question.anonymous:
        return (Strong((Text(w("Anonymous question")),)),)
    return (Strong(compose(w("Question from {who}"), who=Mention(question.author_name, question.author_id))),)


def copy(question: Question, w: Words) -> Message:
    """A question asked elsewhere, in its session's thread (in the channel's language)."""
    return Message(
        lines((Emoji("question"), Text(" "), *author(question, w)), (Text(cut(question.text, COPY_LIMIT)),))
    )


def where_it_went(title: str, link: str | None, anonymous: bool, w: Words) -> Message:
    place: Inlines = (Link(link, title),) if link else (Strong((Text(title),)),)
    if anonymous:
        return Message(
            compose(
                w(":white_check_mark: Thanks! Your question is in the thread {place}, anonymously."),
                place=place,
            )
        )
    return Message(
        compose(
            w(":white_check_mark: Thanks! Your question is in the thread {place}. Others can vote for it."),
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


def digest_heading(title: str, w: Words) -> Inlines:
    return compose(w(":speech_balloon: *Questions for {title}*, most votes first"), title=title)


def digest(
    heading: Inlines,
    session_key: str,
    questions: Sequence[Question],
    total: int,
    emoji: str,
    tz: tzinfo,
    w: Words,
    *,
    limit: int | None = DIGEST_TOP,
    buttons: bool = True,
) -> Message:
    """A session's questions ranked, each with Answered / Hide / Pin (for moderators), and Show all."""
    sections: list[Section] = []
    if not questions:
        sections.append(Section((Text(w("No questions yet.")),)))
    for n, q in enumerate(questions[:23], start=1):
        mark: Inlines = (Text(" "), Emoji("white_check_mark")) if q.status is QuestionStatus.ANSWERED else ()
        pinned: Inlines = (Text(" "), Emoji("pushpin")) if q.pinned_for == session_key else ()
        when = w.time(q.asked_at, tz)
        text = lines(
            (Strong((Text(f"{n}."),)), *pinned, Text(" " + one_line(q.text)), *mark),
            (Text(f"{q.votes} "), Emoji(emoji), Text(f" · {q.shown_author_in(w)} · {when}")),
        )
        actions: tuple[Button, ...] = ()
        if buttons:
            value = _value(q.id, session_key)
            actions = (
                Button(w("Answered"), ANSWERED, value, "primary"),
                Button(w("Hide"), HIDE, value),
                Button(w("Pin to next discussion"), PIN, value),
            )
        sections.append(Section(text, actions, f"q{q.id}"))
    if limit is not None and total > limit:
        show_all = w("Show all {total}").format(total=w.number(total))
        sections.append(Section((), (Button(show_all, SHOW_ALL, session_key),), "more"))
    return Message(heading, sections=tuple(sections))


def home_for_participant(title: str, questions_channel: Inlines, emoji: str, w: Words) -> Message:
    return Message(
        compose(
            w(
                "*{title}*\nAsk in {channel}: post a question, or reply in a session's thread, or use "
                "`/ask`. Vote with {emoji}."
            ),
            title=title,
            channel=questions_channel,
            emoji=Emoji(emoji),
        )
    )


def home_for_moderator(parts: Sequence[Message], w: Words) -> Message:
    """The moderators' App Home: each session with questions, its top few; a pointer when it is full."""
    sections: list[Section] = []
    for part in parts:
        sections.append(Section(part.text))
        sections.extend(part.sections)
        if len(sections) > 60:
            sections.append(Section(compose(w("More in `/webinar questions <session>`."))))
            break
    if not parts:
        sections.append(Section((Text(w("No questions yet.")),)))
    return Message(compose(w("*Questions, live*")), sections=tuple(sections))


def reveal(question: Question | None, number: int, w: Words) -> Message:
    if question is None:
        return Message(compose(w("There is no question {n}."), n=number))
    who = Mention(question.author_name, question.author_id)
    if not question.anonymous:
        return Message(compose(w("Question {n} is not anonymous: {who} asked it."), n=number, who=who))
    return Message(
        compose(
            w("Question {n} was asked anonymously by {who}. Keep it to the moderators."), n=number, who=who
        )
    )
