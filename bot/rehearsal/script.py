"""A moderator's script for a rehearsal: controls played at agenda times.

    # rehearse a late speaker
    - {at: "14:10", do: start 2}
    - {at: "14:16:30", do: next}            # Behrendt ran 1.5 min over
    - {at: "14:32", do: delay 5, as: kulke}

or, one per line: `14:32 delay 5`. Times are the webinar's local wall-clock times on its day;
`as` names who plays it (a speaker key, user name or email; by default the first moderator).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path

from bot.agenda.durations import BadValue, parse_clock
from bot.agenda.localtime import NonexistentTime, local_instant
from bot.agenda.problems import ScheduleUnreadable
from bot.agenda.yamldoc import LDict, LList, YamlError, load_located
from bot.files import Unreadable, read_user_text
from bot.runtime.controls import ControlError, parse_control

_LINE = re.compile(r"^\s*(\d{1,2}[:.]\d{2}(?::\d{2})?)\s+(.+?)\s*$")


@dataclass(frozen=True)
class ScriptStep:
    at: datetime
    control: str
    actor: str | None
    line: int


def _step(
    when: str, control: str, actor: str | None, line: int, day: date, tz: tzinfo, file: str
) -> ScriptStep:
    try:
        instant, _ = local_instant(day, parse_clock(when), tz)
        parse_control(control)
    except (BadValue, NonexistentTime, ControlError) as exc:
        raise ScheduleUnreadable(file, f"script step '{when} {control}': {exc}", line) from exc
    return ScriptStep(instant, control, actor, line)


def load_script(path: Path, day: date, tz: tzinfo) -> list[ScriptStep]:
    file = str(path)
    text = read_user_text(path, "script")
    if isinstance(text, Unreadable):
        raise ScheduleUnreadable(text.path, text.message, text.line)
    steps: list[ScriptStep] = []
    try:
        doc, _ = load_located(text)
    except YamlError:
        doc = None
    if isinstance(doc, LList):
        for index, entry in enumerate(doc):
            line = doc.line_of(index)
            if isinstance(entry, LDict) and "at" in entry and "do" in entry:
                actor = entry.get("as")
                steps.append(
                    _step(
                        str(entry["at"]), str(entry["do"]), str(actor) if actor else None, line, day, tz, file
                    )
                )
            elif isinstance(entry, str) and _LINE.match(entry):
                match = _LINE.match(entry)
                assert match is not None
                steps.append(_step(match.group(1), match.group(2), None, line, day, tz, file))
            else:
                raise ScheduleUnreadable(
                    file, 'each step needs `at` and `do`, e.g. {at: "14:32", do: delay 5}', line
                )
    else:
        for number, raw in enumerate(text.splitlines(), start=1):
            content = raw.split("#", 1)[0].strip()
            if not content:
                continue
            match = _LINE.match(content)
            if not match:
                raise ScheduleUnreadable(
                    file, f"expected `HH:MM control`, such as `14:32 delay 5`, got {raw!r}", number
                )
            steps.append(_step(match.group(1), match.group(2), None, number, day, tz, file))
    return sorted(steps, key=lambda step: step.at)
