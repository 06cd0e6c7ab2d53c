"""A burst of 1,000 questions and 5,000 votes in 60 s at the bot, in the middle of the seed webinar.

    python bench/bench_questions_burst.py [--questions 1000] [--votes 5000] [--seconds 60]

The bot runs in its own process at 60x against the local stand-in (rate limits on), as in
bench_cue_latency.py. From agenda 15:10 (about a minute in), simulated participants reply in the
session threads (60%), post in the questions channel (25%) and use /ask (15%), and vote on each
other's questions. Printed: the time from each event to the bot's acknowledgement (p50/p99/max; Slack
re-sends after 3 s), questions stored and copies posted against what was sent, 429s the bot provoked,
and cue latency during the burst beside cue latency outside it (target p99 < 50 ms in both).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_cue_latency import SEED, bot_command, percentile, prepared_for  # noqa: E402

from bot.clock import ScaledClock  # noqa: E402
from bot.localslack import LocalSlack  # noqa: E402
from bot.localslack.workspace import User  # noqa: E402
from bot.manifest import bot_events  # noqa: E402
from bot.rehearsal.summary import receipts  # noqa: E402
from bot.rehearsal.workspace import rehearsal_workspace  # noqa: E402
from bot.store import make_engine  # noqa: E402
from bot.store.questions import QuestionStore  # noqa: E402
from bot.timeline.planner import plan  # noqa: E402

PARTICIPANTS = 300


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--votes", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--speed", type=float, default=60.0)
    args = parser.parse_args()
    from bench_localslack_overhead import measure_post_overhead

    overhead = measure_post_overhead(300, warmup=30)["p50_ms"]
    day = date.today()
    prepared = prepared_for(SEED, day)
    cues = plan(prepared.agenda)
    start = time.monotonic() + 4.0
    clock = ScaledClock(prepared.origin, args.speed, start=start)
    workspace = rehearsal_workspace(prepared.agenda)
    everyone = [u.id for u in workspace.humans()]
    for n in range(PARTICIPANTS):
        user = workspace.add_user(
            User(
                id=workspace.ids.new("U"),
                name=f"crowd{n:03d}",
                real_name=f"Crowd {n:03d}",
                email=f"crowd{n:03d}@example.org",
                tz="Europe/Zurich",
            )
        )
        everyone.append(user.id)
    questions_channel = workspace.find_channel("sp-webinar-questions")
    assert questions_channel is not None
    questions_channel.members[:] = sorted(set(questions_channel.members) | set(everyone))
    folder = tempfile.mkdtemp(prefix="burst-")
    database = f"sqlite:///{folder}/burst.db"
    burst_from = prepared.agenda.start.replace(second=0) + timedelta(hours=1, minutes=10)  # 15:10 local
    with LocalSlack(clock=clock, workspace=workspace, subscriptions=bot_events()) as slack:
        env = {**os.environ, **slack.env()}
        command = bot_command(SEED, args.speed, prepared, start, day, database)
        print(
            f"seed webinar at {args.speed:g}x, bot in its own process; burst from agenda 15:10 for "
            f"{args.seconds:g} s: {args.questions} questions, {args.votes} votes ...",
            flush=True,
        )
        child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        done = threading.Event()
        clock.wait(done, burst_from)
        burst_started = clock.now()
        stats = Burst(slack, everyone, args).run()
        burst_ended = clock.now()
        out, err = child.communicate(timeout=3600)
        if child.returncode != 0:
            print(err[-3000:])
            raise SystemExit("the bot's process failed")
        seen = receipts(slack.transcript)
        limited = [e for e in slack.transcript.calls() if e.status == 429]
        by_method: dict[str, int] = {}
        for entry in limited:
            by_method[entry.name] = by_method.get(entry.name, 0) + 1
        copies = [k for k in seen if k.startswith("question:")]
        last_copy = max((max(v) for k, v in seen.items() if k.startswith("question:")), default=burst_ended)
    engine = make_engine(database)
    stored = QuestionStore(engine, QuestionStore.webinars(engine)[0].key)
    recorded = stored.all()
    votes = stored.vote_total()
    engine.dispose()
    texts = {q.text for q in recorded}
    lost = [t for t in stats.asked if t not in texts]

    worst: list[tuple[float, str]] = []

    def latency(window: bool) -> list[float]:
        values = []
        for cue in cues:
            inside = burst_started <= cue.at <= burst_ended
            if inside == window and cue.id in seen:
                value = max((seen[cue.id][0] - cue.at).total_seconds() / args.speed * 1000 - overhead, 0.0)
                values.append(value)
                if window:
                    worst.append((value, cue.id))
        return values

    acks = stats.elapsed
    print(
        f"events sent: {len(stats.asked)} questions, {stats.votes} votes, in {stats.wall:.1f} s "
        f"({(len(stats.asked) + stats.votes) / stats.wall:.0f} events/s)"
    )
    print(
        f"acknowledged: p50 {statistics.median(acks):.1f} ms, p99 {percentile(acks, 0.99):.1f} ms, "
        f"max {max(acks):.1f} ms; re-sent by Slack (no ack in 3 s): {stats.resent}"
    )
    print(
        f"questions stored: {len(recorded)} of {len(stats.asked)} (lost: {len(lost)}); votes stored: {votes}"
        f" (the crowd's net votes: {stats.net_votes})"
    )
    drain = (last_copy - burst_started).total_seconds() / args.speed
    print(
        f"copies posted: {len(copies)} of {stats.needing_copy}, the last {drain:.0f} s after the burst began "
        "(Slack allows about one post per second per channel)"
    )
    print(f"HTTP 429s the bot provoked: {len(limited)}" + (f" {by_method}" if by_method else ""))
    if stats.failures:
        print(f"simulated actions that failed: {len(stats.failures)}, e.g. {stats.failures[:3]}")
    if lost:
        print(f"lost: {lost[:5]}")
    for label, values in (("outside the burst", latency(False)), ("during the burst", latency(True))):
        if values:
            print(
                f"cue latency {label}: n={len(values)} p50 {statistics.median(values):.2f} ms, "
                f"p99 {percentile(values, 0.99):.2f} ms, max {max(values):.2f} ms (target p99 < 50 ms)"
            )
    for value, cue_id in sorted(worst, reverse=True)[:3]:
        print(f"  slowest during the burst: {value:.1f} ms  {cue_id[:90]}")
    print(f"bot process peak RSS: {out.strip().splitlines()[-1]}")
    problems = []
    if lost:
        problems.append(f"{len(lost)} questions lost")
    if votes != stats.net_votes:
        problems.append(f"votes stored {votes} != the crowd's net votes {stats.net_votes}")
    if stats.failures:
        problems.append(f"{len(stats.failures)} simulated actions failed")
    if problems:
        raise SystemExit("FAILED: " + "; ".join(problems))


class Burst:
    def __init__(self, slack: LocalSlack, people: list[str], args: argparse.Namespace) -> None:
        self.slack = slack
        self.people = people
        self.args = args
        self.random = random.Random(7)
        self.asked: list[str] = []
        self.elapsed: list[float] = []
        self.resent = 0
        self.votes = 0
        self.needing_copy = 0
        self.voted: dict[tuple[str, str], bool] = {}
        self.key_locks: dict[tuple[str, str], threading.Lock] = {}
        self.net_votes = 0
        self.wall = 0.0
        self.failures: list[str] = []
        self.lock = threading.Lock()

    def _threads(self) -> list[str]:
        channel = self.slack.channel_id("sp-webinar-questions")
        return [
            m.ts
            for m in self.slack.messages(channel, include_replies=False)
            if m.user == self.slack.bot_user_id
        ]

    def _ask(self, n: int) -> None:
        user = self.slack.user(self.random.choice(self.people))
        text = f"Burst question {n}: how do we finance floors in sector {n % 17}?"
        roll = self.random.random()
        threads = self._threads()
        t0 = time.perf_counter()
        if roll < 0.6 and threads:
            user.reply("sp-webinar-questions", self.random.choice(threads), text)
            results = user.last_deliveries
        elif roll < 0.85:
            user.post("sp-webinar-questions", text)
            results = user.last_deliveries
            with self.lock:
                self.needing_copy += 1
        else:
            results = [user.slash("/ask", text, channel="sp-webinar-questions")]
            with self.lock:
                self.needing_copy += 1
        self._done(t0, results, text)

    def _vote(self) -> None:
        channel = self.slack.channel_id("sp-webinar-questions")
        candidates = [m for m in self.slack.messages(channel) if m.thread_ts and m.thread_ts != m.ts]
        if not candidates:
            return
        target = self.random.choice(candidates)
        voter = self.random.choice(self.people)
        user = self.slack.user(voter)
        key = (target.ts, voter)
        with self.lock:
            one_at_a_time = self.key_locks.setdefault(key, threading.Lock())
        # One person's add and removal on one message must reach Slack in the order they are counted:
        # two threads racing them would make the crowd's own count wrong, not the bot's.
        with one_at_a_time:
            t0 = time.perf_counter()
            with self.lock:
                add = not self.voted.get(key, False)
                self.voted[key] = add
                counts = target.user != voter and target.user is not None
                if counts and target.user == self.slack.bot_user_id:
                    counts = not target.text.startswith(f":question: *Question from <@{voter}>")
                self.net_votes += (1 if add else -1) if counts else 0
            if add:
                user.react(channel, target.ts)
            else:
                user.unreact(channel, target.ts)
        self._done(t0, user.last_deliveries, None)

    def _done(self, t0: float, results: object, text: str | None) -> None:
        elapsed = (time.perf_counter() - t0) * 1000
        with self.lock:
            self.elapsed.append(elapsed)
            self.resent += sum(getattr(r, "retries", 0) for r in (results or []))  # type: ignore[attr-defined]
            if text is not None:
                self.asked.append(text)
            else:
                self.votes += 1

    def run(self) -> Burst:
        actions = ["q"] * self.args.questions + ["v"] * self.args.votes
        self.random.shuffle(actions)
        interval = self.args.seconds / len(actions)
        started = time.perf_counter()
        counter = iter(range(len(actions)))
        futures = []
        with ThreadPoolExecutor(max_workers=8) as pool:
            for index, action in enumerate(actions):
                delay = started + index * interval - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)  # a benchmark's load generator keeps a real-time pace
                futures.append(
                    pool.submit(self._ask, next(counter)) if action == "q" else pool.submit(self._vote)
                )
        self.wall = time.perf_counter() - started
        self.failures = [repr(f.exception()) for f in futures if f.exception() is not None]
        return self


if __name__ == "__main__":
    main()
