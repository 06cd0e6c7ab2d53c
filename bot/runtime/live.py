"""The live state of a running webinar: what the moderators did, as plain data that survives restarts.

It is the planner's `Adjustments` plus the little the runtime needs besides (which unit a moderator
started last, where the control panel is, the change notices decided so far and what people were
told), serialised to JSON for the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from bot.timeline.adjustments import Adjustments, Delay, Pause
from bot.timeline.changes import Notice, Told, notice_from_json, notice_to_json, told_from_json, told_to_json


@dataclass(frozen=True)
class LiveState:
    adjustments: Adjustments = field(default_factory=Adjustments)
    current: str | None = None  # the unit a moderator started last (start / next)
    panel_channel: str | None = None
    panel_ts: str | None = None
    notices: tuple[Notice, ...] = ()
    told: Told = field(default_factory=Told)

    @property
    def paused_since(self) -> datetime | None:
        open_pauses = [p.start for p in self.adjustments.pauses if p.end is None]
        return open_pauses[-1] if open_pauses else None

    def with_adjustments(self, adjustments: Adjustments, current: str | None = None) -> LiveState:
        return replace(
            self, adjustments=adjustments, current=current if current is not None else self.current
        )

    # -- JSON ---------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        a = self.adjustments
        return {
            "delays": [{"at": d.at.isoformat(), "by": d.by.total_seconds()} for d in a.delays],
            "pauses": [
                {"start": p.start.isoformat(), "end": p.end.isoformat() if p.end else None} for p in a.pauses
            ],
            "actual_starts": {k: v.isoformat() for k, v in a.actual_starts.items()},
            "actual_ends": {k: v.isoformat() for k, v in a.actual_ends.items()},
            "extensions": {k: v.total_seconds() for k, v in a.extensions.items()},
            "skipped": sorted(a.skipped),
            "muted": sorted(a.muted),
            "auto_shift": a.auto_shift,
            "current": self.current,
            "panel_channel": self.panel_channel,
            "panel_ts": self.panel_ts,
            "notices": [notice_to_json(n) for n in self.notices],
            "told": told_to_json(self.told),
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> LiveState:
        when = datetime.fromisoformat
        adjustments = Adjustments(
            delays=tuple(Delay(when(d["at"]), timedelta(seconds=d["by"])) for d in doc.get("delays", [])),
            pauses=tuple(
                Pause(when(p["start"]), when(p["end"]) if p.get("end") else None)
                for p in doc.get("pauses", [])
            ),
            actual_starts={k: when(v) for k, v in doc.get("actual_starts", {}).items()},
            actual_ends={k: when(v) for k, v in doc.get("actual_ends", {}).items()},
            extensions={k: timedelta(seconds=v) for k, v in doc.get("extensions", {}).items()},
            skipped=frozenset(doc.get("skipped", [])),
            muted=frozenset(doc.get("muted", [])),
            auto_shift=doc.get("auto_shift"),
        )
        return cls(
            adjustments,
            doc.get("current"),
            doc.get("panel_channel"),
            doc.get("panel_ts"),
            tuple(notice_from_json(n) for n in doc.get("notices", [])),
            told_from_json(doc.get("told") or {}),
        )
