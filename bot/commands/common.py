"""What several subcommands share: loading a schedule from the command line, printing problems."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import date
from pathlib import Path
from types import FrameType
from typing import TextIO

from bot.agenda.load import load_schedule
from bot.agenda.model import Agenda
from bot.agenda.problems import Omitted, Problem, Severity, capped, count
from bot.agenda.yaml_loader import LoadResult
from bot.messages.render import Renderer, default_templates_dir

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_UNREADABLE = 2
PROBLEMS_PER_KIND = 50  # the first 50 of each kind are shown; a count stands for the rest


def add_schedule_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", type=Path, help="schedule: a YAML file (schedules/*.yaml) or an iCalendar .ics"
    )
    parser.add_argument(
        "--defaults",
        type=Path,
        metavar="FILE",
        help="YAML with the same top-level keys, filling what the file lacks (channels, "
        "speakers' Slack ids: what an .ics cannot carry)",
    )
    parser.add_argument(
        "--date",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="for an .ics: the day to take events from (default: the first day with timed events)",
    )
    parser.add_argument(
        "--templates",
        type=Path,
        metavar="DIR",
        default=None,
        help=f"message templates (default: {default_templates_dir()})",
    )


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a date like 2018-10-23, got {text!r}") from exc


def renderer_for(args: argparse.Namespace, language: str = "en") -> Renderer:
    return Renderer(args.templates, language=language)


def load_from_args(args: argparse.Namespace) -> LoadResult:
    """Load and validate; raises ScheduleUnreadable (exit 2) when the file cannot be read."""
    templates = Renderer(args.templates).names()
    return load_schedule(args.file, args.defaults, args.date, templates=templates)


def print_problems(
    problems: list[Problem],
    out: TextIO | None = None,
    warnings: bool = True,
    per_kind: int = PROBLEMS_PER_KIND,
    omitted: tuple[Omitted, ...] = (),
) -> None:
    """Print problems in order, at most `per_kind` of each kind, each kind's count of the rest after it.

    `omitted` are the problems the loader counted without keeping (LoadResult.omitted).
    """
    out = out or sys.stderr
    if not warnings:
        problems = [p for p in problems if p.is_error]
        omitted = tuple(o for o in omitted if o.severity is Severity.ERROR)
    for line in capped(problems, per_kind, omitted):
        print(line, file=out)


def require_valid(result: LoadResult) -> Agenda | None:
    """The agenda when it has no errors; otherwise print the errors and return None."""
    errors, warnings = count(result.problems, result.omitted)
    if result.agenda is None or errors:
        print_problems(result.problems, warnings=False, omitted=result.omitted)
        print(
            f"webinar-bot: {errors} error(s) in the schedule; run `webinar-bot check` for details",
            file=sys.stderr,
        )
        return None
    if warnings:
        print(f"webinar-bot: {warnings} warning(s); `webinar-bot check` lists them", file=sys.stderr)
    return result.agenda


def add_database_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="URL", help="the bot's database: also show what speakers answered in chat"
    )


def speaker_answer_lines(agenda: Agenda, url: str | None) -> list[str]:
    """What each speaker "to be confirmed" answered in chat, from the bot's database (`--db`)."""
    unconfirmed = {key: s for key, s in agenda.speakers.items() if not s.confirmed}
    if not unconfirmed:
        return []
    answers = {}
    if url:
        from bot.runtime.schedule import webinar_key
        from bot.store.db import StoreUnavailable, create_schema, make_engine
        from bot.store.people import SpeakerAnswers

        try:
            engine = make_engine(url)
            create_schema(engine)
            answers = SpeakerAnswers(engine, webinar_key(agenda)).all()
            engine.dispose()
        except StoreUnavailable as exc:
            return [f"speakers' answers: {exc}"]
    lines = []
    for key, speaker in unconfirmed.items():
        answer = answers.get(key)
        if answer is not None and answer.answer and answer.answered_at is not None:
            day = answer.answered_at.astimezone(agenda.tz)
            lines.append(f"  {speaker.name}: {answer.answer} in chat on {day.day} {day:%b}")
        else:
            lines.append(f"  {speaker.name}: to be confirmed")
    return ["speakers to be confirmed:", *lines]


def until_signalled() -> threading.Event:
    """An event set by SIGTERM or Ctrl-C: a long-running command waits on it, then stops cleanly."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop
