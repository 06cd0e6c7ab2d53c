"""Many webinars in one `serve` process at 1x: cue latency and memory (targets: p99 < 50 ms, < 3 MB per
extra webinar).

    python bench/bench_serve_many.py [--webinars 100] [--minutes 20]

Writes N schedules into a temporary folder, each a webinar of 10 slots (one block, two thematic
sessions, 8 speaker slots of 1-2 minutes and 2 discussions, a "connect now" reminder), on today's date
in UTC, their starts spread so that every cue falls within an M-minute window that opens about 60 s
after the bot's process is started. Each webinar has its own three channels and its own speakers, so
Slack's one post per second per channel is not what is measured. The kinds a day-before or
minutes-before setup would post late at start-up (confirmations, check-ins) are muted.

`webinar-bot serve` (`launch_fleet`, background threads, Socket Mode, the real clock, SQLite in the
temporary folder) runs in its own process against the local Slack stand-in in this one. The stand-in's
rate limits are off while the fleet starts (start-up looks every channel and speaker up: its calls are
counted, and what Slack's tiers would make of them is printed) and on from the moment every webinar has
started. Latency is each cue's planned instant to the stand-in's receipt of its post (by the post's
key, `webinar|cue`), in real milliseconds, minus the stand-in's own cost per post (measured first).
Memory: the bot's RSS right after every webinar started, its peak RSS (`ru_maxrss`), and the RSS of a
process that started one webinar, for the cost of each extra one. Figures are printed; nothing is
asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

LEAD = 60.0  # seconds from spawning the bot's process to the window's opening
MUTED = ("confirm_request", "confirm_missing", "checkin", "checkin_missing", "overrun")
SPEAKER_SECONDS = (60, 90, 120, 75, 105, 90, 60, 120)  # at --minutes 20; scaled with the window
DISCUSSION_SECONDS = 90
REMINDER_SECONDS = 40
STANDBY_SECONDS = 30
WARN_SECONDS = 20
FIRST_START_SECONDS = 50  # the first webinar starts this long after the window opens
MODERATOR = "moderator"
SLACK_TIERS_PER_MINUTE = {2: 20, 3: 50, 4: 100}


# -- the schedules and the workspace ----------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where the webinars fall: all of their cues within `minutes` from `opening`."""

    webinars: int
    minutes: float
    opening: datetime

    @property
    def scale(self) -> float:
        return self.minutes / 20.0

    def seconds(self, at_20_minutes: float) -> int:
        return max(1, round(at_20_minutes * self.scale))

    def length(self) -> int:
        speakers = sum(self.seconds(s) for s in SPEAKER_SECONDS)
        return speakers + 2 * self.seconds(DISCUSSION_SECONDS)

    def start(self, index: int) -> datetime:
        first = self.seconds(FIRST_START_SECONDS)
        spread = self.minutes * 60 - first - self.length() - self.seconds(5)
        step = spread / max(1, self.webinars - 1) if self.webinars > 1 else 0.0
        return (self.opening + timedelta(seconds=first + index * step)).replace(microsecond=0)


def speaker_key(index: int, slot: int) -> str:
    return f"w{index:03d}s{slot}"


def channel_names(index: int) -> tuple[str, str, str]:
    return (f"w{index:03d}-news", f"w{index:03d}-questions", f"w{index:03d}-backstage")


def schedule_text(layout: Layout, index: int) -> str:
    """One webinar: a block of two thematic sessions, each four speakers and a discussion."""
    start = layout.start(index)
    end = start + timedelta(seconds=layout.length())
    news, questions, backstage = channel_names(index)
    speakers = [speaker_key(index, n) for n in range(8)]
    durations = [SPEAKER_SECONDS[(n + index) % len(SPEAKER_SECONDS)] for n in range(8)]
    sessions = []
    for half in (0, 1):
        slots = [
            f"{{speaker: {speakers[n]}, minutes: {layout.seconds(durations[n])}s}}"
            for n in range(4 * half, 4 * half + 4)
        ]
        slots.append(f"{{discussion: {layout.seconds(DISCUSSION_SECONDS)}s}}")
        sessions.append(
            f"      - title: Session {half + 1} of webinar {index}\n        slots: [{', '.join(slots)}]\n"
        )
    people = "".join(
        f"  {key}: {{name: Speaker {key.upper()}, email: {key}@example.org}}\n" for key in speakers
    )
    return (
        f"title: Benchmark webinar {index:03d} of {layout.opening:%H%M%S}\n"
        f"timezone: UTC\n"
        f"date: {start.date().isoformat()}\n"
        f"reminders: [{{before: {layout.seconds(REMINDER_SECONDS)}s, template: connect_now}}]\n"
        f"mute: [{', '.join(MUTED)}]\n"
        f"standby_before: {layout.seconds(STANDBY_SECONDS)}s\n"
        f"warn_before: {layout.seconds(WARN_SECONDS)}s\n"
        f"channels: {{announcements: {news}, questions: {questions}, backstage: {backstage}}}\n"
        f"moderators: [{MODERATOR}@example.org]\n"
        f"speakers:\n{people}"
        f"agenda:\n"
        f'  - time: "{start:%H:%M:%S}-{end:%H:%M:%S}"\n'
        f"    title: Benchmark block {index}\n"
        f"    sessions:\n" + "".join(sessions)
    )


def workspace_data(webinars: int) -> dict[str, Any]:
    """The stand-in's workspace (`bot.localslack.seed` format): each webinar's speakers and channels,
    the bot a member of all of them (so start-up joins none), one moderator everywhere."""
    users: list[dict[str, Any]] = [
        {"name": MODERATOR, "real_name": "Mo Derator", "email": f"{MODERATOR}@example.org", "is_admin": True}
    ]
    channels: list[dict[str, Any]] = []
    for index in range(webinars):
        speakers = [speaker_key(index, n) for n in range(8)]
        users += [
            {"name": key, "real_name": f"Speaker {key.upper()}", "email": f"{key}@example.org"}
            for key in speakers
        ]
        news, questions, backstage = channel_names(index)
        for name in (news, questions):
            channels.append({"name": name, "members": [MODERATOR], "bot_member": True})
        channels.append(
            {"name": backstage, "is_private": True, "members": [MODERATOR, *speakers], "bot_member": True}
        )
    return {
        "team": {"name": "Benchmark Webinars", "domain": "benchwebinars"},
        "users": users,
        "channels": channels,
    }


def write_folder(folder: Path, layout: Layout) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(layout.webinars):
        (folder / f"webinar-{index:03d}.yaml").write_text(schedule_text(layout, index))


# -- the bot's process ----------------------------------------------------------------------------


