"""A form as a short exchange in a person's direct room with the bot: Matrix has no modals.

The bot says the form's title and intro, then asks one field at a time; each answer is a message of
its own. A choice is answered by its number or its name, checkboxes by their numbers (`1, 3`), a
text by the text; `-` keeps the value shown (a registration being changed) or leaves an optional
field empty; `cancel` (or the form's own Cancel label) stops. An answer that does not fit gets a
polite note and the same question again. When every field is answered, the answers are what a
modal would have sent (`Submitted.values`: each field's answer by name); when the core finds a
problem with them (`Reply.errors`), the exchange opens again at the fields it names.

Sans-I/O: these are pure functions of an `Exchange` (a frozen value), the text a person sent and
the time; what to say comes back as neutral messages, and the adapter sends them. `Exchanges` holds
who is in the middle of which form, bounded: one exchange per person (a new form replaces an
unfinished one), an exchange left unanswered for `IDLE` is closed, at most `MAX_OPEN` at once.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.chat.form import Checkboxes, Choice, Field, Form, Option, TextField
from bot.chat.markup import compose
from bot.chat.message import Inlines, Message, Strong, Text, lines
from bot.i18n.words import Words

KEEP = "-"  # keeps the value shown, or leaves an optional field empty
CANCEL_WORDS = ("cancel", "stop", "annuler", "arrêter", "cancelar", "parar")  # besides the form's label
ANSWER_LIMIT = 4_000  # characters of one answer read at all (a field's own limit is usually lower)
IDLE = timedelta(minutes=30)  # an exchange unanswered this long is closed
MAX_OPEN = 10_000  # open exchanges at once; past it the longest idle is closed
SHOWN_OPTIONS = 100  # options listed for one field (as many as a Slack select offers)
COMMANDS = ("!webinar", "!ask")  # a command in the middle of a form is not an answer
SEPARATORS = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class Exchange:
    """One person's form in progress: the fields still to ask (`fields`, from `asked` on) and the
    answers so far, by field name."""

    form: Form
    person: str
    room: str
    fields: tuple[Field, ...]
    asked: int
    answers: Mapping[str, tuple[str, ...]]
    last: datetime  # when the person last answered (or the form was opened)

    @property
    def field(self) -> Field:
        return self.fields[self.asked]


@dataclass(frozen=True)
class Step:
    """What one move of an exchange comes to: `say` to the person; `exchange` the exchange from now on
    (None: it is over); `submitted` the answers, by field name, when the form is complete."""

    say: tuple[Message, ...]
    exchange: Exchange | None
    submitted: Mapping[str, tuple[str, ...]] | None = None


def begin(form: Form, person: str, room: str, now: datetime, w: Words) -> Step:
    """The form's title and intro and how to answer, with the first question; a form without fields
    is a read-only view, said once."""
    heading: Inlines = (Strong((Text(form.title),)),)
    intro = form.intro
    if not form.fields:
        if intro is None:
            return Step((Message(heading),), None)
        return Step((Message(lines(heading, intro.text), intro.context, (), intro.sections),), None)
    answers: dict[str, tuple[str, ...]] = {}
    asked: list[Field] = []
    for field in form.fields:
        if isinstance(field, Choice) and len(field.options) == 1 and not field.optional:
            answers[field.name] = (field.options[0].value,)  # nothing to choose: not asked
        else:
            asked.append(field)
    how = compose(
        w(
            "Answer each question in a message of your own. `{keep}` keeps what is shown or leaves an "
            "optional answer empty; `{cancel}` stops."
        ),
        keep=KEEP,
        cancel=w("cancel"),
    )
    exchange = Exchange(form, person, room, tuple(asked), 0, answers, now)
    if not asked:
        return Step((), None, answers)
    first = prompt(exchange, w)
    parts = [heading, intro.text if intro is not None else (), how, first.text]
    return Step((Message(lines(*parts)),), exchange)


def prompt(exchange: Exchange, w: Words) -> Message:
    """The question asked now: its number, label, options and what `-` does for it."""
    field = exchange.field
    number = Text(f"{exchange.asked + 1}/{len(exchange.fields)} · ")
    rows: list[Inlines] = [(Strong((number, Text(field.label))),)]
    if isinstance(field, Choice | Checkboxes):
        for n, option in enumerate(field.options[:SHOWN_OPTIONS], start=1):
            rows.append(_option_row(n, option))
    if isinstance(field, Choice):
        rows.append(compose(w("Answer with its number or its name.")))
        default = _choice_default(field)
        if default is not None:
            rows.append(compose(w("`{keep}` keeps: {value}"), keep=KEEP, value=default.label))
    elif isinstance(field, Checkboxes):
        rows.append(compose(w("Answer with the numbers you tick (`1, 3`), or `{keep}` for none."), keep=KEEP))
    elif field.initial:
        rows.append(compose(w("`{keep}` keeps: {value}"), keep=KEEP, value=field.initial[: field.max_length]))
    elif field.optional:
        rows.append(compose(w("Optional: `{keep}` leaves it empty."), keep=KEEP))
    elif field.placeholder:
        rows.append(compose(w("For example: {example}"), example=field.placeholder))
    return Message(lines(*rows))


def _option_row(n: int, option: Option) -> Inlines:
    described = f" ({option.description})" if option.description else ""
    return (Text(f"{n}. {option.label}{described}"),)


def _choice_default(field: Choice) -> Option | None:
    """What a modal would show selected: the initial option, else the first."""
    chosen = next((o for o in field.options if o.value == field.initial), None)
    return chosen or (field.options[0] if field.options else None)


def is_cancel(text: str, form: Form, w: Words) -> bool:
    """`cancel` in any of the bot's languages, or the form's own Cancel label."""
    wanted = text.strip().casefold()
    return wanted in CANCEL_WORDS or wanted in (form.cancel.strip().casefold(), w("cancel").casefold())


def answer(exchange: Exchange, text: str, now: datetime, w: Words) -> Step:
    """A person's message while the exchange waits for them."""
    if is_cancel(text, exchange.form, w):
        cancelled = compose(w("Cancelled: *{title}* was not sent."), title=exchange.form.title)
        return Step((Message(cancelled),), None)
    stripped = text.strip()
    waiting = replace(exchange, last=now)
    if stripped.lower().startswith(COMMANDS):
        note = compose(
            w(
                "You are filling in *{title}*: answer the question above, or `{cancel}` to stop it; "
                "commands work again afterwards."
            ),
            title=exchange.form.title,
            cancel=w("cancel"),
        )
        return Step((Message(note),), waiting)
    if len(stripped) > ANSWER_LIMIT:
        limit = exchange.field.max_length if isinstance(exchange.field, TextField) else ANSWER_LIMIT
        parsed: tuple[str, ...] | str = w("At most {limit} characters, please.").format(
            limit=w.number(min(limit, ANSWER_LIMIT))
        )
    else:
        parsed = read(exchange.field, stripped, w)
    if isinstance(parsed, str):
        again = prompt(waiting, w)
        return Step((Message(lines(compose(":warning: {problem}", problem=parsed), again.text)),), waiting)
    answers = {**exchange.answers, exchange.field.name: parsed}
    if exchange.asked + 1 < len(exchange.fields):
        following = replace(exchange, asked=exchange.asked + 1, answers=answers, last=now)
        return Step((prompt(following, w),), following)
    return Step((), None, answers)


