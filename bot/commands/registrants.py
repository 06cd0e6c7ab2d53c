"""`webinar-bot registrants import FILE.csv --schedule FILE [--db URL]` and
`webinar-bot registrants export [--format csv|json] [-o FILE]`: the organisers' list of participants,
in and out of the bot's database.

Import prints what it imported, updated and could not match to a chat account (those get no direct
messages: the list is for the organisers to write to them; an optional `matrix` column gives each
person's Matrix id, how the bot finds them on Matrix when it starts), and every refused row with its line;
exit 0, or 1 when a row was refused. Nothing stored is lost, and importing the same file twice
changes nothing. Export writes the attendance list: what each registrant gave, when they registered,
whether they confirmed and checked in (CSV cells that a spreadsheet would run as a formula are
neutralised).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from bot.commands.common import EXIT_INVALID, EXIT_OK, EXIT_UNREADABLE
from bot.config import load_settings

FORMATS = ("csv", "json")
EXPORT_COLUMNS = (
    "name",
    "title",
    "organisation",
    "email",
    "phone",
    "mode",
    "language",
    "timezone",
    "registered_at",
    "confirmed",
    "checked_in",
    "chat_account",
    "source",
    "cancelled",
    "matrix",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    load = actions.add_parser("import", help="import the organisers' CSV list of registrants")
    load.add_argument(
        "csv",
        type=Path,
        metavar="FILE.csv",
        help="header row: name, title, organisation, email, phone, mode, language (and optionally matrix)",
    )
    load.add_argument("--schedule", type=Path, required=True, metavar="FILE", help="the webinar's schedule")
    load.add_argument("--defaults", type=Path, metavar="FILE", help="the schedule's defaults file, if any")
    load.add_argument("--db", metavar="URL", help="the bot's database (default: DATABASE_URL, or .env)")
    load.add_argument("--env", type=Path, default=Path(".env"), metavar="FILE", help=argparse.SUPPRESS)
    out = actions.add_parser("export", help="write the attendance list (CSV or JSON)")
    out.add_argument("--format", choices=FORMATS, default="csv", help="csv (default) or json")
    out.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    out.add_argument(
        "--schedule", type=Path, metavar="FILE", help="the webinar's schedule (or --webinar KEY)"
    )
    out.add_argument("--webinar", metavar="KEY", help="which webinar, when the database holds several")
    out.add_argument("--db", metavar="URL", help="the bot's database (default: DATABASE_URL, or .env)")
    out.add_argument("--env", type=Path, default=Path(".env"), metavar="FILE", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    return import_list(args) if args.action == "import" else export_list(args)


def _webinar_key(schedule: Path, defaults: Path | None) -> tuple[str, Any] | None:
    from bot.agenda.load import load_schedule
    from bot.commands.common import require_valid
    from bot.runtime.schedule import webinar_key

    agenda = require_valid(load_schedule(schedule, defaults))
    return (webinar_key(agenda), agenda) if agenda is not None else None


def import_list(args: argparse.Namespace) -> int:
    # Imported here, not at the top: `webinar-bot check` should not pay for the runtime's imports.
    from bot.agenda.model import MODES
    from bot.clock import SystemClock
    from bot.files import Unreadable, read_user_text
    from bot.people.book import People
    from bot.people.csv_import import parse_registrants
    from bot.store.db import StoreUnavailable, create_schema, make_engine
    from bot.store.people import ConnectionRequests, RegistrantStore, SpeakerAnswers

    chosen = _webinar_key(args.schedule, args.defaults)
    if chosen is None:
        return EXIT_INVALID
    key, agenda = chosen
    text = read_user_text(args.csv, "registrant list")
    if isinstance(text, Unreadable):
        print(f"webinar-bot: {text}", file=sys.stderr)
        return EXIT_UNREADABLE
    modes = agenda.registration.modes if agenda.registration else MODES
    parsed = parse_registrants(text, modes)
    if parsed.fatal:
        print(f"webinar-bot: {args.csv} {parsed.fatal}", file=sys.stderr)
        return EXIT_INVALID
    settings = load_settings(dotenv=args.env)
    try:
        engine = make_engine(args.db or settings.database_url)
        create_schema(engine)
    except StoreUnavailable as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    clock = SystemClock()
    try:
        store = RegistrantStore(engine, key)
        outcomes = {"added": 0, "updated": 0, "unchanged": 0}
        for row in parsed.rows:
            outcomes[store.save(row.details, clock.now(), source="import").outcome] += 1
        matching = None
        if settings.has_slack_credentials:
            from bot.slack.adapter import SlackChat

            people = People(store, SpeakerAnswers(engine, key), ConnectionRequests(engine, key), clock)
            matching = people.match(SlackChat(settings.bot_token, settings.api_url, clock))
        unmatched = [r for r in store.all() if r.person is None and r.active]
    finally:
        engine.dispose()
    print(
        f"{args.csv}: {outcomes['added']} imported, {outcomes['updated']} updated, "
        f"{outcomes['unchanged']} unchanged, {len(parsed.problems)} problem(s)"
    )
    if matching is None:
        print(
            "  not matched to chat accounts yet (no SLACK_BOT_TOKEN): the bot matches them when it starts "
            "(on Slack by e-mail, on Matrix by the `matrix` column)"
        )
    elif unmatched:
        print(
            f"  unmatched: {len(unmatched)} (no chat account for their e-mail: they get no direct messages)"
        )
        for registrant in unmatched:
            print(f"    {registrant.name} <{registrant.email or 'no e-mail'}>")
    for problem in parsed.problems:
        print(f"  {args.csv}: {problem}", file=sys.stderr)
    refused = len(parsed.problems) - sum(1 for p in parsed.problems if "the webinar's is used" in p.message)
    return EXIT_INVALID if refused else EXIT_OK


def _cell(value: object) -> object:
    from bot.spreadsheet import spreadsheet_safe

    return spreadsheet_safe(value)


def export_list(args: argparse.Namespace) -> int:
    from bot.store.db import StoreUnavailable, create_schema, make_engine
    from bot.store.people import RegistrantStore
    from bot.store.questions import QuestionStore

    settings = load_settings(dotenv=args.env)
    try:
        engine = make_engine(args.db or settings.database_url)
        create_schema(engine)
    except StoreUnavailable as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        key = args.webinar
        if args.schedule is not None:
            chosen = _webinar_key(args.schedule, None)
            if chosen is None:
                return EXIT_INVALID
            key = chosen[0]
        if key is None:
            known = QuestionStore.webinars(engine)
            if len(known) != 1:
                listed = "\n".join(f"  {w.key}  ({w.title}, {w.date})" for w in known) or "  (none yet)"
                print(
                    f"webinar-bot: choose the webinar with --schedule FILE or --webinar KEY:\n{listed}",
                    file=sys.stderr,
                )
                return EXIT_INVALID
            key = known[0].key
        people = RegistrantStore(engine, key).all()
    finally:
        engine.dispose()
    records = [
        {
            "name": r.name,
            "title": r.title,
            "organisation": r.organisation,
            "email": r.email or "",
            "phone": r.phone,
            "mode": r.mode,
            "language": r.language or "",
            "timezone": r.timezone or "",
            "registered_at": r.registered_at.isoformat(),
            "confirmed": r.confirmed_at is not None,
            "checked_in": r.checked_in_at is not None,
            "chat_account": r.person is not None,
            "source": r.source,
            "cancelled": r.cancelled_at is not None,
            "matrix": r.matrix or "",
        }
        for r in people
    ]
    if args.format == "json":
        text = json.dumps({"webinar": key, "registrants": records}, ensure_ascii=False, indent=2) + "\n"
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows({k: _cell(v) for k, v in record.items()} for record in records)
        text = out.getvalue()
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output} ({len(records)} registrants)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK
