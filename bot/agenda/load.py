"""One entry point for every schedule source: YAML or iCalendar, with an optional defaults file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.agenda.header import Header, parse_header
from bot.agenda.problems import Problems
from bot.agenda.validate import validate
from bot.agenda.yaml_loader import LoadResult, load_yaml, read_yaml_mapping

ICS_SUFFIXES = (".ics", ".ical", ".ifb", ".icalendar")


def read_defaults(path: Path) -> tuple[Header, Problems]:
    """A `--defaults` YAML: the same top-level keys as a schedule, without the agenda."""
    doc = read_yaml_mapping(path, kind="defaults file")
    problems = Problems(str(path))
    header = parse_header(doc, problems)
    return header, problems


def load_schedule(
    path: Path,
    defaults_path: Path | None = None,
    day: date | None = None,
    templates: set[str] | None = None,
) -> LoadResult:
    """Load and validate a schedule; raises ScheduleUnreadable when the file cannot be read at all.

    Every problem goes through one collector, so the bound on problems kept holds for them all.
    """
    defaults: Header | None = None
    problems = Problems(str(path))
    if defaults_path is not None:
        defaults, defaults_problems = read_defaults(defaults_path)
        problems.extend(defaults_problems.items, defaults_problems.omitted)
    if path.suffix.lower() in ICS_SUFFIXES:
        from bot.agenda.ics_loader import load_ics

        result = load_ics(path, defaults=defaults, day=day)
    else:
        result = load_yaml(path, defaults=defaults)
        if day is not None:
            problems.warning("--date is ignored: it picks a day of an .ics calendar; a YAML file has `date:`")
    problems.extend(result.problems, result.omitted)
    if result.agenda is not None:
        validate(result.agenda, templates, problems)
    return LoadResult(result.agenda, problems.items, problems.omitted)
