"""The bot's light markup: what a template or reply writes is markup; what a value holds never is."""

from hypothesis import given
from hypothesis import strategies as st

from bot.chat.markup import OPEN, compose, parse
from bot.chat.message import Code, Emoji, Emphasis, Mention, Strong, Text, plain


def test_markup_makes_strong_emphasis_code_and_emoji() -> None:
    assert compose(":wave: *Live* _now_ `/webinar next`") == (
        Emoji("wave"),
        Text(" "),
        Strong((Text("Live"),)),
        Text(" "),
        Emphasis((Text("now"),)),
        Text(" "),
        Code("/webinar next"),
    )


def test_markers_inside_words_and_unpaired_markers_stay_characters() -> None:
    assert compose("item_start and 2*3 and a * b") == (Text("item_start and 2*3 and a * b"),)
    assert compose("*open but never closed") == (Text("*open but never closed"),)


def test_values_are_literal_whatever_they_contain() -> None:
    runs = compose("*{title}* from {who}", title="*x* _y_ `z` :wave: <!channel>", who=Mention("Ana", "U1"))
    assert runs == (Strong((Text("*x* _y_ `z` :wave: <!channel>"),)), Text(" from "), Mention("Ana", "U1"))


def test_a_value_cannot_forge_a_token() -> None:
    runs = compose("{a}{b}", a=f"{OPEN}1\ue001", b=Mention("Ana", "U1"))
    assert runs[0] == Text("1")  # the delimiters are dropped from the value's characters
    assert runs[1] == Mention("Ana", "U1")


def test_blank_lines_are_tidied() -> None:
    assert parse("\n\n one\n\n\n\ntwo \n") == (Text("one\n\ntwo"),)


@given(st.text(max_size=200))
def test_any_value_comes_out_as_exactly_its_characters(value: str) -> None:
    expected = value.replace(OPEN, "").replace("\ue001", "")
    assert plain(compose("{v}", v=value)) == expected
