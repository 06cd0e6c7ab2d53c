"""The control panel: one message in backstage, with buttons, kept current with `chat.update`.

It shows what runs now and how much time it has left, what comes next, how far behind the plan the
session is and what buffer is left to absorb it. Its times are Slack date tokens, so it needs an
update only when something changes (a control, a cue), not every second.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta, tzinfo
from typing import Any

from bot.agenda.durations import format_duration
from bot.messages.dates import date_token
from bot.messages.render import Renderer
from bot.runtime.status import Status
from bot.slack.delivery import with_user_ids
from bot.slack.directory import Resolution
from bot.slack.sender import Post, Priority, Result, SlackSender
from bot.timeline.units import PlacedUnit

ACTION_PREFIX = "webinar_control_"


def _unit(placed: PlacedUnit | None) -> dict[str, Any] | None:
    if placed is None:
        return None
    unit = placed.unit
    return {
        "key": unit.key,
        "label": unit.label,
        "speaker": {"key": unit.speaker, "name": unit.label} if unit.speaker else None,
        "session": unit.session.title if unit.session else None,
        "start_ts": int(placed.start.timestamp()),
        "end_ts": int(placed.time_up.timestamp()),
        "length": format_duration(placed.time_up - placed.start),
    }


def status_context(report: Status, muted: frozenset[str]) -> dict[str, Any]:
    def text(delta: timedelta | None) -> str | None:
        return format_duration(delta) if delta is not None else None

    spills = None
    if report.buffer_left is not None and report.behind > report.buffer_left + timedelta(seconds=30):
        spills = format_duration(report.behind - report.buffer_left)
    return {
        "phase": report.phase,
        "current": _unit(report.current),
        "next": _unit(report.next),
        "time_left": text(report.time_left),
        "overrun": text(report.overrun),
        "behind": format_duration(report.behind),
        "ahead": format_duration(-report.behind),
        "behind_seconds": report.behind.total_seconds(),
        "buffer_left": text(report.buffer_left) if report.buffer_left is not None else None,
        "spills": spills,
        "paused_for": text(report.paused_for),
        "starts_in": text(report.starts_in),
        "start_ts": int(report.placement.start.timestamp()),
        "block": report.block_title,
        "muted": sorted(muted),
    }


def status_text(
    renderer: Renderer,
    webinar: dict[str, Any],
    report: Status,
    muted: frozenset[str],
    speakers: dict[str, str],
) -> str:
    context = with_user_ids({"webinar": webinar, "status": status_context(report, muted)}, speakers)
    return renderer.render("panel", context).text


def _button(label: str, control: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_id": ACTION_PREFIX + control.replace(" ", "_"),
        "value": control,
    }
    if style:
        button["style"] = style
    return button


def panel_blocks(text: str, report: Status, started: bool, tz: tzinfo) -> list[dict[str, Any]]:
    buttons = []
    if not started:
        buttons.append(_button(":arrow_forward: Start", "start", "primary"))
    buttons.append(_button(":next_track_button: Next", "next", None if not started else "primary"))
    buttons.append(_button("+1 min", "extend 1"))
    buttons.append(_button("+5 min delay", "delay 5"))
    if report.phase == "paused":
        buttons.append(_button(":arrow_forward: Resume", "resume", "primary"))
    else:
        buttons.append(_button(":double_vertical_bar: Pause", "pause", "danger"))
    updated = date_token(int(report.now.timestamp()), tz)
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}},
        {"type": "actions", "block_id": "webinar_controls", "elements": buttons},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Updated {updated} · `/webinar help`"}]},
    ]


class ControlPanel:
    def __init__(
        self,
        sender: SlackSender,
        renderer: Callable[[], Renderer],
        resolution: Callable[[], Resolution],
        on_posted: Callable[[str, str], None],
    ) -> None:
        self.sender = sender
        self._renderer = renderer
        self._resolution = resolution
        self.on_posted = on_posted
        self.channel: str | None = None
        self.ts: str | None = None
        self._posting = False

    def show(
        self, webinar: dict[str, Any], report: Status, muted: frozenset[str], started: bool, tz: tzinfo
    ) -> None:
        resolution = self._resolution()
        text = status_text(self._renderer(), webinar, report, muted, resolution.speakers)
        blocks = panel_blocks(text, report, started, tz)
        channel = resolution.channels["backstage"]
        if self.ts is not None and self.channel == channel:
            args = {"channel": channel, "ts": self.ts, "text": text, "blocks": blocks}
            self.sender.submit(Post("chat.update", args, Priority.PANEL, coalesce="panel"))
            return
        if self._posting:
            return
        self._posting = True
        args = {"channel": channel, "text": text, "blocks": blocks}
        self.sender.submit(
            Post("chat.postMessage", args, Priority.PANEL, key="control-panel", on_done=self._posted)
        )

    def _posted(self, result: Result) -> None:
        self._posting = False
        if result.ok and result.ts and result.channel:
            self.channel, self.ts = result.channel, result.ts
            self.on_posted(result.channel, result.ts)
