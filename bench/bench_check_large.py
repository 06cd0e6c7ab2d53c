"""Check hostile and huge files, each in a fresh process; print wall time and peak RSS (target: 2 s, 100 MB).

    python bench/bench_check_large.py [CASE ...]

`webinar-bot check` promises that any schedule up to 1 MB is checked in under 2 s and 100 MB, and
every file the bot reads is refused past `bot.files.MAX_FILE_BYTES`; so whatever is accepted, up
to that limit, must be checked in bounded time and memory too. Each case is generated in a temporary
folder and checked by `bot.cli.main` in its own interpreter (so peak RSS is that case's alone, taken
with `resource.getrusage` in the child). Figures: `wall` is the whole subprocess as a user meets it
(interpreter start included), `check` importing bot.cli and running `main`, `rss` the child's peak
resident set, `lines` what check printed (capped problems keep this small). `baseline` checks the
seed schedule, for what any run costs (interpreter and imports: some 0.5 s and 57 MB). Each case
runs RUNS times; the best times and the largest peak are printed.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from bot.agenda.yamldoc import MAX_VALUES
from bot.files import MAX_CALENDAR_BYTES, MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parents[1]
MB = 1_000_000
TIMEOUT = 120  # seconds a case may take before it is reported as such
RUNS = 3  # fresh processes per case; the best time is printed (the machine may be busy)
MEMORY_CAP = 4 * 2**30
HEADER = """\
title: Generated
timezone: Europe/Zurich
date: 2018-10-23
channels: {announcements: a, questions: q, backstage: b}
moderators: [s0]
speakers:
"""
HEADER += "".join(f"  s{n}: {{name: Speaker {n}, slack: U{n:07d}}}\n" for n in range(50))

CHILD = """
import json, resource, sys, time
started = time.perf_counter()
from bot.cli import main
with open(sys.argv[2], "w") as out:
    sys.stdout = sys.stderr = out
    code = main(["check", sys.argv[1]])
    out.flush()
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
elapsed = time.perf_counter() - started
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"code": code, "check": elapsed, "rss": rss}))
"""


def bomb(levels: int, fan: int = 9, pad_to: int = 0) -> str:
    """`levels` lists, each of `fan` aliases to the one before: fan**levels values from a few lines.

    With `pad_to`, every level gets extra aliases so that the file is that many bytes: wider, so it
    also weighs what a 1 MB bomb costs before the bound stops it.
    """
    per_level = fan
    if pad_to:
        per_level = max(fan, pad_to // (levels * 5))
    lines = ["timezone: Europe/Zurich", "date: 2018-10-23", "l0: &l0 [" + ",".join(["lol"] * fan) + "]"]
    for n in range(1, levels):
        lines.append(f"l{n}: &l{n} [" + ",".join([f"*l{n - 1}"] * per_level) + "]")
    lines.append(f"agenda: *l{levels - 1}")
    return "\n".join(lines) + "\n"


def valid_item(n: int) -> str:
    time_key = '    time: "08:00"\n' if n == 0 else ""
    return (
        f"  - title: Block {n}\n{time_key}    duration: 15m\n    sessions:\n"
        f"      - title: Session {n}\n        slots:\n"
        f"          - {{speaker: s{n % 50}, minutes: 5}}\n"
        f"          - {{speaker: s{(n + 1) % 50}, minutes: 4}}\n"
        f"          - {{discussion: 6}}\n"
    )


def fill(head: str, item: Callable[[int], str], size: int, pad: Callable[[int], str] | None = None) -> str:
    """`head` then items while they fit in `size` bytes, then `pad(n)`: n bytes more (a comment)."""
    pad = pad or (lambda n: "#" + "x" * (n - 2) + "\n" if n >= 2 else "\n" * n)
    parts, total, n = [head], len(head.encode()), 0
    while True:
        chunk = item(n)
        if total + len(chunk.encode()) > size - 16:
            break
        parts.append(chunk)
        total += len(chunk.encode())
        n += 1
    parts.append(pad(size - total))
    return "".join(parts)


def broken_item(n: int) -> str:
    """After one good item, each is wrong in its way: bad times, unknown keys and speakers, overlaps."""
    if n == 0:
        return '  - {title: Start, time: "08:00", duration: 5m}\n'
    return (
        f'  - {{title: Item {n}, time: "2{n % 10}:6{n % 10}", minuts: 5}}\n',
        f"  - {{title: Item {n}, duration: 1m, slots: [{{speaker: ghost{n}, minutes: 1}}]}}\n",
        f"  - {{title: Item {n}, duration: 5m, slots: [{{speaker: s1, minutes: x{n}}}]}}\n",
        f'  - {{title: Item {n}, time: "08:0{n % 10}", duration: 2m, mute: [chime{n}]}}\n',
    )[n % 4]


def shared_slots(items: int, slots: int) -> str:
    """Legitimate-looking aliases: one slot and one block of slots reused by every item.

    An item stands for 5 + 5 * `slots` values, so `items` can be chosen to come just under
    MAX_VALUES: the most work the checks downstream can be given.
    """
    head = HEADER + "slot: &slot {speaker: s1, minutes: 1}\n"
    head += "block: &block [" + ",".join(["*slot"] * slots) + "]\n"
    body = "agenda:\n" + '  - {title: First, time: "00:00", slots: *block}\n'
    body += "".join(f"  - {{title: Item {n}, slots: *block}}\n" for n in range(items))
    return head + body


def empty_items(size: int) -> str:
    """An agenda of `- {}`: two errors (no title, no time) per five bytes, the most problems per byte."""
    head = "timezone: Europe/Zurich\ndate: 2018-10-23\nagenda:\n"
    return fill(head, lambda n: "- {}\n", size)


def dense(size: int) -> str:
    """The most values YAML can put in `size` bytes: a flow list of one-letter strings."""
    head = "timezone: Europe/Zurich\ndate: 2018-10-23\nx: ["
    count = (size - len(head) - 2) // 2
    text = head + ",".join(["a"] * count) + "]\n"
    return text + " " * (size - len(text.encode()))


def ics(size: int) -> str:
    """Minute-long events back to back from 06:00 UTC: a day's worth, then the days after."""
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n"
    tail = "END:VCALENDAR\r\n"

    def event(n: int) -> str:
        start = datetime(2018, 10, 23, 6) + timedelta(minutes=n)
        return (
            f"BEGIN:VEVENT\r\nUID:e{n}@bench\r\nSUMMARY:Talk {n}\r\n"
            f"DTSTART:{start:%Y%m%dT%H%M%S}Z\r\nDURATION:PT1M\r\nEND:VEVENT\r\n"
        )

    def pad(n: int) -> str:
        return "X-PAD:" + "x" * (n - 8) + "\r\n"

    return fill(head, event, size - len(tail), pad) + tail


