"""Cue latency of the seed webinar on Synapse beside the Slack stand-in, in the same run.

    python bench/bench_matrix_cue_latency.py [--speed 60] [--schedule schedules/sp-webinar-2018-10-23.yaml]

Two rehearsals one after the other, in this process: on the local Slack stand-in, then on a Synapse of
the rehearsal's own (needs `matrix-synapse`). Latency is each cue's planned instant to the platform's
receipt of its post (the stand-in's transcript; Synapse's `origin_server_ts`, read through the scaled
clock), in real milliseconds. Synapse's figure includes its own cost of storing an event (SQLite, on
this machine). Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.rehearsal.on_matrix import rehearse_on_matrix  # noqa: E402
from bot.rehearsal.run import RehearsalOptions, rehearse  # noqa: E402
from bot.rehearsal.summary import Summary  # noqa: E402


def figures(name: str, summary: Summary, speed: float) -> str:
    real = sorted(seconds / speed * 1000 for seconds in summary.latencies)
    if not real:
        return f"{name}: no cue posted"
    p50 = statistics.median(real)
    p99 = real[min(len(real) - 1, round(0.99 * (len(real) - 1)))]
    return (
        f"{name:>8}: {len(real)} cues, latency p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {real[-1]:.1f} ms; "
        f"missing {summary.missing}, duplicated {summary.duplicated}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--speed", type=float, default=60.0)
    parser.add_argument("--schedule", type=Path, default=ROOT / "schedules" / "sp-webinar-2018-10-23.yaml")
    args = parser.parse_args()
    options = RehearsalOptions(schedule=args.schedule, speed=args.speed, quiet=True)
    slack = rehearse(options, io.StringIO()).summary
    print(figures("slack", slack, args.speed), flush=True)
    matrix = rehearse_on_matrix(options, Settings(), io.StringIO()).summary
    print(figures("matrix", matrix, args.speed))


if __name__ == "__main__":
    main()
