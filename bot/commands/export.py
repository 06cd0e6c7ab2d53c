"""`webinar-bot ics FILE -o OUT [--items]`: a calendar file for participants."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.clock import SystemClock
from bot.commands.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNREADABLE,
    add_schedule_arguments,
    load_from_args,
    require_valid,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_schedule_arguments(parser)
    parser.add_argument(
        "-o", "--output", required=True, metavar="OUT", help="where to write the .ics (- for standard output)"
    )
    parser.add_argument("--items", action="store_true", help="also one event per agenda item")


def run(args: argparse.Namespace) -> int:
    from bot.agenda.ics_export import export_ics

    agenda = require_valid(load_from_args(args))
    if agenda is None:
        return EXIT_INVALID
    data = export_ics(agenda, SystemClock().now(), items=args.items)
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return EXIT_OK
    try:
        Path(args.output).write_bytes(data)
    except OSError as exc:
        print(f"webinar-bot: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK
