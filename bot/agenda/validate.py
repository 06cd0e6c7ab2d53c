"""What makes a loaded agenda wrong (errors) or worth a second look (warnings).

The loaders catch what cannot be read; this catches what reads fine but cannot run: items that
overlap, slots that overflow their block, speakers nobody defined, reminders after the start,
nowhere to post. It works on the model, so YAML and iCalendar schedules get the same checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.agenda.durations import format_duration
from bot.agenda.header import CHANNEL_KEYS, EMAIL, SLACK_USER_ID
from bot.agenda.model import DISCUSSION, Agenda, Item, Slot, SlotKind, Translations
from bot.agenda.problems import Problem, Problems


@dataclass(frozen=True)
class Summary:
    items: int
    sessions: int
    speaker_slots: int
    discussions: int
    buffer: timedelta
    speakers: int
    start: datetime
    end: datetime

    def lines(self, agenda: Agenda) -> list[str]:
        local = agenda.tz
        start = self.start.astimezone(local)
        end = self.end.astimezone(local)
        return [
            f"{agenda.title}",
            f"  {start:%a %d %b %Y}, {start:%H:%M}-{end:%H:%M} {start.tzname()} ({agenda.timezone})",
            f"  {_count(self.items, 'item')}, {_count(self.sessions, 'thematic session')}, "
            f"{_count(self.speaker_slots, 'speaker slot')}, {_count(self.discussions, 'discussion')}, "
            f"{_count(self.speakers, 'speaker')}",
            f"  total buffer: {format_duration(self.buffer) if self.buffer else 'none'}",
        ]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def summarize(agenda: Agenda) -> Summary:
    slots = [slot for item in agenda.items for slot in item.all_slots]
    return Summary(
        items=len(agenda.items),
        sessions=sum(len(item.sessions) for item in agenda.items),
        speaker_slots=sum(1 for s in slots if s.kind is SlotKind.SPEAKER),
        discussions=sum(1 for s in slots if s.kind is SlotKind.DISCUSSION),
        buffer=sum((item.buffer for item in agenda.items), timedelta(0)),
        speakers=len(agenda.speakers),
        start=agenda.start,
        end=agenda.end,
    )


def validate(
    agenda: Agenda, templates: Iterable[str] | None = None, problems: Problems | None = None
) -> list[Problem]:
    """Every semantic problem of `agenda`; `templates` (names available) checks reminder templates.

    The problems go to `problems` when given (so its omitted counts include them), else to a new
    collector; either way the problems kept are returned.
    """
    problems = problems if problems is not None else Problems(agenda.source)
    _check_items(agenda, problems)
    _check_speakers(agenda, problems)
    _check_reminders(agenda, problems, set(templates) if templates is not None else None)
    _check_channels(agenda, problems)
    _check_moderators(agenda, problems)
    _check_titles(agenda, problems)
    return problems.items


def _check_titles(agenda: Agenda, problems: Problems) -> None:
    """A webinar in several `languages` should name its items and sessions in each of them."""
    wanted = agenda.settings.channel_languages if agenda.settings.languages else ()
    if len(wanted) < 2:
        return

    def check(title: str, translations: Translations, line: int | None, label: str) -> None:
        given = {code for code, _ in translations}
        missing = [code for code in wanted if code not in given]
        if translations and agenda.settings.language in missing:
            missing.remove(agenda.settings.language)  # the primary title is shown in it
        if not translations:
            missing = [code for code in wanted if code != agenda.settings.language]
        if missing:
            problems.warning(f'no title in {", ".join(missing)} ("{title}" is shown there)', line, label)

    check(agenda.title, agenda.title_l10n, agenda.lines.get("title"), "the webinar")
    for index, item in enumerate(agenda.items, start=1):
        check(item.title, item.title_l10n, item.line, f'agenda item {index} "{item.title[:40]}"')
        for session in item.sessions:
            check(session.title, session.title_l10n, session.line, f'session "{session.title[:40]}"')
        for slot in item.all_slots:
            if slot.kind is SlotKind.OTHER or (slot.kind is SlotKind.DISCUSSION and slot.title != DISCUSSION):
                check(slot.title, slot.title_l10n, slot.line, f'slot "{slot.title[:40]}"')


def _hm(agenda: Agenda, when: datetime) -> str:
    local = when.astimezone(agenda.tz)
    if local.date() != agenda.date:
        return f"{local:%d %b %H:%M}"
    return f"{local:%H:%M}" if local.second == 0 else f"{local:%H:%M:%S}"


def _label(index: int, item: Item) -> str:
    title = item.title if len(item.title) <= 48 else item.title[:47] + "…"
    return f'agenda item {index + 1} "{title}"'


def _check_items(agenda: Agenda, problems: Problems) -> None:
    previous: Item | None = None
    for index, item in enumerate(agenda.items):
        label = _label(index, item)
        if item.end < item.start:
            problems.error(
                f"ends at {_hm(agenda, item.end)}, before it starts at {_hm(agenda, item.start)}",
                item.line,
                label,
            )
        elif item.end == item.start and not item.all_slots:
            problems.warning("has no duration (it starts and ends at the same instant)", item.line, label)
        if previous is not None and item.start < previous.end:
            problems.error(
                f"starts at {_hm(agenda, item.start)}, before the previous item "
                f'"{previous.title[:40]}" ends at {_hm(agenda, previous.end)} (overlapping items)',
                item.line,
                label,
            )
        _check_contents(agenda, item, label, problems)
        if item.buffer > timedelta(0):
            problems.warning(
                f"{format_duration(item.buffer)} of buffer left at the end of the block "
                f"({_hm(agenda, item.content_end)}-{_hm(agenda, item.end)})",
                item.line,
                label,
            )
        if previous is None or item.end > previous.end:
            previous = item


def _check_contents(agenda: Agenda, item: Item, label: str, problems: Problems) -> None:
    last_end = item.start
    for slot in item.slots:
        if slot.start < last_end:
            problems.error(
                f"starts at {_hm(agenda, slot.start)}, before the previous slot ends",
                slot.line,
                f"{label} › {slot.title or slot.speaker}",
            )
        last_end = max(last_end, slot.end)
    for session in item.sessions:
        session_label = f"{label} › session {session.number}"
        if session.start < last_end:
            problems.error(
                f"starts at {_hm(agenda, session.start)}, before the previous session ends at "
                f"{_hm(agenda, last_end)}",
                session.line,
                session_label,
            )
        if session.start < item.start:
            problems.error(
                f"starts at {_hm(agenda, session.start)}, before its block starts at "
                f"{_hm(agenda, item.start)}",
                session.line,
                session_label,
            )
        last_end = max(last_end, session.end)
        if session.slots and session.slots[-1].end > session.end:
            problems.error(
                f"its slots run until {_hm(agenda, session.slots[-1].end)}, after the session ends at "
                f"{_hm(agenda, session.end)}",
                session.line,
                session_label,
            )
        if session.end > item.end:
            _overflow(agenda, item, session.slots, session.end, session.line, session_label, problems)
    if item.slots and item.slots[-1].end > item.end:
        _overflow(agenda, item, item.slots, item.slots[-1].end, item.line, label, problems)
    for slot in item.all_slots:
        warn = slot.warn_before or agenda.settings.warn_before
        if slot.kind is SlotKind.SPEAKER and warn >= slot.duration:
            problems.warning(
                f"the {format_duration(warn)} warning is as long as the {format_duration(slot.duration)} "
                "slot: the speaker is warned as they start",
                slot.line,
                f"{label} › {slot.speaker}",
            )


def _overflow(
    agenda: Agenda,
    item: Item,
    slots: tuple[Slot, ...],
    end: datetime,
    line: int | None,
    label: str,
    problems: Problems,
) -> None:
    """Report the first slot that runs past its block's end (or the session, if no slot does)."""
    culprit = next((slot for slot in slots if slot.end > item.end), None)
    if culprit is not None:
        line = culprit.line
        label = f"{label} › {culprit.speaker or culprit.title}"
        end = culprit.end
    problems.error(
        f"ends at {_hm(agenda, end)}, {format_duration(end - item.end)} after its block ends at "
        f"{_hm(agenda, item.end)} (slots overflow their block)",
        line,
        label,
    )


