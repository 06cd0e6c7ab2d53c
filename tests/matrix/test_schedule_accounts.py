"""A speaker's Matrix id in the schedule (`matrix: "@astor:example.org"`), read and checked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.agenda.yaml_loader import load_yaml

Write = Callable[..., Path]


def schedule(write: Write, speaker: str) -> Path:
    return write(
        f"""
        title: T
        timezone: Europe/Zurich
        date: 2018-10-23
        channels:
          announcements: "#webinar:example.org"
          questions: webinar-questions
          backstage: "!b:example.org"
        speakers:
          ana: {speaker}
        agenda:
          - {{time: "14:00-14:10", title: Only, speakers: [ana]}}
        """,
        header=False,
    )


def test_a_speakers_matrix_id_is_their_account_on_matrix(write_schedule: Write) -> None:
    result = load_yaml(schedule(write_schedule, '{name: Ana, matrix: "@ana:example.org"}'))
    assert result.ok, result.problems
    assert result.agenda is not None
    ana = result.agenda.speakers["ana"]
    assert ana.account("matrix") == "@ana:example.org" and ana.account("slack") is None and ana.reachable


def test_a_matrix_id_that_is_not_one_is_an_error_on_its_line(write_schedule: Write) -> None:
    result = load_yaml(schedule(write_schedule, '{name: Ana, matrix: "ana@example.org"}'))
    errors = [p for p in result.problems if p.is_error]
    assert any("is not a Matrix user id" in p.message and p.line == 10 for p in errors), errors
