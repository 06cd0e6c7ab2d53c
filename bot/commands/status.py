"""`webinar-bot status [--db URL]`: every webinar in the bot's database: where it stands, its next
cue, and who runs its cues (which process, on which host), read from the database alone."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.commands.common import EXIT_INVALID, EXIT_OK
from bot.config import load_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", help="the bot's database (default: DATABASE_URL, or .env)")
    parser.add_argument(
        "--env", type=Path, default=Path(".env"), metavar="FILE", help="settings file (default .env)"
    )


def _local(at: datetime, zone: str) -> str:
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = UTC  # type: ignore[assignment]
    return at.astimezone(tz).strftime("%a %d %b %H:%M:%S %Z")


def run(args: argparse.Namespace) -> int:
    from bot.store.db import StoreUnavailable, create_schema, make_engine
    from bot.store.overview import overviews

    url = args.db or load_settings(dotenv=args.env).database_url
    try:
        engine = make_engine(url)
        create_schema(engine)
        found = overviews(engine)
    except StoreUnavailable as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return EXIT_INVALID
    finally:
        if "engine" in locals():
            engine.dispose()
    if not found:
        print("No webinar has run on this database yet.")
        return EXIT_OK
    now = datetime.now(UTC)
    for o in found:
        print(f"{o.key}: {o.title}")
        print(f"  stands:  {o.stands(now)}; {o.sent} of {o.planned} cues posted")
        if o.next_at is not None:
            print(f"  next:    {o.next_cue} at {_local(o.next_at, o.timezone)}")
        print(f"  run by:  {o.runner or 'nobody (no bot holds its lease now)'}")
    return EXIT_OK