def read(field: Field, text: str, w: Words) -> tuple[str, ...] | str:
    """One answer for one field: its values, or (a string) what is wrong with it, for the person."""
    keep = text == KEEP
    if isinstance(field, TextField):
        if keep:
            if field.initial:
                return (field.initial[: field.max_length],)
            if field.optional:
                return ("",)
            return w("This answer is needed.")
        value = text if field.multiline else " ".join(text.split())
        if len(value) > field.max_length:
            return w("At most {limit} characters, please.").format(limit=w.number(field.max_length))
        return (value,)
    options = field.options[:SHOWN_OPTIONS]
    if isinstance(field, Choice):
        if keep:
            default = _choice_default(field)
            if default is not None:
                return (default.value,)
            return () if field.optional else w("This answer is needed.")
        found = _option(options, text)
        if found is None:
            return w("Please answer with a number from 1 to {n}.").format(n=w.number(len(options)))
        return (found.value,)
    if keep:
        return () if field.optional else w("This answer is needed.")
    whole = _option(options, text)
    if whole is not None:
        return (whole.value,)
    ticked: list[Option] = []
    for token in SEPARATORS.split(text):
        if not token:
            continue
        found = _option(options, token)
        if found is None:
            return w("Please answer with numbers from 1 to {n}, or `{keep}` for none.").format(
                n=w.number(len(options)), keep=KEEP
            )
        ticked.append(found)
    return tuple(o.value for o in options if o in ticked)


