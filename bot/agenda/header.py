"""The top of a schedule: everything but the agenda itself.

YAML schedules, iCalendar files and `--defaults` files share these keys, so they are read once,
here, into a `Header` whose fields stay None when a key is absent; `Header.merged` lets a
defaults file fill what an .ics cannot carry (channels, speakers' Slack ids).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta, tzinfo
from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.agenda.durations import BadValue, parse_duration
from bot.agenda.model import (
    MODES,
    REMINDER_AUDIENCES,
    Channels,
    Connection,
    Registration,
    Reminder,
    Settings,
    Speaker,
    Translations,
)
from bot.agenda.problems import Problems
from bot.agenda.yamldoc import LDict, LList
from bot.i18n.languages import CODES as LANGUAGE_CODES
from bot.kinds import KIND_NAMES

TOP_LEVEL_KEYS = (
    "title",
    "timezone",
    "date",
    "connect_before",
    "reminders",
    "connection",
    "channels",
    "moderators",
    "speakers",
    "agenda",
    "warn_before",
    "overrun_after",
    "standby_before",
    "notify_after",
    "confirm_before",
    "checkin_before",
    "registration",
    "auto_shift",
    "vote_emoji",
    "workspace",
    "language",
    "languages",
    "mute",
    "description",
    "id",
)
CHANNEL_KEYS = ("announcements", "questions", "backstage")
SPEAKER_KEYS = ("name", "role", "email", "slack", "matrix", "confirmed", "tz", "title")
CONNECTION_KEYS = ("platform", "url", "guide_url", "details")
REMINDER_KEYS = ("before", "at", "template", "to")
REGISTRATION_KEYS = ("open", "closes_before", "modes", "venue", "requirements", "contacts")
CUE_KINDS = KIND_NAMES  # the names `mute:` accepts, from the one declaration of cue kinds
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
MATRIX_USER_ID = re.compile(r"^@[^:\s]+:[^\s]+$")
_TRUE = {"true", "yes", "on", "y", "1"}
_FALSE = {"false", "no", "off", "n", "0"}


class Suggestions:
    """Hints ("did you mean ...?") for one file: each answer worked out once, and only so many worked out.

    difflib takes tens of microseconds a word; a file of 20,000 items with one typo would ask 20,000
    times, and a hostile one of distinct unknown keys as often as it has keys (21,700 asks took 1.2 s
    of a 1 MB check). So answers are remembered, and past MAX_WORDS distinct words no more are
    worked out: their warnings stay, without a hint. One instance per file read, never shared.
    """

    MAX_WORDS: ClassVar[int] = 1_000

    def __init__(self) -> None:
        self._answers: dict[tuple[str, tuple[str, ...]], str | None] = {}

    def closest(self, word: str, known: tuple[str, ...]) -> str | None:
        asked = (word, known)
        if asked in self._answers:
            return self._answers[asked]
        if len(self._answers) >= self.MAX_WORDS:
            return None
        close = difflib.get_close_matches(word, known, n=1)
        answer = self._answers[asked] = close[0] if close else None
        return answer

    def hint(self, word: str, known: tuple[str, ...]) -> str:
        close = self.closest(word, known)
        return f" (did you mean '{close}'?)" if close else ""


def warn_unknown_keys(
    mapping: LDict,
    known: tuple[str, ...],
    problems: Problems,
    where: str,
    item: str = "",
    suggestions: Suggestions | None = None,
) -> None:
    """Unknown keys are warnings, with a suggestion when one is close to a known key."""
    for key in mapping:
        if key in known:
            continue
        suggestions = suggestions or Suggestions()
        hint = suggestions.hint(key, known)
        problems.warning(f"unknown key '{key}' in {where}{hint}", mapping.line_of(key), item)


def as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, LDict | LList | dict | list):
        return ""
    return str(value).strip()


def as_titles(value: object, problems: Problems, line: int, item: str = "") -> dict[str, str]:
    """A title as the schedule gives it: a plain string (`{"": text}`: every language), or one per
    language (`{en: ..., fr: ..., es: ...}`). A language the bot does not speak is a warning."""
    if not isinstance(value, LDict | dict):
        text = as_text(value)
        return {"": text} if text else {}
    found: dict[str, str] = {}
    for key, given in value.items():
        code = str(key).strip().lower()
        if code not in LANGUAGE_CODES:
            problems.warning(
                f"title in '{code}': the bot speaks {', '.join(LANGUAGE_CODES)}; that title is not shown",
                line,
                item,
            )
            continue
        if as_text(given):
            found[code] = as_text(given)
    return found


def pick_title(titles: dict[str, str], language: str) -> tuple[str, Translations]:
    """(the title in the webinar's `language`, or English, or the first given; the other languages')."""
    if not titles:
        return "", ()
    if "" in titles:
        return titles[""], ()
    primary = titles.get(language) or titles.get("en") or next(iter(titles.values()))
    return primary, tuple(sorted(titles.items()))


def as_bool(value: object) -> bool | None:
    text = as_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def as_list(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, list):
        return list(value)
    text = as_text(value)
    return [part.strip() for part in text.split(",") if part.strip()] if text else []


# City names people write that are not IANA zones, and the zone those cities keep. Geneva is the
# one the seed webinar was announced in ("Geneva time"); IANA files it under Europe/Zurich.
ZONE_ALIASES = {
    "Europe/Geneva": "Europe/Zurich",
    "Europe/Lausanne": "Europe/Zurich",
    "Europe/Frankfurt": "Europe/Berlin",
    "Europe/Milan": "Europe/Rome",
    "Europe/Barcelona": "Europe/Madrid",
    "Europe/Geneve": "Europe/Zurich",
    "America/Washington": "America/New_York",
    "America/San_Francisco": "America/Los_Angeles",
    "America/Rio_de_Janeiro": "America/Sao_Paulo",
    "Asia/Mumbai": "Asia/Kolkata",
    "Asia/Delhi": "Asia/Kolkata",
    "Asia/New_Delhi": "Asia/Kolkata",
    "Asia/Beijing": "Asia/Shanghai",
    "Africa/Pretoria": "Africa/Johannesburg",
    "Australia/Canberra": "Australia/Sydney",
}


def resolve_timezone(name: str) -> tuple[tzinfo, str, str | None]:
    """An IANA zone by name: (zone, canonical name, note); ValueError with a readable message.

    A well-known city that IANA files under another name (Europe/Geneva) is accepted, with a note.
    """
    name = name.strip()
    if not name or name.startswith(("/", ".")) or ".." in name or "\\" in name:
        raise ValueError(f"unknown time zone '{name}' (use an IANA name such as Europe/Zurich)")
    alias = ZONE_ALIASES.get(name)
    if alias is not None:
        return ZoneInfo(alias), alias, f"'{name}' is not an IANA time zone; using {alias}, the zone it keeps"
    try:
        return ZoneInfo(name), name, None
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        close = difflib.get_close_matches(name, sorted(available_timezones()), n=1, cutoff=0.8)
        hint = f" (did you mean '{close[0]}'?)" if close else " (use an IANA name such as Europe/Zurich)"
        raise ValueError(f"unknown time zone '{name}'{hint}") from exc


@dataclass
class Header:
    """Top-level schedule keys; None where the file did not say."""

    title: str | None = None
    titles: dict[str, str] | None = None  # the title as given: one string, or one per language
    description: str | None = None
    timezone: str | None = None
    tz: tzinfo | None = None
    date: date | None = None
    connect_before: timedelta | None = None
    reminders: tuple[Reminder, ...] | None = None
    connection: Connection | None = None
    channels: dict[str, str] = field(default_factory=dict)
    moderators: tuple[str, ...] | None = None
    speakers: dict[str, Speaker] = field(default_factory=dict)
    settings: dict[str, object] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    reminder_ats: dict[int, str] = field(default_factory=dict)  # absolute reminders, resolved with tz
    registration: Registration | None = None

    def merged(self, defaults: Header) -> Header:
        """This header, with anything it leaves unsaid taken from `defaults`.

        What comes from the defaults file loses its line numbers: problems are reported against the
        schedule file, and a line of another file would point at the wrong place.
        """
        speakers = {key: replace(s, line=None) for key, s in defaults.speakers.items()}
        speakers.update(self.speakers)
        channels = dict(defaults.channels)
        channels.update(self.channels)
        settings = dict(defaults.settings)
        settings.update(self.settings)
        names = (
            "title",
            "titles",
            "description",
            "timezone",
            "tz",
            "date",
            "connect_before",
            "connection",
            "moderators",
            "registration",
        )
        pick = {
            name: getattr(self, name) if getattr(self, name) is not None else getattr(defaults, name)
            for name in names
        }
        reminders, reminder_ats = self.reminders, self.reminder_ats
        if reminders is None and defaults.reminders is not None:
            reminders = tuple(replace(r, line=None) for r in defaults.reminders)
            reminder_ats = dict(defaults.reminder_ats)
        return replace(
            self,
            speakers=speakers,
            channels=channels,
            settings=settings,
            reminders=reminders,
            reminder_ats=reminder_ats,
            **pick,
        )

    def channels_value(self) -> Channels | None:
        if all(self.channels.get(k) for k in CHANNEL_KEYS):
            return Channels(*(self.channels[k] for k in CHANNEL_KEYS))
        return None

    def settings_value(self) -> Settings:
        return Settings(**self.settings)  # type: ignore[arg-type]


def parse_header(doc: LDict, problems: Problems) -> Header:
    """Read every top-level key but `agenda`, reporting problems with their lines."""
    header = Header()
    header.lines = {key: doc.line_of(key) for key in doc}
    hints = Suggestions()
    warn_unknown_keys(doc, TOP_LEVEL_KEYS, problems, "the schedule", suggestions=hints)
    if "title" in doc:
        header.titles = as_titles(doc["title"], problems, doc.line_of("title")) or None
        header.title = pick_title(header.titles or {}, "en")[0] or None
    if "description" in doc:
        header.description = as_text(doc["description"])
    if "timezone" in doc:
        _parse_timezone(doc, header, problems)
    if "date" in doc:
        header.date = _parse_date(doc["date"], problems, doc.line_of("date"))
    if "connect_before" in doc:
        header.connect_before = _duration(doc, "connect_before", problems)
    if "reminders" in doc:
        line = doc.line_of("reminders")
        header.reminders = _parse_reminders(doc["reminders"], header, problems, line, hints)
    if "connection" in doc:
        header.connection = _parse_connection(doc["connection"], problems, doc.line_of("connection"))
    if "channels" in doc:
        header.channels = _parse_channels(doc["channels"], problems, doc.line_of("channels"))
    if "speakers" in doc:
        header.speakers = _parse_speakers(doc["speakers"], problems, doc.line_of("speakers"), hints)
    if "moderators" in doc:
        header.moderators = tuple(as_text(m) for m in as_list(doc["moderators"]) if as_text(m))
    if "registration" in doc:
        header.registration = _parse_registration(doc["registration"], problems, doc.line_of("registration"))
    _parse_settings(doc, header, problems, hints)
    return header


def _parse_registration(value: object, problems: Problems, line: int) -> Registration | None:
    if value is None:
        return Registration()
    if not isinstance(value, LDict):
        flag = as_bool(value)
        if flag is None:
            problems.error("registration must be a mapping such as {open: true, modes: [online]}", line)
            return None
        return Registration(open=flag)
    warn_unknown_keys(value, REGISTRATION_KEYS, problems, "registration")
    fields: dict[str, object] = {}
    if "open" in value:
        flag = as_bool(value["open"])
        if flag is None:
            problems.error("registration: open must be true or false", value.line_of("open"))
        else:
            fields["open"] = flag
    if "closes_before" in value:
        closes = _duration(value, "closes_before", problems, "registration")
        if closes is not None:
            fields["closes_before"] = closes
    if "modes" in value:
        modes = tuple(as_text(m).replace("-", "_").replace(" ", "_").lower() for m in as_list(value["modes"]))
        unknown = [m for m in modes if m not in MODES]
        if unknown or not modes:
            problems.error(
                f"registration: modes must be some of {', '.join(MODES)}"
                + (f", not {', '.join(repr(m) for m in unknown)}" if unknown else ""),
                value.line_of("modes"),
            )
        fields["modes"] = tuple(dict.fromkeys(m for m in modes if m in MODES)) or MODES
    for key in ("venue", "requirements"):
        if key in value:
            fields[key] = as_text(value[key])
    if "contacts" in value:
        contacts = tuple(as_text(c) for c in as_list(value["contacts"]) if as_text(c))
        for contact in contacts:
            if not EMAIL.match(contact):
                problems.warning(
                    f"registration: contact '{contact}' is not an email address", value.line_of("contacts")
                )
        fields["contacts"] = contacts
    return Registration(**fields)  # type: ignore[arg-type]


def _parse_timezone(doc: LDict, header: Header, problems: Problems) -> None:
    name = as_text(doc["timezone"])
    try:
        header.tz, header.timezone, note = resolve_timezone(name)
    except ValueError as exc:
        problems.error(str(exc), doc.line_of("timezone"))
        return
    if note:
        problems.warning(note, doc.line_of("timezone"))


EARLIEST = date(1971, 1, 1)
LATEST = date(2199, 12, 31)


def parse_day(text: str) -> date:
    """An ISO date within the years a webinar can be (Slack counts time from 1970)."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"expected a date like 2018-10-23, got '{text}'") from exc
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"date {day.isoformat()} is out of range ({EARLIEST.year}-{LATEST.year})")
    return day


