"""`webinar-bot serve DIR [--http PORT] [--platform slack|matrix]`: run every webinar whose schedule is
in DIR.

Each YAML or .ics file in DIR is one webinar (`defaults.yaml` in DIR fills what each lacks), with its
own plan, outbox, live state, questions and registrants in the one database (DATABASE_URL). Adding a
file starts its webinar, editing it re-plans it, removing it stops it. Several `serve` processes on
one PostgreSQL database are one deployment: each webinar's cues run on one of them at a time, and
another takes over within seconds when one dies. Needs Slack credentials, as `run` does; with
`--platform matrix`, the MATRIX_* settings instead: one Matrix account (one sync loop) serves every
webinar of the folder.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import SystemClock
from bot.commands.common import EXIT_INVALID, EXIT_OK, until_signalled
from bot.config import Settings, load_install_settings, load_settings

if TYPE_CHECKING:
    from bot.launch import RunningFleet


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", type=Path, metavar="DIR", help="the folder of schedules")
    parser.add_argument(
        "--http", type=int, metavar="PORT", help="serve the Events API on PORT instead of Socket Mode"
    )
    parser.add_argument("--templates", type=Path, metavar="DIR", help="message templates (default: built in)")
    parser.add_argument(
        "--platform", choices=("slack", "matrix"), default="slack", help="the chat platform (default slack)"
    )
    parser.add_argument(
        "--env", type=Path, default=Path(".env"), metavar="FILE", help="settings file (default .env)"
    )


def run(args: argparse.Namespace) -> int:
    settings = load_settings(dotenv=args.env)
    if getattr(args, "platform", "slack") == "matrix":
        return run_on_matrix(args, settings)
    install = load_install_settings(dotenv=args.env)
    if not settings.has_slack_credentials and not install.enabled:
        print(
            "webinar-bot: serve needs Slack credentials: SLACK_BOT_TOKEN for one workspace, or "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to be installed in several (OAuth, with --http); "
            "`webinar-bot localslack` gives you a local Slack to try it on",
            file=sys.stderr,
        )
        return EXIT_INVALID
    if install.enabled and not settings.has_slack_credentials and args.http is None:
        print("webinar-bot: installing in several workspaces (OAuth) needs --http PORT", file=sys.stderr)
        return EXIT_INVALID
    if args.http is None and not settings.app_token:
        print("webinar-bot: Socket Mode needs SLACK_APP_TOKEN; or use --http PORT", file=sys.stderr)
        return EXIT_INVALID
    if args.http is not None and not settings.signing_secret:
        print("webinar-bot: --http needs SLACK_SIGNING_SECRET to verify Slack's requests", file=sys.stderr)
        return EXIT_INVALID
    mode = (
        install.describe() if install.enabled and not settings.has_slack_credentials else settings.describe()
    )
    clock = SystemClock()

    def start() -> RunningFleet:
        from bot.launch import ServeOptions, launch_fleet

        return launch_fleet(
            ServeOptions(args.folder, args.templates, http_port=args.http), settings, clock, install
        )

    return _serve(args, start, clock, mode)


def run_on_matrix(args: argparse.Namespace, settings: Settings) -> int:
    """`--platform matrix`: every webinar of the folder through one Matrix adapter."""
    from bot.launch import ServeOptions, chat_platform, launch_fleet

    if args.http is not None:
        print("webinar-bot: --http is for Slack's Events API; Matrix needs no port", file=sys.stderr)
        return EXIT_INVALID
    clock = SystemClock()
    try:
        platform = chat_platform("matrix", settings, clock)
    except ImportError:
        print("webinar-bot: Matrix needs matrix-nio (pip install matrix-nio)", file=sys.stderr)
        return EXIT_INVALID
    except ValueError as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return EXIT_INVALID

    def start() -> RunningFleet:
        options = ServeOptions(args.folder, args.templates)
        return launch_fleet(options, settings, clock, platform=platform, platform_key="matrix")

    return _serve(args, start, clock, settings.describe())


def _serve(args: argparse.Namespace, start: Callable[[], RunningFleet], clock: SystemClock, mode: str) -> int:
    """Start the fleet, say what each file became, and keep serving until SIGTERM or Ctrl-C."""
    from bot.launch import BotError, tune_interpreter
    from bot.store.db import StoreUnavailable

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("slack_sdk", "slack_bolt", "apscheduler", "nio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    stop = until_signalled()
    tune_interpreter()
    try:
        running = start()
    except (BotError, StoreUnavailable) as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return EXIT_INVALID
    log = logging.getLogger("webinar-bot")
    for state in running.fleet.states():
        what = "runs its cues here" if state.runs_cues else "answers people here"
        log.info("%s: %s", state.file, "; ".join(state.problems) or f"{state.key} ({what})")
    log.info("serving %s (%s); Ctrl-C stops", args.folder, mode)
    try:
        stop.wait()
    finally:
        running.stop()
        clock.close()
    return EXIT_OK
