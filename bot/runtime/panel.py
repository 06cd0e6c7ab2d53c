"""The control panel: one message in backstage, with buttons, kept current by editing it in place.

It shows what runs now and how much time it has left, what comes next, how far behind the plan the
session is and what buffer is left to absorb it. Its times are `Time` runs (each reader's own
zone), so it needs an update only when something changes (a control, a cue), not every second; the
updates are coalesced, at most one every half second, off the posting threads.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.agenda.model import Agenda
from bot.chat.markup import compose
from bot.chat.message import Button, Message
from bot.chat.port import MessageRef, PostMessage, UpdateMessage
from bot.chat.sender import Outcome, Priority, Sender
from bot.i18n.localized import Duration, title
from bot.i18n.words import Words
from bot.messages.cues import with_user_ids
from bot.messages.dates import time_run
from bot.messages.texts import Texts
from bot.people.book import People
from bot.people.directory import Directory
from bot.runtime.debounce import Debounced
from bot.runtime.session import LiveSession
from bot.runtime.status import Status
from bot.timeline import context
from bot.timeline.units import PlacedUnit

ACTION_PREFIX = "webinar_control_"
PANEL_KEY = "control-panel"


def _unit(placed: PlacedUnit | None, agenda: Agenda) -> dict[str, Any] | None:
    return None if placed is None else context.unit(placed, agenda)


def status_context(report: Status, muted: frozenset[str], agenda: Agenda) -> dict[str, Any]:
    def text(delta: timedelta | None) -> Duration | None:
        return Duration.of(delta) if delta is not None else None

    spills = None
    if report.buffer_left is not None and report.behind > report.buffer_left + timedelta(seconds=30):
        spills = Duration.of(report.behind - report.buffer_left)
    return {
        "phase": report.phase,
        "current": _unit(report.current, agenda),
        "next": _unit(report.next, agenda),
        "time_left": text(report.time_left),
        "overrun": text(report.overrun),
        "behind": Duration.of(report.behind),
        "ahead": Duration.of(-report.behind),
        "behind_seconds": report.behind.total_seconds(),
        "buffer_left": text(report.buffer_left) if report.buffer_left is not None else None,
        "spills": spills,
        "paused_for": text(report.paused_for),
        "starts_in": text(report.starts_in),
        "start_ts": int(report.placement.start.timestamp()),
        "block": report.block_title,
        "muted": sorted(muted),
    }


def people_context(agenda: Agenda, people: People) -> dict[str, Any]:
    """Counts, open connection requests and what speakers to be confirmed answered (moderators' view)."""
    context: dict[str, Any] = dict(people.registrants.counts())
    requests = people.requests.open()
    context["open_requests"] = len(requests)
    listed = []
    for request in requests[:5]:
        registrant = people.registrants.get(request.registrant) if request.registrant else None
        listed.append({"who": registrant.name if registrant else "", "missing": request.missing[:60]})
    context["requests"] = listed
    answers = people.answers.all()
    speakers = []
    for key, speaker in agenda.speakers.items():
        if speaker.confirmed:
            continue
        answer = answers.get(key)
        at = answer.answered_at if answer is not None else None
        speakers.append(
            {
                "name": speaker.name,
                "answer": answer.answer if answer is not None else None,
                "at_ts": int(at.timestamp()) if at is not None else 0,
            }
        )
    context["speakers"] = speakers
    return context


def control_action(control: str) -> str:
    return ACTION_PREFIX + control.replace(" ", "_")


def panel_buttons(report: Status, started: bool, w: Words) -> tuple[Button, ...]:
    buttons = []
    if not started:
        buttons.append(Button(w(":arrow_forward: Start"), control_action("start"), "start", "primary"))
    buttons.append(
        Button(
            w(":next_track_button: Next"), control_action("next"), "next", None if not started else "primary"
        )
    )
    buttons.append(Button(w("+1 min"), control_action("extend 1"), "extend 1"))
    buttons.append(Button(w("+5 min delay"), control_action("delay 5"), "delay 5"))
    if report.phase == "paused":
        buttons.append(Button(w(":arrow_forward: Resume"), control_action("resume"), "resume", "primary"))
    else:
        buttons.append(Button(w(":double_vertical_bar: Pause"), control_action("pause"), "pause", "danger"))
    return tuple(buttons)


class ControlPanel:
    def __init__(
        self,
        session: LiveSession,
        texts: Texts,
        directory: Directory,
        people: People,
        sender: Sender,
        min_interval: float = 0.5,
    ) -> None:
        self.session = session
        self.texts = texts
        self.directory = directory
        self.people = people
        self.sender = sender
        state = session.state
        self.ref: MessageRef | None = (
            MessageRef(state.panel_channel, state.panel_ts)
            if state.panel_channel and state.panel_ts
            else None
        )
        self._posting = False
        self._refresher = Debounced(self.show, min_interval)
        self._background = False

    def status_message(self, w: Words | None = None) -> Message:
        """What `/webinar status` answers: the panel's text, in `w`'s language (backstage's)."""
        agenda = self.session.agenda
        context = {
            "webinar": {"title": title(agenda.title, agenda.title_l10n), "timezone": agenda.timezone},
            "status": status_context(self.session.status(), self.session.state.adjustments.muted, agenda),
            "people": people_context(agenda, self.people),
        }
        renderer = self.texts.renderer_for(w.code) if w is not None else self.texts.renderer
        return renderer.render("panel", with_user_ids(context, self.directory.speakers))

    def start(self) -> None:
        self._background = True
        self._refresher.start()

    def stop(self) -> None:
        self._refresher.stop()

    def refresh(self) -> None:
        """Bring the panel up to date: at once in tests, off the posting threads when running."""
        if self._background:
            self._refresher.request()
        else:
            self.show()

    def show(self) -> None:
        report = self.session.status()
        started = bool(self.session.state.adjustments.actual_starts)
        text = self.status_message()
        w = self.texts.words()
        updated = time_run(int(report.now.timestamp()), self.session.agenda.tz, "time", w)
        message = Message(
            text.text,
            compose(w("Updated {at} · `/webinar help`"), at=updated),
            panel_buttons(report, started, w),
        )
        backstage = self.directory.channel("backstage")
        if self.ref is not None and self.ref.conversation == backstage:
            self.sender.send(UpdateMessage(self.ref, message), Priority.PANEL, coalesce="panel")
            return
        if self._posting:
            return
        self._posting = True
        self.sender.send(PostMessage(backstage, message), Priority.PANEL, key=PANEL_KEY, on_done=self._posted)

    def _posted(self, outcome: Outcome) -> None:
        self._posting = False
        if outcome.ok and outcome.ref is not None:
            self.ref = outcome.ref
            self.session.set_panel(outcome.ref)
