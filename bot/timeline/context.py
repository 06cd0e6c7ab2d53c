"""What a template may say of a speaker or a timed unit: one shape for cues, change notices and the
panel, with titles and durations as values each language writes (`bot.i18n.localized`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.agenda.model import Agenda
from bot.i18n.localized import Duration, Localized, title
from bot.timeline.units import PlacedUnit, Unit


def ts(when: datetime) -> int:
    return int(when.timestamp())


def speaker(agenda: Agenda, key: str) -> dict[str, Any]:
    found = agenda.speakers.get(key)
    if found is None:
        return {"key": key, "name": key, "role": "", "confirmed": True}
    return {"key": key, "name": found.name, "role": found.role, "confirmed": found.confirmed}


def label(unit: Unit) -> Localized:
    """A unit's label: a speaker's name as written, a slot's or item's title in each language."""
    if unit.kind == "speaker":
        return Localized(unit.label)
    if unit.slot is not None:
        return title(unit.slot.title or unit.label, unit.slot.title_l10n)
    owner = unit.session if unit.session is not None else unit.item
    return title(unit.label, owner.title_l10n if unit.label == owner.title else ())


def unit(placed: PlacedUnit, agenda: Agenda) -> dict[str, Any]:
    current = placed.unit
    return {
        "key": current.key,
        "kind": current.kind,
        "label": label(current),
        "speaker": speaker(agenda, current.speaker) if current.speaker else None,
        "start_ts": ts(placed.start),
        "end_ts": ts(placed.time_up),
        "length": Duration.of(placed.time_up - placed.start),
        "session": title(current.session.title, current.session.title_l10n) if current.session else None,
        "item": title(current.item.title, current.item.title_l10n),
    }