def rss_now_mb() -> float:
    """This process's resident set now (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def child(args: argparse.Namespace) -> None:
    """`serve` on the folder until `--until`, then a clean stop. Prints two JSON lines: when every
    webinar has started (with the RSS then, and the plan written to `--plan`), and after the stop."""
    from bot.clock import SystemClock
    from bot.config import Settings
    from bot.launch import ServeOptions, launch_fleet, tune_interpreter
    from bot.serve.tagged import tag

    clock = SystemClock()
    settings = Settings(
        bot_token=os.environ["SLACK_BOT_TOKEN"],
        app_token=os.environ["SLACK_APP_TOKEN"],
        api_url=os.environ["SLACK_API_URL"],
        database_url=args.database,
    )
    tune_interpreter()
    began = time.monotonic()
    running = launch_fleet(ServeOptions(Path(args.folder), background=True), settings, clock)
    deadline = time.monotonic() + 15  # on PostgreSQL the first pass only says the replica is alive
    while time.monotonic() < deadline and not all(s.runs_cues or s.problems for s in running.fleet.states()):
        time.sleep(0.1)
    start_up = time.monotonic() - began
    rss_started = rss_now_mb()
    webinars = running.fleet.webinars()
    planned = [
        {"key": tag(webinar.key, cue.id), "at": cue.at.isoformat(), "kind": str(cue.kind)}
        for webinar in webinars
        for cue in webinar.session.plan()
    ]
    Path(args.plan).write_text(json.dumps(planned))
    states = running.fleet.states()
    print(
        json.dumps(
            {
                "started": True,
                "start_up_s": start_up,
                "rss_started_mb": rss_started,
                "webinars": len(webinars),
                "running_cues": sum(1 for s in states if s.runs_cues),
                "refused": [f"{s.file}: {'; '.join(s.problems)}" for s in states if s.problems],
            }
        ),
        flush=True,
    )
    until = datetime.fromisoformat(args.until)
    clock.sleep((until - clock.now()).total_seconds())
    running.stop(flush_seconds=2.0)  # webinar by webinar: 100 of them must not take minutes
    print(json.dumps({"rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)


def bot_command(folder: Path, database: str, plan: Path, until: datetime) -> list[str]:
    return [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "--folder",
        str(folder),
        "--database",
        database,
        "--plan",
        str(plan),
        "--until",
        until.isoformat(),
    ]


# -- this process: the stand-in, the run, the figures ----------------------------------------------


@dataclass(frozen=True)
class Run:
    started: dict[str, Any]
    finished: dict[str, Any]
    planned: list[dict[str, str]]
    start_up_calls: Counter[str]
    seen: dict[str, list[datetime]]


def run_fleet(
    work: Path, layout: Layout, until: datetime | None, stderr_name: str, database: str | None = None
) -> Run:
    """Start the stand-in and `serve` on a fresh folder; `until` None stops it right after start-up.
    `database`: a URL instead of a fresh SQLite file (the titles carry the run's time, so the webinars'
    keys are new in an old database)."""
    import yaml

    from bot.localslack import LocalSlack
    from bot.manifest import bot_events
    from bot.rehearsal.summary import receipts

    work.mkdir(parents=True)
    write_folder(work / "schedules", layout)
    (work / "workspace.yaml").write_text(yaml.safe_dump(workspace_data(layout.webinars)))
    plan_file = work / "plan.json"
    with (
        LocalSlack(workspace=work / "workspace.yaml", subscriptions=bot_events()) as slack,
        (work / stderr_name).open("w") as stderr,
    ):
        slack.rate_limiter.enabled = False  # start-up's look-ups are counted instead (see the docstring)
        env = {**os.environ, **slack.env()}
        stop_at = until or datetime.now(UTC)
        command = bot_command(work / "schedules", database or f"sqlite:///{work}/bot.db", plan_file, stop_at)
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True)
        assert process.stdout is not None
        lines = iter(process.stdout.readline, "")
        first = next(lines, "")
        slack.rate_limiter.enabled = True
        calls = Counter(entry.name for entry in slack.transcript.calls())
        rest = [line for line in lines if line.strip()]
        code = process.wait()
        if code != 0 or not first.strip() or not rest:
            stderr.flush()
            print((work / stderr_name).read_text()[-4000:])
            raise SystemExit(f"the bot's process failed (exit {code})")
        seen = receipts(slack.transcript)
    return Run(
        json.loads(first),
        json.loads(rest[-1]),
        json.loads(plan_file.read_text()),
        calls,
        seen,
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def start_up_under_limits(calls: Counter[str]) -> tuple[float, list[str]]:
    """The least time Slack's tiers (per method, per workspace) would let start-up's calls take, in
    minutes, and the methods that bound it."""
    from bot.localslack.catalog import METHODS

    minutes: dict[str, float] = {}
    for method, count in calls.items():
        spec = METHODS.get(method)
        per_minute = SLACK_TIERS_PER_MINUTE.get(spec.tier or 0) if spec is not None else None
        if per_minute is not None:
            minutes[method] = max(0.0, count - per_minute) / per_minute  # a full bucket's burst first
    slowest = sorted(minutes.items(), key=lambda item: -item[1])
    return (slowest[0][1] if slowest else 0.0), [f"{m} {calls[m]} ({t:.1f} min)" for m, t in slowest[:3]]


def report(run: Run, baseline: Run, overhead_ms: float, layout: Layout) -> None:
    planned = run.planned
    raw: list[float] = []
    late: list[tuple[float, str]] = []
    missing = duplicated = 0
    for cue in planned:
        times = run.seen.get(cue["key"], [])
        if not times:
            missing += 1
            continue
        duplicated += len(times) > 1
        delay = (min(times) - datetime.fromisoformat(cue["at"])).total_seconds() * 1000
        raw.append(delay)
        late.append((delay, cue["key"]))
    net = [max(value - overhead_ms, 0.0) for value in raw]
    started, finished = run.started, run.finished
    print(
        f"webinars: {started['webinars']} started ({started['running_cues']} running their cues), "
        f"{len(started['refused'])} refused; start-up {started['start_up_s']:.1f} s"
    )
    for refused in started["refused"][:5]:
        print(f"  refused: {refused}")
    bound, slowest = start_up_under_limits(run.start_up_calls)
    print(
        f"start-up's Web API calls: {sum(run.start_up_calls.values())}; under Slack's tiers at least "
        f"{bound:.1f} min (rate limits were off for it): {', '.join(slowest)}"
    )
    print(f"cues: {len(planned)} planned, {len(raw)} posted, {missing} missing, {duplicated} duplicated")
    print(f"stand-in's own cost per post: p50 {overhead_ms:.2f} ms (subtracted below)")
    if net:
        print("cue latency, planned instant to the stand-in's receipt, real ms (minus the stand-in's cost):")
        print(
            f"  p50 {statistics.median(net):7.2f}   p99 {percentile(net, 0.99):7.2f}   max {max(net):7.2f}"
            f"   (target p99 < 50 ms)"
        )
        print(f"  raw: p50 {statistics.median(raw):.2f}  p99 {percentile(raw, 0.99):.2f}  max {max(raw):.2f}")
        print(
            f"  over 50 ms: {sum(1 for v in net if v > 50)}; the latest: "
            + ", ".join(f"{key} {delay:.0f} ms" for delay, key in sorted(late, reverse=True)[:3])
        )
    extra = max(1, started["webinars"] - baseline.started["webinars"])
    per_webinar = (started["rss_started_mb"] - baseline.started["rss_started_mb"]) / extra
    print(
        f"bot process RSS: {started['rss_started_mb']:.1f} MB with every webinar started, "
        f"peak {finished['rss_peak_mb']:.1f} MB"
    )
    print(
        f"  with {baseline.started['webinars']} webinar: {baseline.started['rss_started_mb']:.1f} MB "
        f"after start-up (peak {baseline.finished['rss_peak_mb']:.1f} MB)"
    )
    print(
        f"  per extra webinar: {per_webinar:.2f} MB (after start-up, {started['webinars']} vs "
        f"{baseline.started['webinars']})   (target < 3 MB)"
    )


def parent(args: argparse.Namespace) -> None:
    import tempfile

    from bench_localslack_overhead import measure_post_overhead

    overhead = measure_post_overhead(300, warmup=30)["p50_ms"]
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        print("starting 1 webinar for the memory baseline...", flush=True)
        one = Layout(1, args.minutes, datetime.now(UTC) + timedelta(seconds=LEAD))
        baseline = run_fleet(work / "one", one, None, "bot-one.log", args.database)
        layout = Layout(args.webinars, args.minutes, datetime.now(UTC) + timedelta(seconds=LEAD))
        last = layout.start(args.webinars - 1) + timedelta(seconds=layout.length())
        until = last + timedelta(seconds=10)
        real = (until - datetime.now(UTC)).total_seconds() / 60
        print(
            f"running {args.webinars} webinars of 10 slots in one serve process at 1x, cues from "
            f"{layout.opening:%H:%M:%S} to {last:%H:%M:%S} UTC (about {real:.1f} min)...",
            flush=True,
        )
        run = run_fleet(work / "many", layout, until, "bot-many.log", args.database)
        report(run, baseline, overhead, layout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--webinars", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=20.0, help="the window all cues fall in")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--database", help="the bot's database URL (default: a fresh SQLite file)")
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    parser.add_argument("--until", help=argparse.SUPPRESS)
    args = parser.parse_args()
    child(args) if args.child else parent(args)


if __name__ == "__main__":
    main()
