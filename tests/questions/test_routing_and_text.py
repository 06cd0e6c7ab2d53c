"""Routing rules and the literal, safe display of a participant's text (pure functions)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.agenda.load import load_schedule
from bot.agenda.model import Agenda
from bot.questions.desk import same_reaction
from bot.questions.model import GENERAL
from bot.questions.routing import route
from bot.questions.text import COPY_LIMIT, CUT_NOTE, cut, one_line
from bot.timeline.adjustments import Adjustments
from bot.timeline.units import place_units

Write = Callable[..., Path]
BODY = """
agenda:
  - {time: "14:00-14:10", title: Welcome}
  - time: "14:10-14:50"
    title: Block
    sessions:
      - {title: One, slots: [{speaker: ana, minutes: 10}]}
      - {title: Two, time: "14:30", slots: [{speaker: ben, minutes: 10}]}
  - {time: "14:50-15:00", title: Closing}
"""


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2018, 10, 23, hour - 2, minute, second, tzinfo=UTC)


@pytest.fixture
def agenda(write_schedule: Write) -> Agenda:
    result = load_schedule(write_schedule(BODY))
    assert result.agenda is not None
    return result.agenda


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (at(14, 5), GENERAL),
        (at(14, 10), "block/one"),
        (at(14, 19, 59), "block/one"),
        (at(14, 25), "block/two"),  # the gap between sessions: the next one
        (at(14, 39, 59), "block/two"),
        (at(14, 40), GENERAL),  # after the last session
    ],
)
def test_routing_follows_the_rules(agenda: Agenda, when: datetime, expected: str) -> None:
    assert route(agenda, place_units(agenda, Adjustments()), when) == expected


def test_routing_follows_the_live_plan(agenda: Agenda) -> None:
    delayed = place_units(agenda, Adjustments().with_delay(at(14, 0), timedelta(minutes=15)))
    assert route(agenda, delayed, at(14, 20)) == GENERAL  # session one now starts at 14:25
    assert route(agenda, delayed, at(14, 30)) == "block/one"


def test_a_huge_question_is_cut_for_a_chat_message_and_says_so() -> None:
    text = cut("A" * 40_001)
    assert len(text) <= COPY_LIMIT + len(CUT_NOTE) and text.endswith(CUT_NOTE)


def test_a_digest_line_is_one_line() -> None:
    assert one_line("How do\n\nunions   reach them?") == "How do unions reach them?"


@pytest.mark.parametrize(
    ("slack_text", "person_typed"),
    [
        ("&lt;!channel&gt; hi", "<!channel> hi"),
        ("1 &amp;lt; 2", "1 &lt; 2"),  # what the person typed was "1 &lt; 2"
    ],
)
def test_slacks_encoding_is_undone_on_the_way_in(slack_text: str, person_typed: str) -> None:
    from bot.slack.listeners import decoded

    assert decoded(slack_text) == person_typed


@pytest.mark.parametrize(
    ("reaction", "base"),
    [("+1", "+1"), ("+1::skin-tone-5", "+1"), ("thumbsup", "+1"), ("heart", "heart")],
)
def test_slack_reactions_arrive_by_their_base_name(reaction: str, base: str) -> None:
    from bot.slack.listeners import base_reaction

    assert base_reaction(reaction) == base


@pytest.mark.parametrize(
    ("reaction", "wanted", "counts"),
    [
        ("+1", "+1", True),
        ("thumbsup", "+1", True),
        ("heart", "+1", False),
        ("raised_hands", "raised_hands", True),
    ],
)
def test_vote_reactions(reaction: str, wanted: str, counts: bool) -> None:
    assert same_reaction(reaction, wanted) is counts
