"""Plan a generated 2,000-item schedule and print how long each stage takes (target: plan < 1 s).

    python bench/bench_plan.py [ITEMS]

Rendering is measured twice: in English alone, and as the bot renders for `languages: [en, fr, es]`
(announcements and thread openings in the three languages, one message; the rest in one).

Each item is a 15-minute block with one thematic session (two 5-minute speakers and a discussion),
so 2,000 items make ~24,000 cues over three weeks. Figures are the best of 5 runs on this machine.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from bot.agenda.load import load_schedule
from bot.messages.cues import render_cue, together
from bot.messages.render import Renderer
from bot.people.languages import MULTILINGUAL_AUDIENCES
from bot.timeline.adjustments import Adjustments
from bot.timeline.planner import plan


def generate(items: int) -> str:
    lines = [
        "title: Generated marathon",
        "timezone: Europe/Zurich",
        "date: 2018-10-23",
        "channels: {announcements: a, questions: q, backstage: b}",
        "moderators: [s0]",
        "speakers:",
    ]
    lines += [f"  s{n}: {{name: Speaker {n}, slack: U{n:07d}}}" for n in range(50)]
    lines.append("agenda:")
    for n in range(items):
        time_key = '    time: "08:00"\n' if n == 0 else ""
        lines.append(
            f"  - title: Block {n}\n{time_key}    duration: 15m\n    sessions:\n"
            f"      - title: Session {n}\n        slots:\n"
            f"          - {{speaker: s{n % 50}, minutes: 5}}\n"
            f"          - {{speaker: s{(n + 1) % 50}, minutes: 4}}\n"
            f"          - {{discussion: 6}}"
        )
    return "\n".join(lines) + "\n"


def best_of(runs: int, fn: object) -> tuple[float, object]:
    best = float("inf")
    result: object = None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    items = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.yaml"
        path.write_text(generate(items))
        load_s, result = best_of(5, lambda: load_schedule(path))
    agenda = result.agenda  # type: ignore[attr-defined]
    assert agenda is not None, result.problems  # type: ignore[attr-defined]
    plan_s, cues = best_of(5, lambda: plan(agenda))
    first = cues[0].at  # type: ignore[index]
    replan_s, _ = best_of(
        5, lambda: plan(agenda, Adjustments().with_delay(first, __import__("datetime").timedelta(minutes=5)))
    )
    renderer = Renderer()
    render_s, _ = best_of(3, lambda: [render_cue(renderer, c) for c in cues])  # type: ignore[attr-defined]
    renderers = {code: Renderer(language=code) for code in ("en", "fr", "es")}

    def render_three() -> None:
        for cue in cues:  # type: ignore[attr-defined]
            codes = ("en", "fr", "es") if cue.audience in MULTILINGUAL_AUDIENCES else ("en",)
            messages = [render_cue(renderers[code], cue) for code in codes]
            together(messages) if len(messages) > 1 else messages[0]

    three_s, _ = best_of(3, render_three)
    count = len(cues)  # type: ignore[arg-type]
    shared = sum(1 for c in cues if c.audience in MULTILINGUAL_AUDIENCES)  # type: ignore[attr-defined]
    print(f"items: {items}, cues: {count} ({shared} announcements and thread openings)")
    print(f"load + validate: {load_s * 1000:8.1f} ms")
    print(f"plan:            {plan_s * 1000:8.1f} ms   (target < 1000 ms)")
    print(f"re-plan (delay): {replan_s * 1000:8.1f} ms")
    for label, seconds in (("en", render_s), ("[en, fr, es]", three_s)):
        per_cue = seconds / count * 1e6
        print(f"render all cues, {label:13} {seconds * 1000:8.1f} ms  ({per_cue:6.1f} us a cue)")
    print(f"load+plan+render:{(load_s + plan_s + render_s) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
