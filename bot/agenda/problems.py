"""Problems found in a schedule: errors as values, each pointing at a file, a line and an item.

A schedule written by hand is full of small mistakes; a moderator wants all of them at once, each
with a place to look, rather than the first one as a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    severity: Severity
    message: str
    file: str = ""
    line: int | None = None
    item: str = ""

    def __str__(self) -> str:
        where = self.file or "<schedule>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        about = f" {self.item}:" if self.item else ""
        return f"{where}: {self.severity.value}:{about} {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


class ScheduleUnreadable(Exception):
    """The file cannot be read or parsed at all (exit code 2): missing, not YAML, not iCalendar."""

    def __init__(self, file: str, message: str, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.message = message
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}")


class Problems:
    """Collects problems for one file while it is being read."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[Problem] = []

    def error(self, message: str, line: int | None = None, item: str = "") -> None:
        self.items.append(Problem(Severity.ERROR, message, self.file, line, item))

    def warning(self, message: str, line: int | None = None, item: str = "") -> None:
        self.items.append(Problem(Severity.WARNING, message, self.file, line, item))

    def extend(self, problems: list[Problem]) -> None:
        self.items.extend(problems)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.items)
