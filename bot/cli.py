"""`webinar-bot`: the command line. A thin dispatcher; each subcommand lives in bot.commands."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from bot import __version__
from bot.agenda.problems import ScheduleUnreadable
from bot.commands.common import EXIT_UNREADABLE

COMMANDS = {
    "check": ("bot.commands.check", "check a schedule: every problem at once, then a summary"),
    "plan": ("bot.commands.plan", "print the timeline: every cue the bot will post, when, to whom"),
    "ics": ("bot.commands.export", "export an iCalendar file for participants"),
    "run": (
        "bot.commands.run",
        "run the bot in Slack (without credentials: a rehearsal against the stand-in)",
    ),
    "serve": (
        "bot.commands.serve",
        "run every webinar of a folder; several processes on one PostgreSQL take over from each other",
    ),
    "status": (
        "bot.commands.status",
        "every webinar in the database: where it stands, next cue, who runs it",
    ),
    "rehearse": (
        "bot.commands.rehearse",
        "rehearse the whole webinar against the local Slack stand-in, faster",
    ),
    "report": ("bot.commands.report", "write the questions report (Markdown, CSV or JSON) from the database"),
    "registrants": ("bot.commands.registrants", "import the list of registrants, or export attendance"),
    "localslack": ("bot.localslack.cli", "run the local Slack stand-in (Web API, Events API, Socket Mode)"),
}
EXIT_BUG = 70


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="webinar-bot",
        description="A Slack bot that runs live webinars: agenda, reminders, speaker cues, questions.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        command = sub.add_parser(name, help=help_text, description=(module.__doc__ or help_text).strip())
        module.add_arguments(command)
        command.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._module.run(args))
    except ScheduleUnreadable as exc:
        print(f"{exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: say so briefly; the traceback only on request
        if os.environ.get("WEBINAR_BOT_DEBUG"):
            traceback.print_exc()
        print(
            f"webinar-bot: unexpected error: {exc.__class__.__name__}: {exc} "
            "(set WEBINAR_BOT_DEBUG=1 for details, and please report it)",
            file=sys.stderr,
        )
        return EXIT_BUG


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
