"""`webinar-bot report [--format md|csv|json] [--db URL]`: the questions report, from the bot's database.

Markdown and JSON also carry the attendance figures (counts, never a person).

Markdown is what a rapporteur pastes into the minutes; CSV and JSON are for spreadsheets and tools.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commands.common import EXIT_INVALID, EXIT_OK, EXIT_UNREADABLE
from bot.config import load_settings
from bot.i18n.catalogs import Catalogs
from bot.i18n.languages import CODES
from bot.questions.report import FORMATS, render


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="md", help="md (default), csv or json")
    parser.add_argument("--db", metavar="URL", help="the bot's database (default: DATABASE_URL, or .env)")
    parser.add_argument("--webinar", metavar="KEY", help="which webinar, when the database holds several")
    parser.add_argument(
        "--language",
        choices=CODES,
        help="the Markdown's language (default: the webinar's `language`)",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    parser.add_argument("--env", type=Path, default=Path(".env"), metavar="FILE", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: `webinar-bot check` should not pay for the runtime's imports.
    from bot.store.db import StoreUnavailable, create_schema, make_engine
    from bot.store.people import attendance
    from bot.store.questions import QuestionStore

    url = args.db or load_settings(dotenv=args.env).database_url
    try:
        engine = make_engine(url)
        create_schema(engine)
    except StoreUnavailable as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        known = QuestionStore.webinars(engine)
        if not known:
            print("webinar-bot: no webinar has run on this database yet", file=sys.stderr)
            return EXIT_INVALID
        chosen = [w for w in known if args.webinar in (None, w.key)]
        if len(chosen) != 1:
            listed = "\n".join(f"  {w.key}  ({w.title}, {w.date})" for w in known)
            what = "no webinar" if not chosen else "several webinars"
            print(f"webinar-bot: {what} match; choose one with --webinar KEY:\n{listed}", file=sys.stderr)
            return EXIT_INVALID
        store = QuestionStore(engine, chosen[0].key)
        figures = attendance(engine, chosen[0].key)
        words = Catalogs().words(args.language or chosen[0].language)
        text = render(args.format, chosen[0], store.sessions(), store.all(), figures, words)
    finally:
        engine.dispose()
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK
