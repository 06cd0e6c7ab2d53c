"""The rehearsal's verdict: every planned cue posted once and on time, or withdrawn for a reason.

Counted from the outbox (what was planned, and what a change made moot) against what the stand-in
stored (each post carries its cue id): planned, on time, late, withdrawn, missing, duplicated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.localslack.transcript import Transcript
from bot.store.outbox import OutboxEntry, OutboxStatus
from bot.timeline.cue import REGISTRANT_PREFIX

DM_COUNTS = ("planned", "sent", "missing", "duplicated")
ON_TIME = timedelta(seconds=1)  # of agenda time...
ON_TIME_REAL = 0.05  # ...or 50 ms of real time, whichever is longer: at 300x an agenda second is 3 ms


@dataclass
class Summary:
    planned: int = 0
    on_time: int = 0
    late: int = 0
    withdrawn: int = 0
    missing: int = 0
    duplicated: int = 0
    worst_late: timedelta = timedelta(0)
    missing_ids: list[str] = field(default_factory=list)
    duplicated_ids: list[str] = field(default_factory=list)
    withdrawn_why: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)  # agenda seconds, cue instant to receipt
    registrants: int = 0
    dms: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DM_COUNTS, 0))  # registrants' DMs

    @property
    def clean(self) -> bool:
        return self.missing == 0 and self.duplicated == 0

    def lines(self, speed: float = 1.0) -> list[str]:
        worst = self.worst_late.total_seconds()
        real = f", {worst / speed * 1000:.0f} ms of real time at {speed:g}x" if speed > 1 else ""
        real_window = f"{ON_TIME_REAL * 1000:.0f} ms of real time"
        window = "1 agenda second" if speed <= 1 / ON_TIME_REAL else real_window
        text = [
            f"cues planned: {self.planned}",
            f"posted on time (within {window}): {self.on_time}",
            f"late: {self.late}" + (f" (worst {worst:.1f} agenda s{real})" if self.late else ""),
            f"withdrawn (a change made them moot): {self.withdrawn}",
            f"missing: {self.missing}",
            f"duplicated: {self.duplicated}",
        ]
        if self.registrants or self.dms["planned"]:
            counts = ", ".join(f"{what} {self.dms[what]}" for what in DM_COUNTS)
            text.append(f"registrants: {self.registrants}; their direct messages: {counts}")
        text += [f"  withdrawn after {why}: {count}" for why, count in sorted(self.withdrawn_why.items())][:5]
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


def summarize(entries: list[OutboxEntry], transcript: Transcript, speed: float = 1.0) -> Summary:
    return summarize_receipts(entries, receipts(transcript), speed)


def summarize_receipts(
    entries: list[OutboxEntry], seen: dict[str, list[datetime]], speed: float = 1.0
) -> Summary:
    """The verdict from when the platform stored each keyed post (agenda time), by key."""
    summary = Summary(planned=len(entries))
    on_time = max(ON_TIME, timedelta(seconds=ON_TIME_REAL * speed))
    for entry in entries:
        times = seen.get(entry.cue_id, [])
        if entry.audience.startswith(REGISTRANT_PREFIX) and entry.status is not OutboxStatus.VOID:
            summary.dms["planned"] += 1
            summary.dms["sent" if times else "missing"] += 1
            summary.dms["duplicated"] += len(times) > 1
        if entry.status is OutboxStatus.VOID and not times:
            summary.withdrawn += 1
            why = (entry.error or "a change").removeprefix("moot after: ")
            summary.withdrawn_why[why] = summary.withdrawn_why.get(why, 0) + 1
            continue
        if not times:
            summary.missing += 1
            summary.missing_ids.append(entry.cue_id)
            continue
        if len(times) > 1:
            summary.duplicated += 1
            summary.duplicated_ids.append(entry.cue_id)
        delay = times[0] - entry.planned_at
        summary.latencies.append(delay.total_seconds())
        if delay <= on_time:
            summary.on_time += 1
        else:
            summary.late += 1
            summary.worst_late = max(summary.worst_late, delay)
    return summary