def cases() -> dict[str, Callable[[], str]]:
    limit = MAX_FILE_BYTES
    return {
        "baseline (seed schedule)": lambda: (ROOT / "schedules" / "sp-webinar-2018-10-23.yaml").read_text(),
        "alias bomb, 6 levels": lambda: bomb(6),
        "alias bomb, 9 levels": lambda: bomb(9),
        "alias bomb, 9 levels, 1 MB": lambda: bomb(9, pad_to=MB),
        "shared slots, at value bound": lambda: shared_slots((MAX_VALUES - 2_000) // 505, 100),
        "empty items, 1 MB": lambda: empty_items(MB),
        "broken items, 1 MB": lambda: fill(HEADER + "agenda:\n", broken_item, MB),
        "valid items, 1 MB": lambda: fill(HEADER + "agenda:\n", valid_item, MB),
        "valid items, at limit": lambda: fill(HEADER + "agenda:\n", valid_item, limit),
        "dense list, at limit": lambda: dense(limit),
        "one byte over limit": lambda: dense(limit + 1),
        "ics, 1 MB": lambda: ics(MB),
        "ics, at limit": lambda: ics(MAX_CALENDAR_BYTES),
    }


def _cap_memory() -> None:
    """A bomb that escapes must not take the machine down: the child gets MEMORY_CAP of address space."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def measure(name: str, text: str, folder: Path, runs: int) -> dict[str, object]:
    """The best wall and check times of `runs` fresh processes, and the largest peak RSS among them."""
    suffix = ".ics" if name.startswith("ics") else ".yaml"
    path = folder / f"case{suffix}"
    path.write_text(text, encoding="utf-8", newline="")
    best: dict[str, object] = {}
    for _ in range(runs):
        result = _run_once(path, folder / "output.txt")
        if "error" in result:
            return result
        if not best:
            best = result
        best["wall"] = min(float(best["wall"]), float(result["wall"]))  # type: ignore[arg-type]
        best["check"] = min(float(best["check"]), float(result["check"]))  # type: ignore[arg-type]
        best["rss"] = max(int(best["rss"]), int(result["rss"]))  # type: ignore[call-overload]
    return best


def _run_once(path: Path, output: Path) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    try:
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), str(output)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=TIMEOUT,
            preexec_fn=_cap_memory,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out ({TIMEOUT} s)", "wall": time.perf_counter() - started}
    wall = time.perf_counter() - started
    if child.returncode != 0:
        return {"error": (child.stderr.strip().splitlines() or ["?"])[-1], "wall": wall}
    result: dict[str, object] = json.loads(child.stdout)
    printed = output.read_text(encoding="utf-8", errors="replace").splitlines()
    last = printed[-1] if printed else ""
    result.update(wall=wall, size=path.stat().st_size, lines=len(printed), last=last)
    return result


def main() -> None:
    wanted = sys.argv[1:]
    print(f"limits: {MAX_FILE_BYTES:,} bytes, {MAX_VALUES:,} values; targets: wall < 2 s, peak RSS < 100 MB")
    print(f"{'case':30} {'bytes':>10} {'exit':>4} {'lines':>7} {'wall':>7} {'check':>7} {'rss':>8}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for case, make in cases().items():
            if wanted and not any(w in case for w in wanted):
                continue
            r = measure(case, make(), folder, RUNS)
            if "error" in r:
                print(f"{case:30} child failed after {r['wall']:.2f} s: {r['error']}")
                continue
            rss_mb = int(r["rss"]) / 2**20  # type: ignore[call-overload]
            print(
                f"{case:30} {r['size']:>10,} {r['code']:>4} {r['lines']:>7,} {r['wall']:>6.2f}s "
                f"{r['check']:>6.2f}s {rss_mb:>6.0f}MB"
            )
            print(f"{'':30}   {str(r['last'])[:100]}")


if __name__ == "__main__":
    main()
