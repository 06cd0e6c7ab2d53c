"""When the plan moves, who is told: the pure decision behind the `schedule_change` cue.

A moderator's change (skip, next, delay, extend, pause, a schedule edit) re-places the units. This
compares the placement before and after it with what people were last told:

* participants (announcements) hear of it when what remains moves by `notify_after` or more from
  what they were last told (at first: the schedule), or an item is skipped; at most one notice per
  `notify_after` span: a later change inside the span is folded into the notice still to come;
* a speaker whose slot moved by 2 minutes or more hears the new time (unless their "you're on next"
  is still to come, which will say it), and a speaker whose slot was skipped hears that.

Notices are values kept in the live state, so the planner turns them into cues like any other, and
a restart neither repeats nor forgets them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from bot.agenda.model import Agenda
from bot.i18n.localized import Duration, from_json, to_json
from bot.kinds import Kind
from bot.timeline import context
from bot.timeline.cue import cue_id, speaker_audience
from bot.timeline.units import PlacedUnit, Placement

SPEAKER_MOVE = timedelta(minutes=2)


@dataclass(frozen=True)
class Notice:
    """One `schedule_change` cue decided at a change: where, when, and what its template shows."""

    id: str
    at: datetime
    audience: str
    subject: str
    change: Mapping[str, Any]


@dataclass(frozen=True)
class Told:
    """What people were last told of when units start (unit key -> start), and when the last notice
    to participants went out."""

    announced: Mapping[str, datetime] = field(default_factory=dict)
    speakers: Mapping[str, datetime] = field(default_factory=dict)
    last_notice: datetime | None = None
    serial: int = 0


def _unit(placed: PlacedUnit, agenda: Agenda) -> dict[str, Any]:
    return context.unit(placed, agenda)


def notices_for_change(
    agenda: Agenda,
    before: Placement,
    after: Placement,
    now: datetime,
    told: Told,
    notices: tuple[Notice, ...],
    muted: frozenset[str] = frozenset(),
) -> tuple[tuple[Notice, ...], Told]:
    """The notices after a change (earlier ones kept, a pending one to participants updated), and
    what people have been told now. `muted`: the cue kinds not posted now."""
    span = agenda.settings.notify_after
    standby = agenda.settings.standby_before
    standby_speaks = standby > timedelta(0) and Kind.STANDBY.value not in muted
    planned = {p.key: p.unit.planned_start for p in before.units}
    remaining = [p for p in after.units if not p.skipped and p.start >= now]
    was_skipped = {p.key for p in before.units if p.skipped}
    skipped = [p for p in after.units if p.skipped and p.key not in was_skipped and p.end >= now]

    def baseline(placed: PlacedUnit, record: Mapping[str, datetime]) -> datetime:
        return record.get(placed.key) or planned.get(placed.key) or placed.start

    kept = list(notices)
    serial = told.serial
    announced = dict(told.announced)
    speakers = dict(told.speakers)
    last_notice = told.last_notice

    moved = [p for p in remaining if abs(p.start - baseline(p, told.announced)) >= span]
    if moved or skipped:
        first = remaining[0] if remaining else None
        late = (first.start - first.unit.planned_start) if first else timedelta(0)
        change = {
            "late": late.total_seconds(),
            "late_text": Duration.of(abs(late)),
            "next": _unit(first, agenda) if first else None,
            "skipped": [context.label(p.unit) for p in skipped],
        }
        pending = next(
            (n for n in kept if n.audience == "announcements" and n.at > now), None
        )  # folded into the notice still to come
        if pending is not None:
            kept[kept.index(pending)] = replace(pending, change=change)
        else:
            at = now if last_notice is None or now >= last_notice + span else last_notice + span
            serial += 1
            subject = f"plan-{serial}"
            kept.append(
                Notice(
                    cue_id(Kind.SCHEDULE_CHANGE, subject, "announcements"),
                    at,
                    "announcements",
                    subject,
                    change,
                )
            )
            last_notice = at
        announced = {p.key: p.start for p in remaining}

    for placed in remaining:
        speaker = placed.unit.speaker
        if placed.unit.kind != "speaker" or not speaker:
            continue
        was = baseline(placed, told.speakers)
        if abs(placed.start - was) < SPEAKER_MOVE:
            continue
        if standby_speaks and was - standby > now:
            continue  # their "you're on next" is still to come (at once, if due already): it says it
        serial += 1
        subject = f"{placed.key}~{serial}"
        change = {"unit": _unit(placed, agenda), "was_ts": int(was.timestamp())}
        audience = speaker_audience(speaker)
        kept.append(Notice(cue_id(Kind.SCHEDULE_CHANGE, subject, audience), now, audience, subject, change))
        speakers[placed.key] = placed.start
    for placed in skipped:
        speaker = placed.unit.speaker
        if placed.unit.kind != "speaker" or not speaker:
            continue
        subject = f"{placed.key}~skipped"
        audience = speaker_audience(speaker)
        change = {"unit": _unit(placed, agenda), "skipped_you": True}
        kept.append(Notice(cue_id(Kind.SCHEDULE_CHANGE, subject, audience), now, audience, subject, change))
    return tuple(kept), Told(announced, speakers, last_notice, serial)


# -- JSON, for the live state ------------------------------------------------------------------


def notice_to_json(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "at": notice.at.isoformat(),
        "audience": notice.audience,
        "subject": notice.subject,
        "change": to_json(dict(notice.change)),
    }


def notice_from_json(doc: Mapping[str, Any]) -> Notice:
    return Notice(
        str(doc["id"]),
        datetime.fromisoformat(doc["at"]),
        str(doc["audience"]),
        str(doc["subject"]),
        dict(from_json(doc.get("change") or {})),  # type: ignore[call-overload]
    )


def told_to_json(told: Told) -> dict[str, Any]:
    return {
        "announced": {k: v.isoformat() for k, v in told.announced.items()},
        "speakers": {k: v.isoformat() for k, v in told.speakers.items()},
        "last_notice": told.last_notice.isoformat() if told.last_notice else None,
        "serial": told.serial,
    }


def told_from_json(doc: Mapping[str, Any]) -> Told:
    when = datetime.fromisoformat
    return Told(
        {k: when(v) for k, v in (doc.get("announced") or {}).items()},
        {k: when(v) for k, v in (doc.get("speakers") or {}).items()},
        when(doc["last_notice"]) if doc.get("last_notice") else None,
        int(doc.get("serial") or 0),
    )
