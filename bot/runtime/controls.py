"""Moderators' controls: `/webinar status | start [item] | next | delay MIN | extend MIN | pause | resume
| skip [item] | mute KIND | unmute KIND`, parsed and applied as pure functions.

`apply_control` returns the new live state, a line for the backstage log ("{who} delayed the session
by 5 min", with `{who}` filled in by the caller) and the reply for the moderator, each a `Phrase`
said later in its reader's language. The caller re-plans and reschedules when the state changed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.agenda.durations import BadValue, parse_duration
from bot.agenda.model import Agenda
from bot.i18n.localized import Duration, Localized, Phrase
from bot.i18n.words import N_
from bot.kinds import KIND_NAMES, policy
from bot.runtime.live import LiveState
from bot.runtime.status import current_unit, following_unit
from bot.timeline.adjustments import Pause
from bot.timeline.units import PlacedUnit, Placement, place_units

STEERING = ("start", "next", "delay", "extend", "pause", "resume", "skip", "mute", "unmute")
VIEWING = ("status", "questions", "report", "reveal", "help", "register", "forget")
ALIASES = {
    "go": "start",
    "begin": "start",
    "n": "next",
    "advance": "next",
    "hold": "pause",
    "continue": "resume",
}
MAX_MINUTES = timedelta(hours=3)

HELP = N_("""\
`/webinar status` where the session stands
`/webinar start [item]` start the webinar now, or jump to an item (number, speaker or words of its title)
`/webinar next` the current slot ends now and the next starts: its time runs from now
`/webinar delay MIN` every later cue moves by MIN minutes
`/webinar extend MIN` the current slot gets MIN more minutes
`/webinar pause` / `/webinar resume` stop and restart the clock of the session
`/webinar skip [item]` skip the slot up next (or the one named)
`/webinar mute KIND` / `unmute KIND` stop or restart a kind of cue (item_start, standby, ...)
`/webinar questions [session]` the questions, ranked · `/webinar report` the questions report
`/webinar reveal N` who asked anonymous question N (moderators; logged in backstage)
`/webinar register` register for the webinar (or change your registration)
`/webinar forget me` remove your personal data · `/webinar forget NAME` (moderators) someone's""")


class ControlError(ValueError):
    """A control that cannot be understood or applied; `phrase` is the polite reply."""

    def __init__(self, message: str, /, **values: object) -> None:
        self.phrase = Phrase.of(message, **values)
        super().__init__(str(self.phrase))


def _label(unit: PlacedUnit) -> Localized:
    from bot.timeline.context import label

    return label(unit.unit)


@dataclass(frozen=True)
class Control:
    action: str
    amount: timedelta | None = None
    target: str = ""
    text: str = field(default="", compare=False)  # as the moderator typed it, for the control log

    @property
    def steers(self) -> bool:
        return self.action in STEERING


@dataclass(frozen=True)
class Outcome:
    state: LiveState
    reply: Phrase
    log: Phrase | None = None  # for backstage; "{who}" stands for the moderator
    changed: bool = False


def parse_control(text: str) -> Control:
    """`/webinar TEXT` understood, once, for every caller (commands, buttons, scripts)."""
    return replace(_parse(text), text=text.strip())


def _parse(text: str) -> Control:
    words = text.strip().split()
    if not words:
        return Control("status")
    action = ALIASES.get(words[0].lower(), words[0].lower())
    rest = " ".join(words[1:])
    if action not in STEERING + VIEWING:
        close = difflib.get_close_matches(action, STEERING + VIEWING, n=1)
        if close:
            raise ControlError(
                N_("I don't know `{word}`. Did you mean `{close}`? Try `/webinar help`."),
                word=words[0],
                close=close[0],
            )
        raise ControlError(N_("I don't know `{word}`. Try `/webinar help`."), word=words[0])
    if action in ("delay", "extend"):
        if not rest:
            raise ControlError(N_("How long? For example `/webinar {action} 5` (minutes)."), action=action)
        try:
            amount = parse_duration(rest)
        except BadValue as exc:
            raise ControlError(
                N_("`{text}` is not a duration: say it in minutes, as in `/webinar {action} 5`."),
                text=rest,
                action=action,
            ) from exc
        if amount <= timedelta(0) or amount > MAX_MINUTES:
            raise ControlError(N_("`{text}`: give a duration between 1 second and 3 hours."), text=rest)
        return Control(action, amount)
    if action in ("mute", "unmute"):
        kind = rest.strip()
        if kind not in KIND_NAMES or not policy(kind).mutable:
            raise ControlError(N_("Which kind of cue? One of: {kinds}."), kinds=", ".join(KIND_NAMES))
        return Control(action, target=kind)
    return Control(action, target=rest)


