"""The cue planner: a pure function from (agenda, live adjustments) to every cue, in order.

No clock, no Slack, no scheduler: the same inputs give the same cues with the same ids, which is
what lets the runtime post each cue exactly once across restarts and re-plans.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.agenda.durations import format_duration
from bot.agenda.model import Agenda, Item, Session
from bot.kinds import Kind
from bot.timeline.adjustments import NO_ADJUSTMENTS, Adjustments
from bot.timeline.changes import Notice
from bot.timeline.cue import Cue, cue_id, speaker_audience
from bot.timeline.units import PlacedUnit, Placement, place_units, units_of


def plan(
    agenda: Agenda, adjustments: Adjustments = NO_ADJUSTMENTS, notices: Sequence[Notice] = ()
) -> list[Cue]:
    """Every cue of the webinar, ordered by instant (endings before beginnings at one instant);
    `notices` are the changes of plan decided live (bot.timeline.changes)."""
    placement = place_units(agenda, adjustments, units_of(agenda))
    builder = _Builder(agenda, adjustments, placement, notices)
    cues = [cue for cue in builder.cues() if not builder.muted(cue)]
    cues.sort(key=Cue.sort_key)
    return cues


def _ts(when: datetime) -> int:
    return int(when.timestamp())


class _Builder:
    def __init__(
        self, agenda: Agenda, adjustments: Adjustments, placement: Placement, notices: Sequence[Notice]
    ) -> None:
        self.agenda = agenda
        self.adjustments = adjustments
        self.placement = placement
        self.notices = notices
        self.settings = agenda.settings
        self.webinar = self._webinar()
        self._mutes: dict[str, frozenset[str]] = {}
        self._global_mute = agenda.settings.mute | adjustments.muted

    # -- contexts -----------------------------------------------------------------------------

    def _webinar(self) -> dict[str, Any]:
        agenda = self.agenda
        connection = agenda.connection
        return {
            "title": agenda.title,
            "timezone": agenda.timezone,
            "start_ts": _ts(self.placement.start),
            "end_ts": _ts(self.placement.end),
            "date": agenda.date.isoformat(),
            "connect_before": format_duration(agenda.connect_before),
            "connection": None
            if connection is None
            else {
                "platform": connection.platform,
                "url": connection.url,
                "guide_url": connection.guide_url,
                "details": connection.details,
            },
            "vote_emoji": agenda.settings.vote_emoji,
            "channels": None
            if agenda.channels is None
            else {
                "announcements": agenda.channels.announcements,
                "questions": agenda.channels.questions,
                "backstage": agenda.channels.backstage,
            },
        }

    def _speaker(self, key: str) -> dict[str, Any]:
        speaker = self.agenda.speakers.get(key)
        if speaker is None:
            return {"key": key, "name": key, "role": "", "confirmed": True}
        return {"key": key, "name": speaker.name, "role": speaker.role, "confirmed": speaker.confirmed}

    def _unit(self, placed: PlacedUnit | None) -> dict[str, Any] | None:
        if placed is None:
            return None
        unit = placed.unit
        return {
            "key": unit.key,
            "kind": unit.kind,
            "label": unit.label,
            "speaker": self._speaker(unit.speaker) if unit.speaker else None,
            "start_ts": _ts(placed.start),
            "end_ts": _ts(placed.time_up),
            "length": format_duration(placed.time_up - placed.start),
            "session": unit.session.title if unit.session else None,
            "item": unit.item.title,
        }

    def _session(self, session: Session) -> dict[str, Any]:
        span = self.placement.sessions[session.key]
        return {
            "key": session.key,
            "number": session.number,
            "title": session.title,
            "start_ts": _ts(span.start),
            "end_ts": _ts(span.end),
            "speakers": [self._speaker(key) for key in session.speakers],
        }

    def _item(self, item: Item, index: int) -> dict[str, Any]:
        span = self.placement.items[index]
        return {
            "key": item.key,
            "number": index + 1,
            "title": item.title,
            "description": item.description,
            "start_ts": _ts(span.start),
            "end_ts": _ts(span.end),
            "speakers": [self._speaker(key) for key in item.speakers],
            "sessions": [
                {
                    "number": s.number,
                    "title": s.title,
                    "speakers": [self.agenda.speaker_name(k) for k in s.speakers],
                }
                for s in item.sessions
            ],
        }

    def _cue(
        self,
        kind: Kind,
        at: datetime,
        subject: str,
        audience: str,
        template: str | None = None,
        anchor: datetime | None = None,
        **context: Any,
    ) -> Cue:
        context["webinar"] = self.webinar
        context["at_ts"] = _ts(at)
        return Cue(
            cue_id(kind, subject, audience),
            at,
            kind,
            audience,
            template or kind.value,
            subject,
            context,
            anchor,
        )

    # -- muting -------------------------------------------------------------------------------

    def muted(self, cue: Cue) -> bool:
        if cue.kind in self._global_mute:
            return True
        return cue.kind in self._mutes.get(cue.id, frozenset())

    def _mute_for(self, cue: Cue, item: Item, session: Session | None) -> Cue:
        mute = item.mute | (session.mute if session else frozenset())
        if mute:
            self._mutes[cue.id] = mute
        return cue

    # -- cues ---------------------------------------------------------------------------------

    def cues(self) -> Iterator[Cue]:
        yield from self._reminders()
        for notice in self.notices:
            yield self._cue(
                Kind.SCHEDULE_CHANGE, notice.at, notice.subject, notice.audience, change=dict(notice.change)
            )
        placement = self.placement
        for index, item in enumerate(self.agenda.items):
            span = placement.items[index]
            yield self._mute_for(
                self._cue(
                    Kind.ITEM_START,
                    span.start,
                    item.key,
                    "announcements",
                    item=self._item(item, index),
                    first=index == 0,
                    last=index == len(self.agenda.items) - 1,
                ),
                item,
                None,
            )
            for session in item.sessions:
                session_span = placement.sessions[session.key]
                yield self._mute_for(
                    self._cue(
                        Kind.THREAD_OPEN,
                        session_span.start,
                        session.key,
                        "questions",
                        item={"title": item.title},
                        session=self._session(session),
                    ),
                    item,
                    session,
                )
        running = [u for u in placement.units if not u.skipped]
        for position, placed in enumerate(running):
            preceding = running[position - 1] if position > 0 else None
            following = running[position + 1] if position + 1 < len(running) else None
            for cue in self._unit_cues(placed, preceding, following):
                yield self._mute_for(cue, placed.unit.item, placed.unit.session)
        last = self.agenda.items[-1]
        yield self._mute_for(self._cue(Kind.ITEM_END, placement.end, last.key, "announcements"), last, None)

    def _reminders(self) -> Iterator[Cue]:
        start = self.placement.start
        seen: dict[str, int] = {}
        for reminder in self.agenda.reminders:
            at = reminder.at if reminder.at is not None else start - reminder.before
            n = seen[reminder.template] = seen.get(reminder.template, 0) + 1
            subject = reminder.template if n == 1 else f"{reminder.template}-{n}"
            yield self._cue(
                Kind.REMINDER,
                at,
                subject,
                "announcements",
                reminder.template,
                before=format_duration(start - at) if at < start else "",
            )

    def _unit_cues(
        self, placed: PlacedUnit, preceding: PlacedUnit | None, following: PlacedUnit | None
    ) -> Iterator[Cue]:
        unit = placed.unit
        info = self._unit(placed)
        nxt = self._unit(following)
        time_up = placed.time_up
        ended_early = placed.ended_at is not None and placed.ended_at < time_up
        audiences = ["backstage"]
        if unit.kind == "speaker" and unit.speaker:
            audiences.insert(0, speaker_audience(unit.speaker))
            standby = self.settings.standby_before
            if standby > timedelta(0):
                yield self._cue(
                    Kind.STANDBY,
                    placed.start - standby,
                    unit.key,
                    audiences[0],
                    anchor=placed.start,
                    unit=info,
                    after=self._unit(preceding),
                )
        if unit.kind == "discussion" and unit.session is not None:
            session = self._session(unit.session)
            yield self._cue(
                Kind.DISCUSSION_START, placed.start, unit.key, "announcements", unit=info, session=session
            )
            yield self._cue(
                Kind.DISCUSSION_START,
                placed.start,
                unit.key,
                "backstage",
                "discussion_digest",
                unit=info,
                session=session,
                questions=[],
            )
        warn = unit.warn_before
        warn_at = time_up - warn
        if timedelta(0) < warn < time_up - placed.start and not (ended_early and placed.ended_at <= warn_at):  # type: ignore[operator]
            for audience in audiences:
                yield self._cue(
                    Kind.SLOT_WARNING,
                    warn_at,
                    unit.key,
                    audience,
                    unit=info,
                    next=nxt,
                    remaining=format_duration(warn),
                )
        if not ended_early:
            for audience in audiences:
                yield self._cue(Kind.SLOT_END, time_up, unit.key, audience, unit=info, next=nxt)
        overrun_at = time_up + self.settings.overrun_after
        if (
            unit.kind == "speaker"
            and placed.steered
            and (placed.ended_at is None or placed.ended_at > overrun_at)
        ):
            yield self._cue(
                Kind.OVERRUN,
                overrun_at,
                unit.key,
                "backstage",
                unit=info,
                next=nxt,
                over=format_duration(self.settings.overrun_after),
            )
