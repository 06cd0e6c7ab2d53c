"""A form as a short exchange in the direct room: one field at a time, retries, cancel, bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.chat.form import Checkboxes, Choice, Form, Option, TextField
from bot.chat.message import Message, Text
from bot.i18n.catalogs import Catalogs
from bot.matrix.exchange import (
    IDLE,
    Exchange,
    Exchanges,
    Step,
    answer,
    begin,
    reopen,
)

NOW = datetime(2018, 10, 16, 9, 0, tzinfo=UTC)
ANA, ROOM = "@ana:example.org", "!dm:example.org"
W = Catalogs().words("en")
FORM = Form(
    "register",
    "Register",
    (
        TextField("name", "Name", max_length=20),
        TextField("phone", "Telephone (optional)", optional=True),
        Choice(
            "mode", "How will you take part?", (Option("Online", "online"), Option("In person", "in_person"))
        ),
        TextField("timezone", "My time zone", "Europe/Zurich"),
        Checkboxes("anonymous", "Anonymity", (Option("Ask anonymously", "yes"),)),
    ),
    cancel="Annuler",
    state={"webinar": "sp"},
)


def said(step: Step) -> str:
    return "\n".join(message.plain for message in step.say)


def started(form: Form = FORM) -> Exchange:
    step = begin(form, ANA, ROOM, NOW, W)
    assert step.exchange is not None
    return step.exchange


def answered(exchange: Exchange, *texts: str) -> Step:
    step = Step((), exchange)
    for text in texts:
        assert step.exchange is not None, f"the exchange ended before {text!r}"
        step = answer(step.exchange, text, NOW, W)
    return step


def test_it_opens_with_the_title_how_to_answer_and_the_first_question() -> None:
    step = begin(FORM, ANA, ROOM, NOW, W)
    assert len(step.say) == 1
    text = said(step)
    assert text.startswith("Register\n")
    assert "`cancel` stops" not in text and "cancel stops" in text  # the markup is markup
    assert "1/5 · Name" in text
    assert step.exchange is not None and step.exchange.field.name == "name"


def test_each_answer_brings_the_next_question_and_the_last_hands_every_answer_in_by_name() -> None:
    step = answered(started(), "Ana Duarte", "-", "2", "-", "1")
    assert step.exchange is None and step.say == ()
    assert step.submitted == {
        "name": ("Ana Duarte",),
        "phone": ("",),  # optional, skipped
        "mode": ("in_person",),
        "timezone": ("Europe/Zurich",),  # `-` keeps what is shown
        "anonymous": ("yes",),
    }


def test_the_next_question_lists_a_choices_options_by_number() -> None:
    step = answered(started(), "Ana", "-")
    assert "3/5 · How will you take part?\n1. Online\n2. In person" in said(step)


def test_a_choice_is_answered_by_its_name_too_whatever_the_case_and_spacing() -> None:
    step = answered(started(), "Ana", "-", "  in   PERSON ")
    assert step.exchange is not None and step.exchange.answers["mode"] == ("in_person",)


def test_a_wrong_answer_gets_a_polite_note_and_the_same_question_again() -> None:
    before = answered(started(), "Ana", "-").exchange
    assert before is not None
    step = answer(before, "7", NOW, W)
    assert "Please answer with a number from 1 to 2." in said(step)
    assert "3/5 · How will you take part?" in said(step)
    assert step.exchange is not None and step.exchange.field.name == "mode" and step.submitted is None


def test_a_needed_answer_cannot_be_skipped_and_a_long_one_is_refused() -> None:
    exchange = started()
    skipped = answer(exchange, "-", NOW, W)
    assert "This answer is needed." in said(skipped)
    too_long = answer(exchange, "x" * 21, NOW, W)
    assert "At most 20 characters, please." in said(too_long)
    assert too_long.exchange is not None and too_long.exchange.field.name == "name"
    huge = answer(exchange, "x" * 100_000, NOW, W)
    assert "At most 20 characters, please." in said(huge)


def test_a_one_line_answer_keeps_no_line_breaks_and_checkboxes_take_several_numbers() -> None:
    step = answered(started(), "Ana\n  Duarte")
    assert step.exchange is not None and step.exchange.answers["name"] == ("Ana Duarte",)
    boxes = Form("f", "F", (Checkboxes("c", "Tick", (Option("A", "a"), Option("B", "b"), Option("C", "c"))),))
    ticked = answered(started(boxes), "3, 1")
    assert ticked.submitted == {"c": ("a", "c")}
    wrong = answered(started(boxes), "1, 9")
    assert "Please answer with numbers from 1 to 3, or `-` for none." in said(wrong)


def test_cancel_or_the_forms_own_cancel_label_stops_it_and_nothing_is_handed_in() -> None:
    for word in ("cancel", " CANCEL ", "Annuler"):
        step = answered(started(), "Ana", word)
        assert step.exchange is None and step.submitted is None
        assert "Cancelled: Register was not sent." in said(step)


def test_a_command_in_the_middle_of_a_form_is_not_taken_as_an_answer() -> None:
    step = answered(started(), "!webinar status")
    assert "You are filling in Register" in said(step)
    assert (
        step.exchange is not None
        and step.exchange.field.name == "name"
        and "name" not in step.exchange.answers
    )


def test_a_form_without_fields_is_a_view_said_once() -> None:
    view = Form("questions_all", "All questions", intro=Message((Text("1. Who pays?"),)))
    step = begin(view, ANA, ROOM, NOW, W)
    assert step.exchange is None and step.submitted is None
    assert said(step) == "All questions\n1. Who pays?"


def test_a_choice_with_one_option_is_not_asked() -> None:
    form = Form("f", "F", (Choice("mode", "Mode", (Option("Online", "online"),)), TextField("name", "Name")))
    exchange = started(form)
    assert exchange.field.name == "name" and len(exchange.fields) == 1
    assert answered(exchange, "Ana").submitted == {"mode": ("online",), "name": ("Ana",)}


def test_problems_the_core_finds_are_said_and_only_those_fields_asked_again() -> None:
    done = answered(started(), "Ana", "-", "1", "Mars/Olympus", "-")
    assert done.submitted is not None
    complete = Exchange(FORM, ANA, ROOM, FORM.fields, 4, done.submitted, NOW)
    again = reopen(complete, {"timezone": "Please give a time zone such as Europe/Zurich."}, NOW, W)
    assert "Please give a time zone such as Europe/Zurich." in said(again)
    assert "1/1 · My time zone" in said(again)
    fixed = answered(again.exchange or complete, "Africa/Nairobi")
    assert fixed.submitted is not None
    assert fixed.submitted["timezone"] == ("Africa/Nairobi",) and fixed.submitted["name"] == ("Ana",)


def test_a_problem_with_no_field_of_its_own_is_said_and_the_exchange_ends() -> None:
    complete = Exchange(FORM, ANA, ROOM, FORM.fields, 4, {}, NOW)
    step = reopen(complete, {"elsewhere": "Registration has closed meanwhile."}, NOW, W)
    assert step.exchange is None and "Registration has closed meanwhile." in said(step)


def test_it_speaks_the_forms_language() -> None:
    french = Catalogs().words("fr")
    step = begin(FORM, ANA, ROOM, NOW, french)
    assert "Answer each question" not in said(step) and "annuler" in said(step)
    assert answer(step.exchange or started(), "annuler", NOW, french).exchange is None


def test_one_exchange_per_person_a_new_form_replaces_an_unfinished_one() -> None:
    exchanges = Exchanges()
    first = started()
    assert exchanges.put(first) is None
    other = Form("connection_help", "Connection help", (TextField("missing", "What is missing?"),))
    assert exchanges.replaces(ANA, NOW) == first
    assert exchanges.put(started(other)) == first
    assert len(exchanges) == 1
    waiting, expired = exchanges.waiting(ANA, ROOM, NOW)
    assert waiting is not None and waiting.form == other and expired is None
    assert exchanges.waiting(ANA, "!elsewhere:example.org", NOW) == (None, None)  # other rooms: not answers


def test_an_exchange_left_unanswered_is_closed_and_the_person_told_once() -> None:
    exchanges = Exchanges()
    exchanges.put(started())
    waiting, expired = exchanges.waiting(ANA, ROOM, NOW + IDLE)
    assert waiting is None and expired is not None
    assert exchanges.waiting(ANA, ROOM, NOW + IDLE) == (None, None)


def test_open_exchanges_are_bounded_the_longest_waiting_closed_first() -> None:
    exchanges = Exchanges(limit=3)
    for n in range(5):
        exchanges.put(
            Exchange(FORM, f"@p{n}:example.org", ROOM, FORM.fields, 0, {}, NOW + timedelta(seconds=n))
        )
    assert len(exchanges) == 3
    assert exchanges.waiting("@p0:example.org", ROOM, NOW) == (None, None)
    assert exchanges.waiting("@p4:example.org", ROOM, NOW)[0] is not None


def test_an_answer_handled_while_a_new_form_opened_does_not_bring_the_old_one_back() -> None:
    exchanges = Exchanges()
    first = started()
    exchanges.put(first)
    newer = started(Form("connection_help", "Connection help", (TextField("missing", "What is missing?"),)))
    exchanges.put(newer)
    exchanges.moved(first, answer(first, "Ana", NOW, W).exchange)
    assert exchanges.waiting(ANA, ROOM, NOW)[0] is newer
    exchanges.moved(newer, None)
    assert len(exchanges) == 0