def find_unit(placement: Placement, agenda: Agenda, target: str, now: datetime) -> PlacedUnit:
    """A unit by item number (`3`), key, speaker key or name, or words of its title; upcoming first."""
    wanted = target.strip().lower()
    units = [u for u in placement.units if not u.skipped]
    if wanted.isdigit():
        number = int(wanted)
        if not 1 <= number <= len(agenda.items):
            raise ControlError(
                N_("There is no item {n}: the agenda has {count}."), n=number, count=len(agenda.items)
            )
        key = agenda.items[number - 1].key
        return next(u for u in units if u.unit.item.key == key)

    def matches(u: PlacedUnit) -> bool:
        texts = [u.key, u.unit.label, u.unit.item.title, u.unit.session.title if u.unit.session else ""]
        if u.unit.speaker:
            texts.append(u.unit.speaker)
        return any(wanted in t.lower() for t in texts if t)

    found = [u for u in units if matches(u)]
    if not found:
        raise ControlError(N_("No item, session or speaker matches `{target}`."), target=target)
    upcoming = [u for u in found if u.end > now]
    return (upcoming or found)[0]


def apply_control(agenda: Agenda, state: LiveState, control: Control, now: datetime) -> Outcome:
    """The state after a steering control, with what to say; raises ControlError for a polite no."""
    placement = place_units(agenda, state.adjustments)
    current = current_unit(placement, state, now)
    a = state.adjustments
    action = control.action
    if action == "start":
        return _start(agenda, state, placement, current, control.target, now)
    if action == "next":
        upcoming = following_unit(placement, current, now)
        if current is None and upcoming is None:
            raise ControlError(N_("The webinar is over: there is nothing next."))
        if upcoming is None:
            assert current is not None
            new = a.with_end(current.key, now)
            ended = _label(current)
            return Outcome(
                state.with_adjustments(new),
                Phrase.of(N_("Ended {unit}: that was the last part."), unit=ended),
                Phrase.of(N_("{who} ended {unit}, the last part of the webinar"), unit=ended),
                True,
            )
        new = a.with_start(upcoming.key, now)
        if current is not None:
            new = new.with_end(current.key, now)
        note = _timing_note(current, now)
        length = Duration.of(upcoming.unit.planned_duration)
        return Outcome(
            state.with_adjustments(new, upcoming.key),
            Phrase.of(N_("Now: {unit} ({length}).{note}"), unit=_label(upcoming), length=length, note=note),
            Phrase.of(N_("{who} moved on to {unit}{note}"), unit=_label(upcoming), note=note),
            True,
        )
    if action == "delay":
        assert control.amount is not None
        length = Duration.of(control.amount)
        return Outcome(
            state.with_adjustments(a.with_delay(now, control.amount)),
            Phrase.of(N_("Every later cue moves by {length}."), length=length),
            Phrase.of(N_("{who} delayed the session by {length}"), length=length),
            True,
        )
    if action == "extend":
        assert control.amount is not None
        if current is None:
            raise ControlError(
                N_("Nothing is running to extend; use `/webinar delay` to move what comes next.")
            )
        length = Duration.of(control.amount)
        return Outcome(
            state.with_adjustments(a.with_extension(current.key, control.amount)),
            Phrase.of(N_("{unit} gets {length} more."), unit=_label(current), length=length),
            Phrase.of(N_("{who} gave {unit} {length} more"), unit=_label(current), length=length),
            True,
        )
    if action == "pause":
        if state.paused_since is not None:
            raise ControlError(N_("The session is already paused; `/webinar resume` restarts it."))
        paused = replace(a, pauses=(*a.pauses, Pause(now)))
        return Outcome(
            state.with_adjustments(paused),
            Phrase.of(N_("Paused: no cue goes out until `/webinar resume`.")),
            Phrase.of(N_("{who} paused the session")),
            True,
        )
    if action == "resume":
        since = state.paused_since
        if since is None:
            raise ControlError(N_("The session is not paused."))
        pauses = tuple(Pause(p.start, now) if p.end is None else p for p in a.pauses)
        length = Duration.of(now - since)
        return Outcome(
            state.with_adjustments(replace(a, pauses=pauses)),
            Phrase.of(N_("Resumed after {length}: later cues move by {length}."), length=length),
            Phrase.of(N_("{who} resumed the session after {length}"), length=length),
            True,
        )
    if action == "skip":
        target = (
            find_unit(placement, agenda, control.target, now)
            if control.target
            else following_unit(placement, current, now)
        )
        if target is None:
            raise ControlError(N_("There is nothing left to skip."))
        if current is not None and target.key == current.key:
            raise ControlError(
                N_("{unit} is running now: use `/webinar next` to move on."), unit=_label(target)
            )
        if target.start <= now and target.end <= now:
            raise ControlError(N_("{unit} is already over."), unit=_label(target))
        return Outcome(
            state.with_adjustments(a.with_skip(target.key)),
            Phrase.of(N_("Skipped {unit}."), unit=_label(target)),
            Phrase.of(N_("{who} skipped {unit}"), unit=_label(target)),
            True,
        )
    if action in ("mute", "unmute"):
        kind = control.target
        muted = a.muted | {kind} if action == "mute" else a.muted - {kind}
        if action == "mute":
            reply = Phrase.of(N_("{kind} cues muted."), kind=kind)
            log = Phrase.of(N_("{who} muted {kind} cues"), kind=kind)
        else:
            reply = Phrase.of(N_("{kind} cues unmuted."), kind=kind)
            log = Phrase.of(N_("{who} unmuted {kind} cues"), kind=kind)
        return Outcome(state.with_adjustments(replace(a, muted=frozenset(muted))), reply, log, True)
    raise ControlError(N_("`{action}` does not steer the session."), action=action)


