"""`webinar-bot run FILE [--http PORT] [--platform slack|matrix]`: run the webinar in Slack or Matrix.

Socket Mode by default (SLACK_BOT_TOKEN and SLACK_APP_TOKEN, from the environment or `.env`); with
`--http PORT` the Events API (SLACK_SIGNING_SECRET). SLACK_API_URL points it at another Slack, such as
`webinar-bot localslack`. Without Slack credentials, it rehearses against the local stand-in instead.
With `--platform matrix`: MATRIX_HOMESERVER, MATRIX_USER_ID and MATRIX_ACCESS_TOKEN (or MATRIX_PASSWORD).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import SystemClock
from bot.commands.common import EXIT_INVALID, EXIT_OK, add_schedule_arguments, until_signalled
from bot.config import Settings, load_settings

if TYPE_CHECKING:
    from bot.launch import RunningBot


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_schedule_arguments(parser)
    parser.add_argument(
        "--http", type=int, metavar="PORT", help="serve the Events API on PORT instead of Socket Mode"
    )
    parser.add_argument(
        "--platform", choices=("slack", "matrix"), default="slack", help="the chat platform (default slack)"
    )
    parser.add_argument(
        "--env", type=Path, default=Path(".env"), metavar="FILE", help="settings file (default .env)"
    )
    parser.add_argument("--speed", type=float, default=60.0, help="for a rehearsal (no credentials): speed")
    parser.add_argument("--transcript", type=Path, metavar="FILE.jsonl", help="for a rehearsal: transcript")
    parser.add_argument("--script", type=Path, metavar="FILE", help="for a rehearsal: moderator script")
    parser.add_argument(
        "--crowd", type=int, default=0, metavar="K", help="for a rehearsal: simulated participants"
    )
    parser.add_argument(
        "--registrants", type=Path, metavar="FILE.csv", help="for a rehearsal: the list of registrants"
    )
    parser.add_argument("--quiet", action="store_true", help="for a rehearsal: print only the summary")


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: `webinar-bot check` should not pay for the runtime's imports.
    from bot.commands import rehearse as rehearse_command
    from bot.launch import LaunchOptions, launch

    settings = load_settings(dotenv=args.env)
    if getattr(args, "platform", "slack") == "matrix":
        return run_on_matrix(args, settings)
    if not settings.has_slack_credentials:
        print(
            "No Slack credentials (SLACK_BOT_TOKEN): rehearsing against the local Slack stand-in instead.\n"
            "See README: 'Running it in your Slack workspace'.\n",
            flush=True,
        )
        return rehearse_command.run(args)
    if args.http is None and not settings.app_token:
        print(
            "webinar-bot: Socket Mode needs SLACK_APP_TOKEN (an xapp- token); or use --http PORT "
            "with SLACK_SIGNING_SECRET",
            file=sys.stderr,
        )
        return EXIT_INVALID
    if args.http is not None and not settings.signing_secret:
        print("webinar-bot: --http needs SLACK_SIGNING_SECRET to verify Slack's requests", file=sys.stderr)
        return EXIT_INVALID
    _logging()
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)
    clock = SystemClock()
    options = LaunchOptions(args.file, args.defaults, args.templates, http_port=args.http)
    return _serve(args, settings, lambda: launch(options, settings, clock), clock)


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def _serve(
    args: argparse.Namespace, settings: Settings, start: Callable[[], RunningBot], clock: SystemClock
) -> int:
    """Start the bot and keep it running until SIGTERM or Ctrl-C."""
    from bot.launch import BotError, tune_interpreter
    from bot.store.db import StoreUnavailable

    stop = until_signalled()
    tune_interpreter()
    try:
        bot = start()
    except (BotError, StoreUnavailable) as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return EXIT_INVALID
    logging.getLogger("webinar-bot").info("running %s (%s); Ctrl-C stops", args.file, settings.describe())
    try:
        stop.wait()
    finally:
        bot.stop()
        clock.close()
    return EXIT_OK


def run_on_matrix(args: argparse.Namespace, settings: Settings) -> int:
    """`--platform matrix`: the same webinar through the Matrix adapter."""
    from bot.launch import LaunchOptions, chat_platform, launch

    clock = SystemClock()
    try:
        platform = chat_platform("matrix", settings, clock)
    except ImportError:
        print("webinar-bot: Matrix needs matrix-nio (pip install matrix-nio)", file=sys.stderr)
        return EXIT_INVALID
    except ValueError as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return EXIT_INVALID
    _logging()
    logging.getLogger("nio").setLevel(logging.WARNING)
    options = LaunchOptions(args.file, args.defaults, args.templates)
    return _serve(args, settings, lambda: launch(options, settings, clock, platform, "matrix"), clock)
