"""The rehearsal's verdict: every planned cue, posted once and on time, or not."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.localslack.transcript import Transcript
from bot.timeline.cue import Cue

ON_TIME = timedelta(seconds=1)


@dataclass
class Summary:
    planned: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    duplicated: int = 0
    worst_late: timedelta = timedelta(0)
    missing_ids: list[str] = field(default_factory=list)
    duplicated_ids: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # agenda seconds, cue instant to receipt

    @property
    def clean(self) -> bool:
        return self.missing == 0 and self.duplicated == 0

    def lines(self, speed: float = 1.0) -> list[str]:
        worst = self.worst_late.total_seconds()
        real = f", {worst / speed * 1000:.0f} ms of real time at {speed:g}x" if speed > 1 else ""
        text = [
            f"cues planned: {self.planned}",
            f"posted on time (within 1 agenda second): {self.on_time}",
            f"late: {self.late}" + (f" (worst {worst:.1f} agenda s{real})" if self.late else ""),
            f"missing: {self.missing}",
            f"duplicated: {self.duplicated}",
        ]
        if self.late and speed > 60:
            text.append(
                f"  (at {speed:g}x, Slack's limit of about one message per second per channel holds "
                "busy channels back; --speed 60 or less keeps them on time)"
            )
        text += [f"  missing: {cue_id}" for cue_id in self.missing_ids[:10]]
        text += [f"  duplicated: {cue_id}" for cue_id in self.duplicated_ids[:10]]
        return text


def receipts(transcript: Transcript) -> dict[str, list[datetime]]:
    """When the stand-in stored each post that carried a key (a cue id), by key."""
    found: dict[str, list[datetime]] = {}
    for entry in transcript.calls(method="chat.postMessage", ok=True):
        metadata = entry.args.get("metadata") or {}
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except ValueError:
                continue
        key = (metadata.get("event_payload") or {}).get("key") if isinstance(metadata, dict) else None
        if key:
            found.setdefault(str(key), []).append(datetime.fromisoformat(entry.agenda))
    return found


def summarize(cues: list[Cue], transcript: Transcript) -> Summary:
    seen = receipts(transcript)
    summary = Summary(planned=len(cues))
    for cue in cues:
        times = seen.get(cue.id, [])
        if not times:
            summary.missing += 1
            summary.missing_ids.append(cue.id)
            continue
        if len(times) > 1:
            summary.duplicated += 1
            summary.duplicated_ids.append(cue.id)
        delay = times[0] - cue.at
        summary.latencies.append(delay.total_seconds())
        if delay <= ON_TIME:
            summary.on_time += 1
        else:
            summary.late += 1
            summary.worst_late = max(summary.worst_late, delay)
    return summary
