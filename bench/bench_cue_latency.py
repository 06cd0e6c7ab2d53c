"""Cue latency over the seed webinar at speed 60, and the bot's peak memory (targets: p99 < 10 ms, < 120 MB).

    python bench/bench_cue_latency.py [--speed 60] [--schedule schedules/sp-webinar-2018-10-23.yaml]

The bot runs in its own process, as in production, against the local Slack stand-in in this one
(rate limits on). Both share one agenda clock: a ScaledClock anchored to the same `time.monotonic()`
instant, which is system-wide. Latency is the planned instant of each cue to the stand-in's receipt
of its post, in real milliseconds, minus the stand-in's own cost per post (measured first). The
bot's peak RSS is its own process's `ru_maxrss`. Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot.agenda.load import load_schedule  # noqa: E402
from bot.clock import ScaledClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.rehearsal.prepare import Prepared, prepare  # noqa: E402

SEED = ROOT / "schedules" / "sp-webinar-2018-10-23.yaml"


def prepared_for(schedule: Path, day: date) -> Prepared:
    result = load_schedule(schedule)
    assert result.agenda is not None, result.problems
    return prepare(result.agenda, day)


def child(args: argparse.Namespace) -> None:
    """The bot's process: run the webinar to its end, then report its peak memory."""
    from bot.launch import LaunchOptions, launch, tune_interpreter

    day = date.fromisoformat(args.day)
    clock = ScaledClock(datetime.fromisoformat(args.origin), args.speed, start=args.start)
    settings = Settings(
        bot_token=os.environ["SLACK_BOT_TOKEN"],
        app_token=os.environ["SLACK_APP_TOKEN"],
        api_url=os.environ["SLACK_API_URL"],
        database_url=args.database,
    )
    tune_interpreter()
    options = LaunchOptions(
        Path(args.schedule), watch=False, transform=lambda agenda: prepare(agenda, day).agenda
    )
    bot = launch(options, settings, clock)
    import threading

    bot.wait_until_finished(threading.Event(), settle=timedelta(seconds=3))
    bot.stop()
    print(json.dumps({"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)


def bot_command(
    schedule: Path, speed: float, prepared: Prepared, start: float, day: date, database: str
) -> list[str]:
    """The command line of the bot's own process (this script's child mode), sharing the agenda clock."""
    return [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "--schedule",
        str(schedule),
        "--speed",
        str(speed),
        "--origin",
        prepared.origin.isoformat(),
        "--start",
        repr(start),
        "--day",
        day.isoformat(),
        "--database",
        database,
    ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def parent(args: argparse.Namespace) -> None:
    import tempfile

    from bench_localslack_overhead import measure_post_overhead

    from bot.localslack import LocalSlack
    from bot.manifest import bot_events
    from bot.rehearsal.summary import receipts
    from bot.rehearsal.workspace import rehearsal_workspace
    from bot.timeline.planner import plan

    overhead = measure_post_overhead(300, warmup=30)
    day = date.today()
    prepared = prepared_for(Path(args.schedule), day)
    cues = plan(prepared.agenda)
    start = time.monotonic() + 4.0  # the bot's process needs a moment to start
    clock = ScaledClock(prepared.origin, args.speed, start=start)
    with (
        tempfile.TemporaryDirectory() as folder,
        LocalSlack(
            clock=clock, workspace=rehearsal_workspace(prepared.agenda), subscriptions=bot_events()
        ) as slack,
    ):
        env = {**os.environ, **slack.env()}
        command = bot_command(
            Path(args.schedule), args.speed, prepared, start, day, f"sqlite:///{folder}/bench.db"
        )
        minutes = (prepared.agenda.end - prepared.origin).total_seconds() / args.speed / 60
        print(
            f"running the seed webinar at {args.speed:g}x in a separate process (about {minutes:.1f} min)..."
        )
        completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            print(completed.stderr[-3000:])
            raise SystemExit("the bot's process failed")
        rss = json.loads(completed.stdout.strip().splitlines()[-1])["rss_mb"]
        seen = receipts(slack.transcript)
    speed = args.speed
    raw: list[float] = []
    slowest: list[tuple[float, str, int]] = []
    due_together = {at: sum(1 for c in cues if c.at == at) for at in {c.at for c in cues}}
    duplicated = missing = 0
    for cue in cues:
        times = seen.get(cue.id, [])
        if not times:
            missing += 1
            continue
        duplicated += len(times) > 1
        raw.append((times[0] - cue.at).total_seconds() / speed * 1000)
        slowest.append((raw[-1], cue.id, due_together[cue.at]))
    own = overhead["p50_ms"]
    net = [max(value - own, 0.0) for value in raw]
    on_time = sum(1 for value in raw if value <= 1000 / speed)
    print(f"cues: {len(cues)} planned, {len(raw)} posted, {missing} missing, {duplicated} duplicated")
    print(f"stand-in's own cost per post: p50 {own:.2f} ms (subtracted below)")
    print("cue latency, planned instant to the stand-in's receipt, real ms (minus the stand-in's cost):")
    print(
        f"  p50 {statistics.median(net):6.2f}   p99 {percentile(net, 0.99):6.2f}   max {max(net):6.2f}"
        f"   (target p99 < 10 ms)"
    )
    print(f"  raw: p50 {statistics.median(raw):.2f}  p99 {percentile(raw, 0.99):.2f}  max {max(raw):.2f}")
    print(f"  posted within one agenda second ({1000 / speed:.1f} ms): {on_time} of {len(raw)}")
    for latency, cue_id, together in sorted(slowest, reverse=True)[:5]:
        print(f"  slowest: {latency:6.2f} ms raw, one of {together} cues due at that instant: {cue_id[:70]}")
    print(f"bot process peak RSS: {rss:.1f} MB   (target < 120 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedule", default=str(SEED))
    parser.add_argument("--speed", type=float, default=60.0)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--origin", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--day", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    child(args) if args.child else parent(args)


if __name__ == "__main__":
    main()
