"""Rehearsal preparation: today, the same wall-clock times, long reminders pulled into the lead-in."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.agenda.load import load_schedule
from bot.agenda.model import Agenda
from bot.agenda.problems import ScheduleUnreadable
from bot.rehearsal.prepare import prepare
from bot.rehearsal.script import load_script
from bot.rehearsal.workspace import rehearsal_workspace

from support import SEED_PANEL, SEED_WEBINAR

TODAY = date(2026, 11, 23)


def seed() -> Agenda:
    result = load_schedule(SEED_WEBINAR)
    assert result.agenda is not None
    return result.agenda


def test_the_agenda_moves_to_today_keeping_its_local_times_across_a_dst_change() -> None:
    prepared = prepare(seed(), TODAY)
    tz = ZoneInfo("Europe/Zurich")
    start = prepared.agenda.start.astimezone(tz)
    assert (start.date(), start.hour, start.minute) == (TODAY, 14, 0)
    assert start.tzname() == "CET"  # October was CEST: the wall clock is kept, not the UTC instant
    assert prepared.agenda.end - prepared.agenda.start == timedelta(hours=3, minutes=15)


def test_a_week_ahead_reminder_is_compressed_into_the_lead_in_before_connect_now() -> None:
    prepared = prepare(seed(), TODAY)
    start = prepared.agenda.start
    reminders = {(r.template, r.to): r for r in prepared.agenda.reminders}
    guide, connect = reminders[("connection_guide", "channel")], reminders[("connect_now", "channel")]
    assert connect.instant(start) == start - timedelta(minutes=30)
    assert reminders[("connect_now", "online")].instant(start) == connect.instant(start)
    for far in (guide, reminders[("connection_guide", "online")], reminders[("venue", "in_person")]):
        assert start - timedelta(minutes=32) < far.instant(start) < connect.instant(start)
        assert prepared.origin < far.instant(start)
    assert prepared.notes == {
        "connection_guide": "7 days before, compressed",
        "venue": "1 day before, compressed",
    }
    # The whole rehearsal, lead-in included, is about 3.8 minutes at 60x.
    assert (prepared.agenda.end - prepared.origin) / 60 < timedelta(minutes=4)


def test_a_script_reads_yaml_steps_or_plain_lines(tmp_path: Path) -> None:
    tz = ZoneInfo("Europe/Zurich")
    yaml_script = tmp_path / "late.yaml"
    yaml_script.write_text('- {at: "14:10", do: next}\n- {at: "14:32", do: delay 5, as: kulke}\n')
    steps = load_script(yaml_script, TODAY, tz)
    assert [(s.at.astimezone(tz).strftime("%H:%M"), s.control, s.actor) for s in steps] == [
        ("14:10", "next", None),
        ("14:32", "delay 5", "kulke"),
    ]
    lines = tmp_path / "late.txt"
    lines.write_text("# a late speaker\n14:16:30 next\n14:10 start\n")
    assert [s.control for s in load_script(lines, TODAY, tz)] == ["start", "next"]


@pytest.mark.parametrize("text", ['- {at: "25:00", do: next}\n', "14:10 dance\n", "- just words\n"])
def test_a_broken_script_is_refused_before_the_rehearsal_starts(tmp_path: Path, text: str) -> None:
    script = tmp_path / "bad.yaml"
    script.write_text(text)
    with pytest.raises(ScheduleUnreadable):
        load_script(script, TODAY, ZoneInfo("Europe/Zurich"))


def test_the_rehearsal_workspace_has_the_schedules_people_and_channels() -> None:
    result = load_schedule(SEED_PANEL)
    assert result.agenda is not None
    workspace = rehearsal_workspace(result.agenda)
    backstage = workspace.find_channel("psi-panel-7-backstage")
    assert backstage is not None and backstage.is_private
    assert workspace.bot.user_id in backstage.members
    assert workspace.find_user("schmidt@example.org") is not None
