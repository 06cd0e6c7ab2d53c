"""`webinar-bot rehearse FILE [--speed N] [--transcript out.jsonl] [--script FILE] [--crowd K]`: the whole
webinar, against the local Slack stand-in, faster; the chat as it happens, then a summary. With
`--platform matrix`, on a Synapse of its own (if matrix-synapse is installed): the same chat, crowd,
script, registrants and summary."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot.commands.common import EXIT_INVALID, EXIT_OK, add_schedule_arguments

if TYPE_CHECKING:
    from bot.rehearsal.crowd import Tally
    from bot.rehearsal.run import RehearsalOptions
    from bot.rehearsal.summary import Summary


class Rehearsed(Protocol):
    """What any platform's rehearsal hands back for its summary."""

    @property
    def summary(self) -> Summary: ...

    @property
    def crowd(self) -> Tally | None: ...


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_schedule_arguments(parser)
    parser.add_argument(
        "--speed", type=float, default=60.0, help="how many times faster than real time (default 60)"
    )
    parser.add_argument(
        "--transcript",
        type=Path,
        metavar="FILE.jsonl",
        help="write every Slack call and event (on Matrix: every event of the bot's rooms) as JSON lines",
    )
    parser.add_argument(
        "--script",
        type=Path,
        metavar="FILE",
        help="moderator actions to play at agenda times (YAML or lines)",
    )
    parser.add_argument(
        "--crowd",
        type=int,
        default=0,
        metavar="K",
        help="K simulated participants who ask, reply and vote (default: none)",
    )
    parser.add_argument(
        "--registrants",
        type=Path,
        metavar="FILE.csv",
        help="rehearse with the organisers' list of registrants (on Slack, matched to the stand-in's users"
        " by e-mail; on Matrix, each given an account of their own on the rehearsal's Synapse)",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    parser.add_argument(
        "--platform",
        choices=("slack", "matrix"),
        default="slack",
        help="rehearse on the Slack stand-in (default) or on a Synapse of its own",
    )


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: `webinar-bot check` should not pay for the runtime's imports.
    from bot.launch import BotError, tune_interpreter
    from bot.rehearsal.run import RehearsalOptions, rehearse

    if args.speed <= 0 or args.speed > 10_000:
        print("webinar-bot: --speed must be between 0 and 10000", file=sys.stderr)
        return EXIT_INVALID
    transcript = args.transcript
    options = RehearsalOptions(
        schedule=args.file,
        speed=args.speed,
        transcript=transcript,
        script=args.script,
        defaults=args.defaults,
        templates=args.templates,
        quiet=args.quiet,
        width=shutil.get_terminal_size((120, 24)).columns,
        crowd=max(args.crowd, 0),
        registrants=getattr(args, "registrants", None),
    )
    tune_interpreter()
    if getattr(args, "platform", "slack") == "matrix":
        return _on_matrix(args, options)
    try:
        result = rehearse(options, sys.stdout)
    except BotError as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return EXIT_INVALID
    return _summary(result, args.speed, transcript)


def _summary(result: Rehearsed, speed: float, transcript: Path | None) -> int:
    """The same summary on every platform: the cues, then the crowd's account; exit 1 if anything is
    missing, duplicated, lost or misfiled."""
    print("\nRehearsal summary")
    for line in result.summary.lines(speed):
        print(f"  {line}")
    clean = result.summary.clean
    if result.crowd is not None:
        for line in result.crowd.lines():
            print(f"  {line}")
        clean = clean and result.crowd.lost == 0 and not result.crowd.misfiled
    if transcript:
        print(f"  transcript: {transcript}")
    return EXIT_OK if clean else EXIT_INVALID


def _on_matrix(args: argparse.Namespace, options: RehearsalOptions) -> int:
    """The Matrix rehearsal: the same chat, crowd, script, transcript, registrants and summary, on a
    Synapse of its own."""
    from bot.config import load_settings
    from bot.launch import BotError

    try:
        from bot.rehearsal.on_matrix import rehearse_on_matrix
    except ImportError:
        print(
            "webinar-bot: a Matrix rehearsal needs matrix-nio and matrix-synapse installed", file=sys.stderr
        )
        return EXIT_INVALID
    try:
        result = rehearse_on_matrix(
            options, load_settings(dotenv=getattr(args, "env", Path(".env"))), sys.stdout
        )
    except BotError as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return EXIT_INVALID
    return _summary(result, args.speed, options.transcript)
