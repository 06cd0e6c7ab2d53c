"""`webinar-bot check FILE`: every problem at once, then a summary. Exit 0 valid, 1 invalid, 2 unreadable.

Every kind of problem is shown, but at most the first 50 of each, then a count of the rest; the
summary counts them all.
"""

from __future__ import annotations

import argparse

from bot.agenda.problems import count
from bot.agenda.validate import summarize
from bot.commands.common import (
    EXIT_INVALID,
    EXIT_OK,
    add_database_argument,
    add_schedule_arguments,
    load_from_args,
    print_problems,
    speaker_answer_lines,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_schedule_arguments(parser)
    add_database_argument(parser)


def run(args: argparse.Namespace) -> int:
    result = load_from_args(args)
    print_problems(result.problems, omitted=result.omitted)
    errors, warnings = count(result.problems, result.omitted)
    if result.agenda is not None:
        for line in summarize(result.agenda).lines(result.agenda):
            print(line)
        for line in speaker_answer_lines(result.agenda, args.db):
            print(line)
    verdict = "invalid" if errors or result.agenda is None else "valid"
    counts = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    print(f"{args.file}: {verdict}: {counts}")
    return EXIT_INVALID if verdict == "invalid" else EXIT_OK
