"""`webinar-bot plan FILE [--json]`: the timeline, every cue with its instant, audience and text."""

from __future__ import annotations

import argparse
import json
import shutil
from datetime import datetime
from typing import Any

from bot.agenda.model import Agenda
from bot.commands.common import (
    EXIT_INVALID,
    EXIT_OK,
    add_database_argument,
    add_schedule_arguments,
    load_from_args,
    renderer_for,
    require_valid,
    speaker_answer_lines,
)
from bot.i18n.languages import CODES
from bot.messages.cues import render_cue
from bot.messages.render import Renderer
from bot.slack.writer import write
from bot.timeline.cue import Cue
from bot.timeline.planner import plan


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_schedule_arguments(parser)
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON array: id, at (ISO 8601 with offset), kind, audience, text",
    )
    parser.add_argument(
        "--language",
        choices=CODES,
        help="render the texts in this language (default: the schedule's `language`), for a reviewer",
    )
    add_database_argument(parser)


def run(args: argparse.Namespace) -> int:
    agenda = require_valid(load_from_args(args))
    if agenda is None:
        return EXIT_INVALID
    renderer = renderer_for(args, args.language or agenda.settings.language)
    cues = plan(agenda)
    if args.json:
        print(json.dumps(plan_json(agenda, cues, renderer), ensure_ascii=False, indent=2))
    else:
        print(plan_table(agenda, cues, renderer, shutil.get_terminal_size((120, 24)).columns))
        for line in speaker_answer_lines(agenda, args.db):
            print(line)
    return EXIT_OK


def plan_json(agenda: Agenda, cues: list[Cue], renderer: Renderer) -> list[dict[str, Any]]:
    return [
        {
            "id": cue.id,
            "at": cue.at.astimezone(agenda.tz).isoformat(),
            "kind": cue.kind.value,
            "audience": cue.audience,
            "text": write(render_cue(renderer, cue)).text,
        }
        for cue in cues
    ]


def _when(agenda: Agenda, at: datetime, previous_day: str | None) -> tuple[str, str]:
    local = at.astimezone(agenda.tz)
    day = f"{local:%a %d %b}"
    clock = f"{local:%H:%M:%S} {local.tzname()}"
    return (day if day != previous_day else "", clock)


def plan_table(agenda: Agenda, cues: list[Cue], renderer: Renderer, width: int = 120) -> str:
    start = agenda.start.astimezone(agenda.tz)
    lines = [
        f"{agenda.title}",
        f"{start:%A %d %B %Y}, {agenda.timezone} ({start.tzname()}); {len(cues)} cues",
        "",
    ]
    header = f"{'day':<10} {'time':<14} {'kind':<16} {'to':<20} message"
    lines.append(header)
    lines.append("-" * min(width, 160))
    previous_day: str | None = None
    room = max(width - len(header) + len("message"), 30)
    for cue in cues:
        day, clock = _when(agenda, cue.at, previous_day)
        previous_day = day or previous_day
        text = " ".join(render_cue(renderer, cue).plain.split())
        if len(text) > room:
            text = text[: room - 1] + "…"
        lines.append(f"{day:<10} {clock:<14} {cue.kind.value:<16} {cue.audience:<20} {text}")
    return "\n".join(lines)