def _parse_date(value: object, problems: Problems, line: int) -> date | None:
    try:
        return parse_day(as_text(value))
    except ValueError as exc:
        problems.error(str(exc), line)
        return None


def _duration(doc: LDict, key: str, problems: Problems, item: str = "") -> timedelta | None:
    try:
        return parse_duration(doc[key])
    except BadValue as exc:
        problems.error(f"{key}: {exc}", doc.line_of(key), item)
        return None


def _parse_reminders(
    value: object, header: Header, problems: Problems, line: int, hints: Suggestions
) -> tuple[Reminder, ...]:
    if value is None:
        return ()
    if not isinstance(value, LList):
        problems.error("reminders must be a list of {before: 7d, template: name}", line)
        return ()
    reminders: list[Reminder] = []
    for index, entry in enumerate(value):
        entry_line = value.line_of(index)
        label = f"reminder {index + 1}"
        if not isinstance(entry, LDict):
            problems.error("each reminder needs 'before' (or 'at') and 'template'", entry_line, label)
            continue
        warn_unknown_keys(entry, REMINDER_KEYS, problems, "a reminder", label, hints)
        template = as_text(entry.get("template"))
        if not template:
            problems.error("a reminder needs a 'template'", entry_line, label)
            continue
        to = as_text(entry.get("to")).replace("-", "_").lower() or "channel"
        if to not in REMINDER_AUDIENCES:
            problems.error(
                f"a reminder's 'to' is one of {', '.join(REMINDER_AUDIENCES)}, not '{to}'",
                entry.line_of("to"),
                label,
            )
            to = "channel"
        if "at" in entry:
            header.reminder_ats[len(reminders)] = as_text(entry["at"])
            reminders.append(Reminder(template, timedelta(0), entry_line, to=to))
            continue
        if "before" not in entry:
            problems.error("a reminder needs 'before' (such as 7d or 30m) or 'at'", entry_line, label)
            continue
        before = _duration(entry, "before", problems, label)
        if before is not None:
            reminders.append(Reminder(template, before, entry_line, to=to))
    return tuple(reminders)


