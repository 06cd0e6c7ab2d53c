"""2,000 online registrants' connect-now direct messages at 1x, against the stand-in with its limits.

    python bench/bench_registrant_dms.py [--registrants 2000]

The seed webinar, moved to today, with 2,000 online registrants imported into the bot's database
and matched to users of the stand-in (by e-mail). The bot runs in its own process, at real speed,
from 20 s before the connect-now reminder (its other cues muted, so the wave is measured alone).
Printed: the time from the reminder's instant to the first and to the last direct message, how many
arrived (each once?), and the HTTP 429s the bot provoked. Target: all within 5 minutes, no 429.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.clock import ScaledClock  # noqa: E402

SEED = ROOT / "schedules" / "sp-webinar-2018-10-23.yaml"
LEAD = timedelta(seconds=20)
TIMEOUT = timedelta(minutes=6)


def schedule(folder: Path) -> Path:
    """The seed, with only its connect-now reminders, and every other kind of cue muted."""
    text = SEED.read_text(encoding="utf-8")
    start = text.index("reminders:")
    end = text.index("connection:", start)
    text = text[:start] + "reminders:\n  - {before: 30m, template: connect_now, to: online}\n" + text[end:]
    muted = "item_start, thread_open, standby, slot_warning, slot_end, overrun, discussion_start, item_end, "
    muted += "registered, checkin, checkin_missing, confirm_request, confirm_missing, schedule_change"
    path = folder / "dm-wave.yaml"
    path.write_text(text + f"\nmute: [{muted}]\n", encoding="utf-8")
    return path


def child(args: argparse.Namespace) -> None:
    """The bot's process: run until the clock passes `--until`, then stop."""
    import threading

    from bot.config import Settings
    from bot.launch import LaunchOptions, launch, tune_interpreter
    from bot.rehearsal.prepare import prepare

    day = date.fromisoformat(args.day)
    clock = ScaledClock(datetime.fromisoformat(args.origin), 1.0, start=args.start)
    settings = Settings(
        bot_token=os.environ["SLACK_BOT_TOKEN"],
        app_token=os.environ["SLACK_APP_TOKEN"],
        api_url=os.environ["SLACK_API_URL"],
        database_url=args.database,
    )
    tune_interpreter()
    options = LaunchOptions(Path(args.schedule), watch=False, transform=lambda a: prepare(a, day).agenda)
    bot = launch(options, settings, clock)
    clock.wait(threading.Event(), datetime.fromisoformat(args.until))
    bot.stop()


def parent(args: argparse.Namespace) -> None:
    from bot.agenda.load import load_schedule
    from bot.localslack import LocalSlack
    from bot.localslack.workspace import User
    from bot.manifest import bot_events
    from bot.people.registrants import Details
    from bot.rehearsal.prepare import prepare
    from bot.rehearsal.summary import receipts
    from bot.rehearsal.workspace import rehearsal_workspace
    from bot.runtime.schedule import webinar_key
    from bot.store import create_schema, make_engine
    from bot.store.people import RegistrantStore

    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        path = schedule(folder)
        result = load_schedule(path)
        assert result.agenda is not None, result.problems
        day = date.today()
        agenda = prepare(result.agenda, day).agenda
        wave = agenda.start - timedelta(minutes=30)
        origin = wave - LEAD
        workspace = rehearsal_workspace(agenda)
        database = f"sqlite:///{folder / 'bot.db'}"
        engine = make_engine(database)
        create_schema(engine)
        store = RegistrantStore(engine, webinar_key(agenda))
        for n in range(args.registrants):
            email = f"attendee{n:04d}@example.org"
            workspace.add_user(
                User(
                    id=workspace.ids.new("U"),
                    name=f"attendee{n:04d}",
                    real_name=f"Attendee {n:04d}",
                    email=email,
                )
            )
            store.save(
                Details(f"Attendee {n:04d}", "online", email=email),
                origin - timedelta(days=1),
                source="import",
            )
        engine.dispose()
        start = time.monotonic() + 5.0
        clock = ScaledClock(origin, 1.0, start=start)
        with LocalSlack(clock=clock, workspace=workspace, subscriptions=bot_events()) as slack:
            env = {**os.environ, **slack.env()}
            command = [
                sys.executable,
                str(Path(__file__).resolve()),
                "--child",
                "--schedule",
                str(path),
                "--origin",
                origin.isoformat(),
                "--start",
                repr(start),
                "--day",
                day.isoformat(),
                "--database",
                database,
                "--until",
                (wave + TIMEOUT).isoformat(),
            ]
            lead = LEAD.total_seconds()
            print(
                f"{args.registrants} online registrants; "
                f"connect-now due {lead:.0f} s after the bot starts (1x)",
                flush=True,
            )
            deadline = wave + TIMEOUT
            child_process = subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            expected = args.registrants
            while clock.now() < deadline:
                sent = [
                    k for k in receipts(slack.transcript) if k.startswith("reminder:connect_now@registrant:")
                ]
                if len(sent) >= expected:
                    break
                time.sleep(1)  # a benchmark's own pace, in real seconds
            child_process.terminate()
            _, err = child_process.communicate(timeout=60)
            seen = {
                k: v
                for k, v in receipts(slack.transcript).items()
                if k.startswith("reminder:connect_now@registrant:")
            }
            limited = [e for e in slack.transcript.calls() if e.status == 429]
        if not seen:
            print(err[-3000:])
            raise SystemExit("no direct message arrived")
        first = min(min(v) for v in seen.values()) - wave
        last = max(max(v) for v in seen.values()) - wave
        doubled = sum(1 for v in seen.values() if len(v) > 1)
        print(f"direct messages: {len(seen)} of {expected} arrived, {doubled} more than once")
        print(
            f"from the reminder's instant: first after {first.total_seconds():.2f} s, "
            f"last after {last.total_seconds():.1f} s (target: all within 300 s)"
        )
        print(f"HTTP 429s the bot provoked: {len(limited)}")
        if len(seen) < expected or doubled or limited or last > timedelta(minutes=5):
            raise SystemExit("FAILED: the wave missed its target")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrants", type=int, default=2000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--schedule", help=argparse.SUPPRESS)
    parser.add_argument("--origin", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--day", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--until", help=argparse.SUPPRESS)
    args = parser.parse_args()
    child(args) if args.child else parent(args)


if __name__ == "__main__":
    main()
