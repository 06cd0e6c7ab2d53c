"""What changed between two versions of an agenda, said briefly for backstage."""

from __future__ import annotations

from datetime import datetime

from bot.agenda.model import Agenda, Item, Slot


def _hm(agenda: Agenda, when: datetime) -> str:
    return f"{when.astimezone(agenda.tz):%H:%M}"


def _slot_label(agenda: Agenda, slot: Slot) -> str:
    return agenda.speaker_name(slot.speaker) if slot.speaker else (slot.title or slot.key)


def describe_changes(old: Agenda, new: Agenda, limit: int = 15) -> list[str]:
    """Lines like "moved: Behrendt 14:10 → 14:15"; empty when nothing a moderator cares about changed."""
    lines: list[str] = []
    old_items = {i.key: i for i in old.items}
    new_items = {i.key: i for i in new.items}
    for key, item in new_items.items():
        before = old_items.get(key)
        if before is None:
            lines.append(f"added: {item.title} ({_hm(new, item.start)}-{_hm(new, item.end)})")
        elif (before.start, before.end) != (item.start, item.end):
            lines.append(
                f"moved: {item.title} {_hm(old, before.start)}-{_hm(old, before.end)} → "
                f"{_hm(new, item.start)}-{_hm(new, item.end)}"
            )
    lines.extend(f"cancelled: {item.title}" for key, item in old_items.items() if key not in new_items)
    lines.extend(_slot_changes(old, new, old_items, new_items))
    if set(old.speakers) != set(new.speakers):
        added = sorted(set(new.speakers) - set(old.speakers))
        removed = sorted(set(old.speakers) - set(new.speakers))
        if added:
            lines.append("new speakers: " + ", ".join(new.speaker_name(k) for k in added))
        if removed:
            lines.append("speakers removed: " + ", ".join(old.speaker_name(k) for k in removed))
    if old.title != new.title:
        lines.append(f"title: {new.title}")
    if len(lines) > limit:
        lines = [*lines[:limit], f"… and {len(lines) - limit} more"]
    return lines


def _slot_changes(
    old: Agenda, new: Agenda, old_items: dict[str, Item], new_items: dict[str, Item]
) -> list[str]:
    lines = []
    for key, item in new_items.items():
        before = old_items.get(key)
        if before is None:
            continue
        old_slots = {s.key: s for s in before.all_slots}
        new_slots = {s.key: s for s in item.all_slots}
        for slot_key, slot in new_slots.items():
            was = old_slots.get(slot_key)
            if was is None:
                lines.append(f"added: {_slot_label(new, slot)} at {_hm(new, slot.start)} in {item.title}")
            elif (was.start, was.end) != (slot.start, slot.end) and (before.start, before.end) == (
                item.start,
                item.end,
            ):
                lines.append(
                    f"moved: {_slot_label(new, slot)} {_hm(old, was.start)}-{_hm(old, was.end)} → "
                    f"{_hm(new, slot.start)}-{_hm(new, slot.end)}"
                )
        for slot_key, slot in old_slots.items():
            if slot_key not in new_slots:
                lines.append(f"cancelled: {_slot_label(old, slot)} in {item.title}")
    return lines