def _timing_note(current: PlacedUnit | None, now: datetime) -> Phrase | str:
    if current is None:
        return ""
    over = now - current.time_up
    if over > timedelta(seconds=5):
        return Phrase.of(N_(" ({unit} ran {length} over)"), unit=_label(current), length=Duration.of(over))
    if -over > timedelta(seconds=5):
        return Phrase.of(
            N_(" ({unit} finished {length} early)"), unit=_label(current), length=Duration.of(-over)
        )
    return ""


def _start(
    agenda: Agenda,
    state: LiveState,
    placement: Placement,
    current: PlacedUnit | None,
    target: str,
    now: datetime,
) -> Outcome:
    a = state.adjustments
    if not target:
        if a.actual_starts:
            running: object = _label(current) if current else Phrase.of(N_("the webinar"))
            raise ControlError(
                N_("Already running ({unit}). Use `/webinar next`, or `/webinar start <item>`."), unit=running
            )
        first = next(u for u in placement.units if not u.skipped)
        new = a.with_start(first.key, now)
        note = _relative(now, first.unit.planned_start)
        return Outcome(
            state.with_adjustments(new, first.key),
            Phrase.of(N_("Started: {unit}.{note}"), unit=_label(first), note=note),
            Phrase.of(N_("{who} started the webinar{note}"), note=note),
            True,
        )
    unit = find_unit(placement, agenda, target, now)
    if unit.key in a.actual_starts and current is not None and unit.key == current.key:
        raise ControlError(N_("{unit} is already running."), unit=_label(unit))
    units = [u for u in placement.units if not u.skipped]
    position = {u.key: i for i, u in enumerate(units)}
    if current is not None and position[unit.key] < position[current.key]:
        raise ControlError(
            N_("{unit} came before what runs now; I can only jump forward."), unit=_label(unit)
        )
    new = a.with_start(unit.key, now)
    first_between = position[current.key] + 1 if current is not None else 0
    for skipped in units[first_between : position[unit.key]]:
        if skipped.end > now:
            new = new.with_skip(skipped.key)
    if current is not None and current.key != unit.key:
        new = new.with_end(current.key, now)
    return Outcome(
        state.with_adjustments(new, unit.key),
        Phrase.of(N_("Started: {unit}."), unit=_label(unit), note=""),
        Phrase.of(N_("{who} started {unit}"), unit=_label(unit)),
        True,
    )


def _relative(now: datetime, planned: datetime) -> Phrase:
    gap = now - planned
    if abs(gap) < timedelta(seconds=30):
        return Phrase.of(N_(" (on time)"))
    if gap > timedelta(0):
        return Phrase.of(N_(" ({length} late)"), length=Duration.of(abs(gap)))
    return Phrase.of(N_(" ({length} early)"), length=Duration.of(abs(gap)))
