"""`webinar-bot localslack`: run the stand-in in the foreground for any Slack client to use.

It first prints, in `.env` form, what a client needs (API URL, tokens, signing secret), then one line
per call or event as they happen, until Ctrl-C.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TextIO

from bot.localslack.server import LocalSlack
from bot.localslack.transcript import Entry


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=0, help="HTTP port on 127.0.0.1 (default: a free one)")
    parser.add_argument(
        "--workspace", type=Path, help="YAML or JSON workspace (users, channels) to start from"
    )
    parser.add_argument("--transcript", type=Path, help="append every call and event to this JSONL file")
    parser.add_argument("--no-rate-limits", action="store_true", help="do not enforce Slack's rate limits")


def describe(entry: Entry) -> str:
    """One short line for the console (no arguments: they may be long, and are in the transcript)."""
    outcome = "ok" if entry.ok else (entry.error or ("-" if entry.ok is None else "failed"))
    where = f" {entry.channel}" if entry.channel else ""
    return f"{entry.agenda[11:19]} {entry.kind:<8} {entry.name}{where} {outcome}"


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    stream = out or sys.stdout
    try:
        slack = LocalSlack(
            port=args.port,
            workspace=args.workspace,
            transcript_path=args.transcript,
            rate_limits=not getattr(args, "no_rate_limits", False),
        )
    except (OSError, ValueError) as error:
        print(f"localslack: {error}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = (
        signal.signal(signal.SIGTERM, on_signal)
        if threading.current_thread() is threading.main_thread()
        else None
    )
    try:
        slack.start()
    except OSError as error:
        print(f"localslack: cannot listen: {error}", file=sys.stderr)
        return 2
    try:
        for name, value in slack.env().items():
            print(f"{name}={value}", file=stream)
        print(
            f"# Socket Mode via apps.connections.open; {len(slack.workspace.humans())} users, "
            f"{len(slack.workspace.channels)} channels. Ctrl-C to stop.",
            file=stream,
        )
        stream.flush()

        def show(entry: Entry) -> None:
            print(describe(entry), file=stream, flush=True)

        slack.transcript.add_listener(show)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        slack.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.localslack", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))