def _check_speakers(agenda: Agenda, problems: Problems) -> None:
    referenced: dict[str, tuple[int | None, str]] = {}
    for index, item in enumerate(agenda.items):
        label = _label(index, item)
        for key in item.speakers:
            referenced.setdefault(key, (item.line, label))
        for slot in item.all_slots:
            if slot.speaker:
                referenced.setdefault(slot.speaker, (slot.line, f"{label} › {slot.speaker}"))
                if slot.speaker not in agenda.speakers:
                    problems.error(
                        f"speaker '{slot.speaker}' is not defined under speakers:", slot.line, f"{label}"
                    )
        for key in item.speakers:
            if key not in agenda.speakers:
                problems.error(f"speaker '{key}' is not defined under speakers:", item.line, label)
    for key, speaker in agenda.speakers.items():
        label = f"speaker '{key}'"
        if not speaker.confirmed:
            problems.warning(f"{speaker.name} is to be confirmed", speaker.line, label)
        if key in referenced and not speaker.reachable:
            problems.warning(
                f"{speaker.name} has no Slack id (slack: U...) and no email: the bot cannot reach them in "
                "Slack, so their cues go to backstage only",
                speaker.line,
                label,
            )
        if speaker.slack and not SLACK_USER_ID.match(speaker.slack):
            problems.error(
                f"slack: '{speaker.slack}' is not a Slack user id (such as U0123ABCD)", speaker.line, label
            )


def _check_reminders(agenda: Agenda, problems: Problems, templates: set[str] | None) -> None:
    start = agenda.start
    for index, reminder in enumerate(agenda.reminders):
        label = f"reminder {index + 1} ({reminder.template})"
        when = reminder.instant(start)
        if when > start:
            problems.error(
                f"falls at {_hm(agenda, when)}, {format_duration(when - start)} after the start at "
                f"{_hm(agenda, start)}: a reminder must come before the webinar",
                reminder.line,
                label,
            )
        if templates is not None and reminder.template not in templates:
            known = ", ".join(sorted(t for t in templates if not t.startswith("_")))
            problems.error(
                f"no template named '{reminder.template}' (available: {known})", reminder.line, label
            )


def _check_channels(agenda: Agenda, problems: Problems) -> None:
    if agenda.channels is not None:
        return
    problems.error(
        "channels are missing: the schedule needs channels: {"
        + ", ".join(f"{k}: ..." for k in CHANNEL_KEYS)
        + "} (an .ics file carries none: pass --defaults FILE)",
        agenda.lines.get("channels"),
    )


def _check_moderators(agenda: Agenda, problems: Problems) -> None:
    for moderator in agenda.moderators:
        if moderator in agenda.speakers or SLACK_USER_ID.match(moderator) or EMAIL.match(moderator):
            continue
        if moderator.startswith("S") and moderator[1:].isalnum() and moderator.isupper():
            continue  # a Slack user group id (S0123...)
        problems.error(
            f"moderator '{moderator}' is neither a speaker key, a Slack user id nor an email",
            agenda.lines.get("moderators"),
            "moderators",
        )
    if not agenda.moderators:
        problems.warning("no moderators: nobody will be able to steer the session from Slack")
