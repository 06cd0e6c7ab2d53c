"""The schedules a `serve` process runs: every YAML and iCalendar file in one folder.

`defaults.yaml` (or `defaults.yml`) in the folder is not a webinar: it fills what each schedule
lacks (an `.ics` carries no channels or Slack ids), as `--defaults` does for one file. Hidden files
and editors' temporary files are passed over.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.runtime.watcher import Signature, signature

SCHEDULE_SUFFIXES = (".yaml", ".yml", ".ics")
DEFAULTS_NAMES = ("defaults.yaml", "defaults.yml")


@dataclass(frozen=True)
class ScheduleFile:
    path: Path
    defaults: Path | None

    def signature(self) -> Signature:
        """What changes when the file (or the folder's defaults) is saved again."""
        return signature([p for p in (self.path, self.defaults) if p is not None])


def defaults_of(folder: Path) -> Path | None:
    for name in DEFAULTS_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


def schedule_files(folder: Path) -> list[ScheduleFile]:
    """The folder's schedules, by name (an unreadable folder has none)."""
    defaults = defaults_of(folder)
    try:
        paths = sorted(folder.iterdir())
    except OSError:
        return []
    return [
        ScheduleFile(path, defaults)
        for path in paths
        if path.suffix.lower() in SCHEDULE_SUFFIXES
        and path.name not in DEFAULTS_NAMES
        and not path.name.startswith((".", "~", "#"))
        and path.is_file()
    ]