def _parse_connection(value: object, problems: Problems, line: int) -> Connection | None:
    if value is None:
        return None
    if not isinstance(value, LDict):
        text = as_text(value)
        return Connection(url=text) if text else None
    warn_unknown_keys(value, CONNECTION_KEYS, problems, "connection")
    return Connection(**{key: as_text(value.get(key)) for key in CONNECTION_KEYS})


def _parse_channels(value: object, problems: Problems, line: int) -> dict[str, str]:
    if not isinstance(value, LDict):
        problems.error("channels must map announcements, questions and backstage to channel names", line)
        return {}
    warn_unknown_keys(value, CHANNEL_KEYS, problems, "channels")
    channels = {}
    for key in CHANNEL_KEYS:
        name = as_text(value.get(key)).lstrip("#")
        if name:
            channels[key] = name
    return channels


def _parse_speakers(value: object, problems: Problems, line: int, hints: Suggestions) -> dict[str, Speaker]:
    if value is None:
        return {}
    if not isinstance(value, LDict):
        problems.error("speakers must map a key to {name, role, email, slack, matrix, confirmed}", line)
        return {}
    speakers = {}
    for key, entry in value.items():
        entry_line = value.line_of(key)
        label = f"speaker '{key}'"
        if entry is None or not isinstance(entry, LDict):
            name = as_text(entry)
            speakers[key] = Speaker(key=key, name=name or key, line=entry_line)
            continue
        warn_unknown_keys(entry, SPEAKER_KEYS, problems, label, label, hints)
        confirmed = True
        if "confirmed" in entry:
            flag = as_bool(entry["confirmed"])
            if flag is None:
                problems.error("confirmed must be true or false", entry.line_of("confirmed"), label)
            else:
                confirmed = flag
        email = as_text(entry.get("email")) or None
        if email and not EMAIL.match(email):
            problems.error(f"'{email}' is not an email address", entry.line_of("email"), label)
            email = None
        slack = as_text(entry.get("slack")).lstrip("@") or None
        matrix = as_text(entry.get("matrix")) or None
        if matrix and not MATRIX_USER_ID.match(matrix):
            problems.error(
                f"matrix: '{matrix}' is not a Matrix user id (such as @astor:example.org)",
                entry.line_of("matrix"),
                label,
            )
            matrix = None
        speakers[key] = Speaker(
            key=key,
            name=as_text(entry.get("name")) or key,
            role=as_text(entry.get("role")),
            email=email,
            slack=slack,
            matrix=matrix,
            confirmed=confirmed,
            line=entry_line,
        )
    return speakers


