"""Problems found in a schedule: errors as values, each pointing at a file, a line and an item.

A schedule written by hand is full of small mistakes; a moderator wants all of them at once, each
with a place to look, rather than the first one as a traceback. But not 48,646 of one kind: past
the first few of a kind, problems are counted rather than kept or shown.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

# What varies between problems of one kind: quoted values ('ghost', "Item 7") and numbers (14:20, 5).
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_NUMBER = re.compile(r"\d+")


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
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

    @property
    def kind(self) -> str:
        """`error: unknown key '…' in a slot`: see kind_of."""
        return kind_of(self.severity, self.message)


def kind_of(severity: Severity, message: str) -> str:
    """The severity and the message with what varies between occurrences blanked.

    Problems of one kind say the same thing about different items (48,000 undefined speakers);
    the quoted values and the numbers (times, counts, positions) are what tells them apart.
    """
    return f"{severity.value}: " + _NUMBER.sub("N", _QUOTED.sub("'…'", message))


class ScheduleUnreadable(Exception):
    """The file cannot be read or parsed at all (exit code 2): missing, not YAML, not iCalendar."""

    def __init__(self, file: str, message: str, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.message = message
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Omitted:
    """Problems not kept: `count` more of one kind (None: of kinds past MAX_KINDS) in one file."""

    file: str
    severity: Severity
    kind: str | None
    count: int

    def __str__(self) -> str:
        where = self.file or "<schedule>"
        if self.kind is None:
            noun = self.severity.value if self.count == 1 else f"{self.severity.value}s"
            return f"{where}: … and {self.count:,} more {noun} of other kinds"
        noun = "problem" if self.count == 1 else "problems"
        return f"{where}: … and {self.count:,} more {noun} like that ({self.kind})"


class Problems:
    """Collects problems for one file while it is being read, keeping a bounded number of them.

    A hostile or broken file can have a problem for every few bytes (400,000 in a megabyte of `- {}`),
    and each costs some 400 bytes held: so only the first KEEP_PER_KIND of each kind are kept (as
    many as `check` shows), and of at most MAX_KINDS kinds; the others are counted, by kind, in
    `omitted`, so that the totals stay true and memory stays bounded whatever the file.
    """

    KEEP_PER_KIND: ClassVar[int] = 50
    MAX_KINDS: ClassVar[int] = 200
    MAX_MESSAGES: ClassVar[int] = 1_000  # messages whose kind is remembered (most are constants)

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[Problem] = []
        self._kept: Counter[str] = Counter()  # by kind (which carries the severity)
        self._omitted: Counter[tuple[str, Severity, str | None]] = Counter()
        self._kinds: dict[tuple[Severity, str], str] = {}

    def error(self, message: str, line: int | None = None, item: str = "") -> None:
        self._note(Severity.ERROR, message, self.file, line, item)

    def warning(self, message: str, line: int | None = None, item: str = "") -> None:
        self._note(Severity.WARNING, message, self.file, line, item)

    def add(self, problem: Problem) -> None:
        self._note(problem.severity, problem.message, problem.file, problem.line, problem.item, problem)

    def _note(
        self,
        severity: Severity,
        message: str,
        file: str,
        line: int | None,
        item: str,
        problem: Problem | None = None,
    ) -> None:
        """Keep the problem, or only count it; a Problem is built only when it is kept."""
        asked = (severity, message)
        kind = self._kinds.get(asked)
        if kind is None:
            kind = kind_of(severity, message)
            if len(self._kinds) < self.MAX_MESSAGES:
                self._kinds[asked] = kind
        kept = self._kept.get(kind)
        if kept is None and len(self._kept) >= self.MAX_KINDS:
            self._omitted[(file, severity, None)] += 1
        elif kept is not None and kept >= self.KEEP_PER_KIND:
            self._omitted[(file, severity, kind)] += 1
        else:
            self._kept[kind] = (kept or 0) + 1
            self.items.append(problem or Problem(severity, message, file, line, item))

    def extend(self, problems: Iterable[Problem], omitted: Iterable[Omitted] = ()) -> None:
        """Take in problems collected elsewhere (another file's, validation's) and their omitted counts."""
        for problem in problems:
            self.add(problem)
        for more in omitted:
            self._omitted[(more.file, more.severity, more.kind)] += more.count

    @property
    def omitted(self) -> tuple[Omitted, ...]:
        return tuple(Omitted(file, severity, kind, n) for (file, severity, kind), n in self._omitted.items())

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.items)


def count(problems: Iterable[Problem], omitted: Iterable[Omitted] = ()) -> tuple[int, int]:
    """(errors, warnings), kept and omitted alike: the totals a summary states."""
    errors = warnings = 0
    for problem in problems:
        if problem.is_error:
            errors += 1
        else:
            warnings += 1
    for more in omitted:
        if more.severity is Severity.ERROR:
            errors += more.count
        else:
            warnings += more.count
    return errors, warnings


def capped(
    problems: Iterable[Problem], per_kind: int, omitted: Iterable[Omitted] = ()
) -> Iterator[Problem | Omitted]:
    """Problems in order, at most `per_kind` of each kind, then one Omitted line for the rest of it.

    The Omitted comes right after the last problem shown of its kind, so it stands next to what it
    counts; it adds the problems never kept (`omitted`) to those over `per_kind` here. Omitted of
    kinds not shown at all (past Problems.MAX_KINDS) come last. A file with tens of thousands of
    broken items is then a screenful, not 48,646 lines.
    """
    listed = list(problems)
    canonical: dict[str, str] = {}
    kinds = [canonical.setdefault(p.kind, p.kind) for p in listed]  # one string per kind, not per problem
    totals: Counter[tuple[str, str]] = Counter()
    for problem, kind in zip(listed, kinds, strict=True):
        totals[(problem.file, kind)] += 1
    extra: Counter[tuple[str, str]] = Counter()
    unshown: list[Omitted] = []
    for more in omitted:
        if more.kind is not None and (more.file, more.kind) in totals:
            extra[(more.file, more.kind)] += more.count
        else:
            unshown.append(more)
    shown: Counter[tuple[str, str]] = Counter()
    for problem, kind in zip(listed, kinds, strict=True):
        key = (problem.file, kind)
        shown[key] += 1
        if shown[key] <= per_kind:
            yield problem
        rest = totals[key] - per_kind + extra[key]
        if shown[key] == min(per_kind, totals[key]) and rest > 0:
            yield Omitted(problem.file, problem.severity, kind, rest)
    yield from unshown
