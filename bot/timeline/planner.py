"""The cue planner: a pure function from (agenda, live adjustments) to every cue, in order.

No clock, no Slack, no scheduler: the same inputs give the same cues with the same ids, which is
what lets the runtime post each cue exactly once across restarts and re-plans.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.agenda.model import Agenda, Item, Session
from bot.i18n.localized import Duration, title
from bot.kinds import Kind
from bot.people.state import NOBODY, PeopleState
from bot.timeline import context
from bot.timeline.adjustments import NO_ADJUSTMENTS, Adjustments
from bot.timeline.changes import Notice
from bot.timeline.cue import Cue, cue_id, registrant_audience, speaker_audience
from bot.timeline.units import PlacedUnit, Placement, place_units, units_of


def plan(
    agenda: Agenda,
    adjustments: Adjustments = NO_ADJUSTMENTS,
    notices: Sequence[Notice] = (),
    people: PeopleState = NOBODY,
) -> list[Cue]:
    """Every cue of the webinar, ordered by instant (endings before beginnings at one instant);
    `notices` are the changes of plan decided live (bot.timeline.changes), `people` who registered
    and what speakers answered."""
    placement = place_units(agenda, adjustments, units_of(agenda))
    builder = _Builder(agenda, adjustments, placement, notices, people)
    cues = [cue for cue in builder.cues() if not builder.muted(cue)]
    cues.sort(key=Cue.sort_key)
    return cues


ASK_AGAIN_AFTER = timedelta(days=2)  # a speaker who has not answered is asked once more
LAST_CALL = timedelta(days=1)  # backstage hears this long before the start if a speaker never answered
CHECKIN_LEAD = timedelta(minutes=10)  # the check-in question comes this long before it is due


def _ts(when: datetime) -> int:
    return int(when.timestamp())


class _Builder:
    def __init__(
        self,
        agenda: Agenda,
        adjustments: Adjustments,
        placement: Placement,
        notices: Sequence[Notice],
        people: PeopleState,
    ) -> None:
        self.agenda = agenda
        self.adjustments = adjustments
        self.placement = placement
        self.notices = notices
        self.people = people
        self.settings = agenda.settings
        self.webinar = self._webinar()
        self._mutes: dict[str, frozenset[str]] = {}
        self._global_mute = agenda.settings.mute | adjustments.muted

    # -- contexts -----------------------------------------------------------------------------

    def _webinar(self) -> dict[str, Any]:
        agenda = self.agenda
        connection = agenda.connection
        return {
            "title": title(agenda.title, agenda.title_l10n),
            "timezone": agenda.timezone,
            "start_ts": _ts(self.placement.start),
            "end_ts": _ts(self.placement.end),
            "date": agenda.date.isoformat(),
            "connect_before": Duration.of(agenda.connect_before, short=False),
            "connection": None
            if connection is None
            else {
                "platform": connection.platform,
                "url": connection.url,
                "guide_url": connection.guide_url,
                "details": connection.details,
            },
            "vote_emoji": agenda.settings.vote_emoji,
            "venue": agenda.registration.venue if agenda.registration else "",
            "requirements": agenda.registration.requirements if agenda.registration else "",
            "contacts": list(agenda.registration.contacts) if agenda.registration else [],
            "channels": None
            if agenda.channels is None
            else {
                "announcements": agenda.channels.announcements,
                "questions": agenda.channels.questions,
                "backstage": agenda.channels.backstage,
            },
        }

    def _speaker(self, key: str) -> dict[str, Any]:
        return context.speaker(self.agenda, key)

    def _unit(self, placed: PlacedUnit | None) -> dict[str, Any] | None:
        return None if placed is None else context.unit(placed, self.agenda)

    def _session(self, session: Session) -> dict[str, Any]:
        span = self.placement.sessions[session.key]
        return {
            "key": session.key,
            "number": session.number,
            "title": title(session.title, session.title_l10n),
            "start_ts": _ts(span.start),
            "end_ts": _ts(span.end),
            "speakers": [self._speaker(key) for key in session.speakers],
        }

    def _item(self, item: Item, index: int) -> dict[str, Any]:
        span = self.placement.items[index]
        return {
            "key": item.key,
            "number": index + 1,
            "title": title(item.title, item.title_l10n),
            "description": item.description,
            "start_ts": _ts(span.start),
            "end_ts": _ts(span.end),
            "speakers": [self._speaker(key) for key in item.speakers],
            "sessions": [
                {
                    "number": s.number,
                    "title": title(s.title, s.title_l10n),
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
        yield from self._registrations()
        yield from self._speaker_confirmations()
        yield from self._checkins()
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
                        item={"title": title(item.title, item.title_l10n)},
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
        """Each reminder to its audience: the channel once; online, in-person or all registrants and
        speakers one direct message each. Someone who registered after a reminder's time gets nothing
        stale, but does get what is still ahead."""
        start = self.placement.start
        seen: dict[tuple[str, str], int] = {}
        for reminder in self.agenda.reminders:
            at = reminder.at if reminder.at is not None else start - reminder.before
            n = seen[(reminder.template, reminder.to)] = seen.get((reminder.template, reminder.to), 0) + 1
            subject = reminder.template if n == 1 else f"{reminder.template}-{n}"
            before = Duration.of(start - at, short=False) if at < start else ""
            for audience, reader in self._reminder_audiences(reminder.to, at):
                yield self._cue(
                    Kind.REMINDER, at, subject, audience, reminder.template, before=before, reader=reader
                )

    def _reminder_audiences(self, to: str, at: datetime) -> Iterator[tuple[str, dict[str, Any] | None]]:
        if to == "channel":
            yield "announcements", None
            return
        if to == "speakers":
            for key in self.agenda.speakers:
                yield speaker_audience(key), None
            return
        for attendee in self.people.attendees:
            if to in ("online", "in_person") and attendee.mode != to:
                continue
            if attendee.registered_at > at:
                continue  # registered after its time: nothing stale
            reader = {"language": attendee.language, "timezone": attendee.timezone, "mode": attendee.mode}
            yield registrant_audience(attendee.key), reader

    def _registrations(self) -> Iterator[Cue]:
        """Each registrant is told what was recorded, once, when they register (or when an imported
        registration first finds their chat account); useful until the webinar starts."""
        start = self.placement.start
        for attendee in self.people.attendees:
            yield self._cue(
                Kind.REGISTERED,
                min(attendee.registered_at, start),
                attendee.key,
                registrant_audience(attendee.key),
                anchor=start,
                reader={"language": attendee.language, "timezone": attendee.timezone, "mode": attendee.mode},
            )

    def _speaker_confirmations(self) -> Iterator[Cue]:
        """A speaker "to be confirmed" is asked at `confirm_before`, asked again two days on, and
        backstage hears a day before the webinar if there is still no answer."""
        start = self.placement.start
        ahead = self.settings.confirm_before
        if ahead <= timedelta(0):
            return
        last_call = min(LAST_CALL, ahead / 2)  # a short notice (a rehearsal) keeps the same rhythm
        again = start - ahead + min(ASK_AGAIN_AFTER, (ahead - last_call) / 2)
        for key, speaker in self.agenda.speakers.items():
            if speaker.confirmed or key in self.people.answered:
                continue
            who = self._speaker(key)
            audience = speaker_audience(key)
            yield self._cue(Kind.CONFIRM_REQUEST, start - ahead, key, audience, speaker=who, again=False)
            if again < start - last_call:
                subject = f"{key}~again"
                yield self._cue(Kind.CONFIRM_REQUEST, again, subject, audience, speaker=who, again=True)
            yield self._cue(Kind.CONFIRM_MISSING, start - last_call, key, "backstage", speaker=who)

    def _checkins(self) -> Iterator[Cue]:
        """On the day, each speaker is asked to say they are here before their first slot, and a
        speaker not checked in `checkin_before` it is reported to backstage, once."""
        before = self.settings.checkin_before
        if before <= timedelta(0):
            return
        first: dict[str, PlacedUnit] = {}
        for placed in self.placement.units:
            speaker = placed.unit.speaker
            if placed.unit.kind == "speaker" and speaker and not placed.skipped:
                first.setdefault(speaker, placed)
        for key, placed in first.items():
            if key in self.people.checked_in or key in self.people.declined:
                continue
            info = self._unit(placed)
            yield self._cue(
                Kind.CHECKIN, placed.start - before - CHECKIN_LEAD, key, speaker_audience(key), unit=info
            )
            yield self._cue(
                Kind.CHECKIN_MISSING,
                placed.start - before,
                key,
                "backstage",
                anchor=placed.start,
                unit=info,
                speaker=self._speaker(key),
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
                    remaining=Duration.of(warn),
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
                over=Duration.of(self.settings.overrun_after),
            )
