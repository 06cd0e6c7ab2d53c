"""Read a YAML schedule into an `Agenda`, resolving every wall-clock time to an instant.

Rules (from the schedule format): slots in a session, and sessions in a block, run back to back
from the block's start unless a slot or session gives its own `time`; time left at the end of a
block is buffer; the next block starts at its own `time` (or, without one, right after the
previous block). Structural problems are collected with their lines; the agenda is still built
as far as it can be, so `check` can report everything at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path

from bot.agenda.durations import BadValue, format_duration, parse_duration, parse_time_range
from bot.agenda.header import (
    Header,
    Suggestions,
    as_list,
    as_text,
    as_titles,
    parse_day,
    parse_header,
    parse_mute,
    pick_title,
    warn_unknown_keys,
)
from bot.agenda.keys import KeyMaker, slugify
from bot.agenda.localtime import NonexistentTime, local_instant
from bot.agenda.model import (
    DISCUSSION,
    Agenda,
    Item,
    Registration,
    Reminder,
    Session,
    Slot,
    SlotKind,
    Translations,
)
from bot.agenda.problems import Omitted, Problem, Problems, ScheduleUnreadable
from bot.agenda.yamldoc import LDict, LList, YamlError, YamlTooBig, empty_list, load_located
from bot.files import MAX_FILE_BYTES, Unreadable, read_user_text

ITEM_KEYS = (
    "time",
    "title",
    "id",
    "date",
    "duration",
    "minutes",
    "speakers",
    "sessions",
    "slots",
    "description",
    "mute",
    "warn_before",
)
SESSION_KEYS = ("title", "id", "time", "duration", "minutes", "slots", "mute", "description", "warn_before")
SLOT_KEYS = ("speaker", "discussion", "title", "minutes", "duration", "time", "id", "warn_before")
DEFAULT_REMINDERS = ("connection_guide", timedelta(days=7))


@dataclass
class LoadResult:
    """An agenda (None when nothing usable could be built) and the problems found on the way.

    `problems` holds the first few of each kind (see Problems); `omitted` counts the others, so
    that `count(result.problems, result.omitted)` is every problem found.
    """

    agenda: Agenda | None
    problems: list[Problem] = field(default_factory=list)
    omitted: tuple[Omitted, ...] = ()

    @property
    def ok(self) -> bool:
        return self.agenda is not None and not any(p.is_error for p in self.problems)


def read_text(path: Path, kind: str = "schedule file", limit: int = MAX_FILE_BYTES) -> str:
    """A schedule's (or defaults file's, or calendar's) text, read within bot.files' size limit.

    ScheduleUnreadable (exit code 2) when it is missing, too big or not UTF-8.
    """
    text = read_user_text(path, kind, limit)
    if isinstance(text, Unreadable):
        raise ScheduleUnreadable(text.path, text.message, text.line)
    return text


def read_yaml_mapping(path: Path, text: str | None = None, kind: str = "schedule file") -> LDict:
    """The top-level mapping of a YAML file; ScheduleUnreadable if it is not one."""
    file = str(path)
    source = read_text(path, kind) if text is None else text
    try:
        doc, duplicates = load_located(source)
    except YamlTooBig as exc:
        raise ScheduleUnreadable(file, f"refused: {exc.message}", exc.line) from exc
    except YamlError as exc:
        raise ScheduleUnreadable(file, f"not valid YAML: {exc.message}", exc.line) from exc
    if not isinstance(doc, LDict):
        raise ScheduleUnreadable(file, "a schedule must be a YAML mapping (title:, timezone:, agenda: ...)")
    if duplicates:
        dup = duplicates[0]
        raise ScheduleUnreadable(
            file, f"key '{dup.key}' appears twice (first on line {dup.first_line})", dup.line
        )
    return doc


def load_yaml(path: Path, text: str | None = None, defaults: Header | None = None) -> LoadResult:
    """Load a YAML schedule file (or its `text`)."""
    file = str(path)
    doc = read_yaml_mapping(path, text)
    problems = Problems(file)
    header = parse_header(doc, problems)
    if defaults is not None:
        header = header.merged(defaults)
    if header.tz is None and "timezone" not in doc and not (defaults and defaults.tz):
        problems.error("'timezone' is required (an IANA name such as Europe/Zurich)", doc.line)
    if header.date is None and "date" not in doc and not (defaults and defaults.date):
        problems.error("'date' is required (such as 2018-10-23)", doc.line)
    if "agenda" not in doc:
        problems.error("'agenda' is missing: a schedule needs at least one item", doc.line)
    if header.tz is None or header.date is None:
        return LoadResult(None, problems.items, problems.omitted)
    raw_items = doc.get("agenda")
    if raw_items is not None and not isinstance(raw_items, LList):
        problems.error("'agenda' must be a list of items", doc.line_of("agenda"))
        raw_items = None
    language = str(header.settings.get("language", "en"))
    items = AgendaReader(header.tz, header.date, problems, language).items(raw_items or empty_list())
    if not items:
        if "agenda" in doc:
            problems.error("the agenda has no usable items", doc.line_of("agenda"))
        return LoadResult(None, problems.items, problems.omitted)
    agenda = build_agenda(header, tuple(items), problems, file)
    return LoadResult(agenda, problems.items, problems.omitted)


def build_agenda(header: Header, items: tuple[Item, ...], problems: Problems, source: str) -> Agenda:
    """Assemble the agenda from a header and resolved items (shared by the YAML and .ics loaders)."""
    assert header.tz is not None and header.timezone is not None
    start = min(item.start for item in items)
    connect_before = header.connect_before if header.connect_before is not None else timedelta(minutes=30)
    reminders = header.reminders
    if reminders is None:
        reminders = default_reminders(connect_before, header.registration)
    reminders = _resolve_reminder_instants(reminders, header, problems)
    day = header.date or start.astimezone(header.tz).date()
    title, title_l10n = pick_title(header.titles or {}, str(header.settings.get("language", "en")))
    return Agenda(
        title=title or header.title or "Webinar",
        title_l10n=title_l10n,
        timezone=header.timezone,
        tz=header.tz,
        date=day,
        items=number_sessions(items),
        speakers=header.speakers,
        moderators=header.moderators or (),
        reminders=reminders,
        connect_before=connect_before,
        connection=header.connection,
        channels=header.channels_value(),
        settings=header.settings_value(),
        registration=header.registration,
        source=source,
        lines=header.lines,
    )


def default_reminders(connect_before: timedelta, registration: Registration | None) -> tuple[Reminder, ...]:
    """The channel's guide a week before and connect-now at `connect_before`; with registration,
    as the seed webinar did it: the guide and connect-now to online registrants too, and the venue to
    in-person ones a day before."""
    channel = (
        Reminder(DEFAULT_REMINDERS[0], DEFAULT_REMINDERS[1]),
        Reminder("connect_now", connect_before),
    )
    if registration is None:
        return channel
    people = []
    if "online" in registration.modes:
        people += [
            Reminder(DEFAULT_REMINDERS[0], DEFAULT_REMINDERS[1], to="online"),
            Reminder("connect_now", connect_before, to="online"),
        ]
    if "in_person" in registration.modes:
        people.append(Reminder("venue", timedelta(days=1), to="in_person"))
    return channel + tuple(people)


def number_sessions(items: tuple[Item, ...]) -> tuple[Item, ...]:
    """Thematic sessions numbered 1, 2, 3 ... through the whole webinar, in agenda order: the one
    numbering the threads, the digest, `/webinar questions N` and the report all use."""
    numbered: list[Item] = []
    count = 0
    for item in items:
        sessions = []
        for session in item.sessions:
            count += 1
            sessions.append(replace(session, number=count))
        numbered.append(replace(item, sessions=tuple(sessions)) if sessions else item)
    return tuple(numbered)


def _resolve_reminder_instants(
    reminders: tuple[Reminder, ...], header: Header, problems: Problems
) -> tuple[Reminder, ...]:
    assert header.tz is not None
    resolved = []
    for index, reminder in enumerate(reminders):
        text = header.reminder_ats.get(index)
        if text is None:
            resolved.append(reminder)
            continue
        try:
            naive = datetime.fromisoformat(text)
            parse_day(naive.date().isoformat())
        except ValueError:
            problems.error(
                f"reminder 'at' must be a date and time like 2018-10-16 14:00, got '{text}'",
                reminder.line,
                f"reminder {index + 1}",
            )
            continue
        if naive.tzinfo is None:
            try:
                instant, _ = local_instant(naive.date(), naive.time(), header.tz)
            except NonexistentTime as exc:
                problems.error(str(exc), reminder.line, f"reminder {index + 1}")
                continue
        else:
            instant = naive
        resolved.append(Reminder(reminder.template, timedelta(0), reminder.line, at=instant))
    return tuple(resolved)


class AgendaReader:
    """Turns the `agenda:` list into items with instants, one problem list for all."""

    def __init__(self, tz: tzinfo, day: date, problems: Problems, language: str = "en") -> None:
        self.tz = tz
        self.language = language
        self.day = day
        self.problems = problems
        self.item_keys = KeyMaker()
        self.hints = Suggestions()
        self.durations: dict[str, timedelta | str] = {}  # text -> duration, or why it is not one

    def items(self, raw: LList) -> list[Item]:
        items: list[Item] = []
        previous_end: datetime | None = None
        for index, entry in enumerate(raw):
            line = raw.line_of(index)
            if not isinstance(entry, LDict):
                self.problems.error(
                    "each agenda item must be a mapping with time and title", line, f"agenda item {index + 1}"
                )
                continue
            item = self._item(entry, index, previous_end)
            if item is not None:
                items.append(item)
                previous_end = item.end
        return items

    # -- times -----------------------------------------------------------------------------

    def _instant(self, day: date, wall: time, line: int, label: str) -> datetime | None:
        try:
            instant, note = local_instant(day, wall, self.tz)
        except NonexistentTime as exc:
            self.problems.error(str(exc), line, label)
            return None
        if note:
            self.problems.warning(note, line, label)
        return instant

    def _range(
        self, entry: LDict, day: date, label: str, not_before: datetime | None = None
    ) -> tuple[datetime | None, datetime | None, bool]:
        """(start, end, ok) from `time`; end is None when only a start is given."""
        value = entry["time"]
        line = entry.line_of("time")
        try:
            start_wall, end_wall = parse_time_range(value)
        except BadValue as exc:
            self.problems.error(f"time: {exc}", line, label)
            return None, None, False
        start = self._instant(day, start_wall, line, label)
        if start is None:
            return None, None, False
        if not_before is not None and start < not_before - timedelta(hours=12):
            # A time far before the previous item on the same date: the agenda crossed midnight.
            start = self._instant(day + timedelta(days=1), start_wall, line, label) or start
        if end_wall is None:
            return start, None, True
        end_day = start.astimezone(self.tz).date()
        end = self._instant(end_day, end_wall, line, label)
        if end is None:
            return start, None, False
        if end <= start:
            if end_wall == start_wall:
                self.problems.error(f"time: '{as_text(value)}' ends when it starts", line, label)
                return start, None, False
            end = self._instant(end_day + timedelta(days=1), end_wall, line, label)  # crosses midnight
        return start, end, True

    def _length(
        self, entry: LDict, label: str, keys: tuple[str, ...] = ("duration", "minutes")
    ) -> timedelta | None:
        for key in keys:
            if key in entry:
                value = self._duration(entry[key])
                if isinstance(value, BadValue):
                    self.problems.error(f"{key}: {value}", entry.line_of(key), label)
                    return None
                if value <= timedelta(0):
                    self.problems.error(f"{key} must be longer than zero", entry.line_of(key), label)
                    return None
                return value
        return None

    def _duration(self, value: object) -> timedelta | BadValue:
        """parse_duration, once per distinct text: aliases and habits repeat `5m` thousands of times."""
        if not isinstance(value, str):
            try:
                return parse_duration(value)
            except BadValue as exc:
                return exc
        known = self.durations.get(value)
        if known is None:
            try:
                known = parse_duration(value)
            except BadValue as exc:
                known = str(exc)
            self.durations[value] = known
        return BadValue(known) if isinstance(known, str) else known

    def _warn_before(self, entry: LDict, label: str) -> timedelta | None:
        return self._length(entry, label, ("warn_before",))

    # -- items -----------------------------------------------------------------------------

    def _titles(self, entry: LDict, label: str) -> tuple[str, Translations]:
        """The entry's title in the webinar's language, and its other languages'."""
        if "title" not in entry:
            return "", ()
        titles = as_titles(entry["title"], self.problems, entry.line_of("title"), label)
        return pick_title(titles, self.language)

    def _item(self, entry: LDict, index: int, previous_end: datetime | None) -> Item | None:
        title, title_l10n = self._titles(entry, f"agenda item {index + 1}")
        label = f'agenda item {index + 1} "{_short(title)}"' if title else f"agenda item {index + 1}"
        warn_unknown_keys(entry, ITEM_KEYS, self.problems, "an agenda item", label, self.hints)
        if not title:
            self.problems.error("an agenda item needs a 'title'", entry.line, label)
            title = f"Item {index + 1}"
        day = self.day
        if "date" in entry:
            try:
                day = parse_day(as_text(entry["date"]))
            except ValueError as exc:
                self.problems.error(f"date: {exc}", entry.line_of("date"), label)
        start: datetime | None
        end: datetime | None = None
        anchored = "time" in entry
        if anchored:
            start, end, ok = self._range(entry, day, label, None if "date" in entry else previous_end)
            if not ok and start is None:
                return None
        elif previous_end is not None:
            start = previous_end
        else:
            self.problems.error("the first agenda item needs a 'time' such as 14:00-14:10", entry.line, label)
            return None
        assert start is not None
        length = self._length(entry, label)
        if end is None and length is not None:
            end = start + length
        elif end is not None and length is not None and end - start != length:
            self.problems.error(
                f"time gives {format_duration(end - start)} but duration says {format_duration(length)}",
                entry.line_of("time"),
                label,
            )
        key = self._key(entry, title, self.item_keys, label)
        warn_before = self._warn_before(entry, label)
        slots_raw = entry.get("slots")
        sessions_raw = entry.get("sessions")
        slot_keys = KeyMaker()
        cursor = start
        block_slots: list[Slot] = []
        if slots_raw is not None:
            block_slots, cursor = self._slots(
                slots_raw, entry.line_of("slots"), start, day, key, label, slot_keys, warn_before
            )
        sessions = (
            self._sessions(sessions_raw, entry.line_of("sessions"), cursor, day, key, label, warn_before)
            if sessions_raw is not None
            else []
        )
        if end is None:
            content_ends = [s.end for s in sessions] + [s.end for s in block_slots]
            if content_ends:
                end = max(content_ends)
            else:
                self.problems.error(
                    "give the item an end: time 14:00-14:10, or a duration", entry.line, label
                )
                return None
        speakers = tuple(as_text(s) for s in as_list(entry.get("speakers")) if as_text(s))
        mute = (
            parse_mute(entry.get("mute"), self.problems, entry.line_of("mute"), label, self.hints)
            if "mute" in entry
            else frozenset()
        )
        return Item(
            key=key,
            title=title,
            start=start,
            end=end,
            speakers=speakers,
            sessions=tuple(sessions),
            slots=tuple(block_slots),
            description=as_text(entry.get("description")),
            mute=mute,
            line=entry.line,
            anchored=anchored,
            title_l10n=title_l10n,
        )

    def _key(self, entry: LDict, title: str, keys: KeyMaker, label: str) -> str:
        explicit = as_text(entry.get("id"))
        if explicit:
            if explicit in keys:
                self.problems.error(f"id '{explicit}' is used twice", entry.line_of("id"), label)
            return keys.take(slugify(explicit, explicit))
        return keys.take(slugify(title))

    def _sessions(
        self,
        raw: object,
        line: int,
        start: datetime,
        day: date,
        item_key: str,
        item_label: str,
        warn_before: timedelta | None,
    ) -> list[Session]:
        if not isinstance(raw, LList):
            self.problems.error("sessions must be a list", line, item_label)
            return []
        sessions: list[Session] = []
        keys = KeyMaker()
        cursor = start
        for index, entry in enumerate(raw):
            entry_line = raw.line_of(index)
            label = f"{item_label} › session {index + 1}"
            if not isinstance(entry, LDict):
                self.problems.error(
                    "each session must be a mapping with a title and slots", entry_line, label
                )
                continue
            warn_unknown_keys(entry, SESSION_KEYS, self.problems, "a session", label, self.hints)
            title, title_l10n = self._titles(entry, label)
            if not title:
                self.problems.error("a thematic session needs a 'title'", entry_line, label)
                title = f"Session {index + 1}"
            session_start = cursor
            end: datetime | None = None
            anchored = False
            if "time" in entry:
                own_start, own_end, _ = self._range(entry, day, label)
                if own_start is not None:
                    session_start, end, anchored = own_start, own_end, True
            length = self._length(entry, label)
            if end is None and length is not None:
                end = session_start + length
            key = self._key(entry, title, keys, label)
            session_warn = self._warn_before(entry, label) or warn_before
            slots: list[Slot] = []
            slot_end = session_start
            if "slots" in entry:
                slots, slot_end = self._slots(
                    entry["slots"],
                    entry.line_of("slots"),
                    session_start,
                    day,
                    f"{item_key}/{key}",
                    label,
                    KeyMaker(),
                    session_warn,
                )
            if end is None:
                if not slots:
                    self.problems.error("a session needs slots or a duration", entry_line, label)
                    continue
                end = slot_end
            mute = (
                parse_mute(entry.get("mute"), self.problems, entry.line_of("mute"), label, self.hints)
                if "mute" in entry
                else frozenset()
            )
            sessions.append(
                Session(
                    key=f"{item_key}/{key}",
                    title=title,
                    start=session_start,
                    end=end,
                    slots=tuple(slots),
                    number=len(sessions) + 1,
                    mute=mute,
                    line=entry_line,
                    anchored=anchored,
                    title_l10n=title_l10n,
                )
            )
            cursor = end
        return sessions

    def _slots(
        self,
        raw: object,
        line: int,
        start: datetime,
        day: date,
        prefix: str,
        parent_label: str,
        keys: KeyMaker,
        warn_before: timedelta | None,
    ) -> tuple[list[Slot], datetime]:
        if not isinstance(raw, LList):
            self.problems.error(
                "slots must be a list such as - {speaker: behrendt, minutes: 5}", line, parent_label
            )
            return [], start
        slots: list[Slot] = []
        cursor = start
        for index, entry in enumerate(raw):
            entry_line = raw.line_of(index)
            label = f"{parent_label} › slot {index + 1}"
            if not isinstance(entry, LDict):
                self.problems.error(
                    "each slot must be a mapping such as {speaker: behrendt, minutes: 5}", entry_line, label
                )
                continue
            slot = self._slot(entry, label, cursor, day, prefix, keys, warn_before)
            if slot is not None:
                slots.append(slot)
                cursor = slot.end
        return slots, cursor

    def _slot(
        self,
        entry: LDict,
        label: str,
        cursor: datetime,
        day: date,
        prefix: str,
        keys: KeyMaker,
        warn_before: timedelta | None,
    ) -> Slot | None:
        warn_unknown_keys(entry, SLOT_KEYS, self.problems, "a slot", label, self.hints)
        start = cursor
        if "time" in entry:
            try:
                wall, _ = parse_time_range(entry["time"])
            except BadValue as exc:
                self.problems.error(f"time: {exc}", entry.line_of("time"), label)
                return None
            own = self._instant(day, wall, entry.line_of("time"), label)
            if own is None:
                return None
            start = own
        speaker = as_text(entry.get("speaker")) or None
        title, title_l10n = self._titles(entry, label)
        if "discussion" in entry:
            kind = SlotKind.DISCUSSION
            length = self._length(entry, label, ("discussion", "duration", "minutes"))
            wanted = slugify(title) if title else "discussion"
            title = title or DISCUSSION
        elif speaker:
            kind = SlotKind.SPEAKER
            length = self._length(entry, label)
            wanted = slugify(speaker, speaker)
            label = f"{label} ({speaker})"
        elif title:
            kind = SlotKind.OTHER
            length = self._length(entry, label)
            wanted = slugify(title)
        else:
            self.problems.error("a slot needs a 'speaker', a 'discussion' or a 'title'", entry.line, label)
            return None
        if length is None:
            if not any(k in entry for k in ("minutes", "duration", "discussion")):
                self.problems.error("a slot needs a length: minutes: 5 (or 90s, 1h)", entry.line, label)
            return None
        explicit = as_text(entry.get("id"))
        key = keys.take(slugify(explicit, explicit) if explicit else wanted)
        return Slot(
            key=f"{prefix}/{key}",
            kind=kind,
            start=start,
            end=start + length,
            speaker=speaker,
            title=title,
            warn_before=self._warn_before(entry, label) or warn_before,
            line=entry.line,
            anchored="time" in entry,
            title_l10n=title_l10n,
        )


def _short(title: str, limit: int = 48) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"