def _option(options: tuple[Option, ...], text: str) -> Option | None:
    """An option by its number (`2`, `2.`) or by its label or value, ignoring case and spacing."""
    token = text.strip().rstrip(".)")
    if token.isdigit():
        number = int(token)
        return options[number - 1] if 1 <= number <= len(options) else None
    wanted = " ".join(text.split()).casefold()
    for option in options:
        if wanted in (" ".join(option.label.split()).casefold(), option.value.casefold()):
            return option
    return None


def reopen(exchange: Exchange, errors: Mapping[str, str], now: datetime, w: Words) -> Step:
    """The core found problems with the answers (by field name): say them, and ask those fields
    again, keeping every other answer. Problems with no field of their own are said, and it ends."""
    problems = [compose(":warning: {problem}", problem=text) for text in errors.values() if text]
    again = tuple(f for f in exchange.form.fields if f.name in errors)
    if not again:
        return Step((Message(lines(*problems)),), None) if problems else Step((), None)
    reopened = replace(exchange, fields=again, asked=0, last=now)
    return Step((Message(lines(*problems, prompt(reopened, w).text)),), reopened)


def expired_note(exchange: Exchange, w: Words) -> Message:
    return Message(
        compose(
            w("*{title}* was closed after {idle} without an answer; open it again to start over."),
            title=exchange.form.title,
            idle=w.duration(IDLE),
        )
    )


def replaced_note(exchange: Exchange, w: Words) -> Message:
    return Message(
        compose(
            w("*{title}* was not finished: it is closed, and the form below replaces it."),
            title=exchange.form.title,
        )
    )


class Exchanges:
    """Who is in the middle of which form: one exchange per person, each in one room; the adapter's
    threads (the sender's, the dispatcher's) share it, so it locks."""

    def __init__(self, idle: timedelta = IDLE, limit: int = MAX_OPEN) -> None:
        self.idle = idle
        self.limit = limit
        self._open: OrderedDict[str, Exchange] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, exchange: Exchange) -> Exchange | None:
        """Start (or go on with) an exchange; the person's unfinished one it replaces, if any."""
        with self._lock:
            before = self._open.pop(exchange.person, None)
            self._open[exchange.person] = exchange
            while len(self._open) > self.limit:
                self._open.popitem(last=False)
            return before if before is not None and before.form != exchange.form else None

    def replaces(self, person: str, now: datetime) -> Exchange | None:
        """The unfinished, unexpired exchange a new form for `person` would replace."""
        with self._lock:
            found = self._open.get(person)
        return found if found is not None and now - found.last < self.idle else None

    def waiting(self, person: str, room: str, now: datetime) -> tuple[Exchange | None, Exchange | None]:
        """(the exchange waiting for `person`'s message in `room`, one that expired meanwhile)."""
        with self._lock:
            found = self._open.get(person)
            if found is None or found.room != room:
                return None, None
            if now - found.last >= self.idle:
                del self._open[person]
                return None, found
            return found, None

    def moved(self, before: Exchange, after: Exchange | None) -> None:
        """`before` went on as `after` (None: it is over), unless a new form replaced it meanwhile."""
        with self._lock:
            if self._open.get(before.person) is not before:
                return
            if after is None:
                del self._open[before.person]
            else:
                self._open[before.person] = after
                self._open.move_to_end(before.person)

    def close(self, person: str) -> None:
        with self._lock:
            self._open.pop(person, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)