def _parse_settings(doc: LDict, header: Header, problems: Problems, hints: Suggestions) -> None:
    for key in (
        "warn_before",
        "overrun_after",
        "standby_before",
        "notify_after",
        "confirm_before",
        "checkin_before",
    ):
        if key in doc:
            value = _duration(doc, key, problems)
            if value is not None:
                if value < timedelta(0):
                    problems.error(f"{key} cannot be negative", doc.line_of(key))
                else:
                    header.settings[key] = value
    if "auto_shift" in doc:
        flag = as_bool(doc["auto_shift"])
        if flag is None:
            problems.error("auto_shift must be true or false", doc.line_of("auto_shift"))
        else:
            header.settings["auto_shift"] = flag
    if "vote_emoji" in doc:
        emoji = as_text(doc["vote_emoji"]).strip(":")
        if emoji:
            header.settings["vote_emoji"] = emoji
    if "workspace" in doc:
        workspace = as_text(doc["workspace"]).strip()
        if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", workspace):
            header.settings["workspace"] = workspace
        else:
            problems.error(
                "workspace: give the Slack workspace's team id (T0123ABCD) or its domain (example in "
                "example.slack.com)",
                doc.line_of("workspace"),
            )
    if "language" in doc:
        code = as_text(doc["language"]).lower() or "en"
        if code in LANGUAGE_CODES:
            header.settings["language"] = code
        else:
            problems.error(
                f"language '{code}': the bot speaks {', '.join(LANGUAGE_CODES)}", doc.line_of("language")
            )
    if "languages" in doc:
        codes = [as_text(v).lower() for v in as_list(doc["languages"]) if as_text(v)]
        unknown = [c for c in codes if c not in LANGUAGE_CODES]
        if unknown:
            problems.error(
                f"languages: the bot speaks {', '.join(LANGUAGE_CODES)}, not {', '.join(unknown)}",
                doc.line_of("languages"),
            )
        header.settings["languages"] = tuple(dict.fromkeys(c for c in codes if c in LANGUAGE_CODES))
    if "mute" in doc:
        header.settings["mute"] = parse_mute(doc["mute"], problems, doc.line_of("mute"), "", hints)


def parse_mute(
    value: object, problems: Problems, line: int, item: str = "", suggestions: Suggestions | None = None
) -> frozenset[str]:
    kinds = frozenset(as_text(v) for v in as_list(value) if as_text(v))
    for kind in sorted(kinds - set(CUE_KINDS)):
        suggestions = suggestions or Suggestions()
        hint = suggestions.hint(kind, CUE_KINDS)
        problems.error(f"cannot mute unknown cue kind '{kind}'{hint}", line, item)
    return kinds & set(CUE_KINDS)
