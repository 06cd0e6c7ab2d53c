"""`webinar-bot rehearse` end to end on a short schedule: every cue once, the chat printed, a summary."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

from bot.cli import main
from bot.rehearsal.run import RehearsalOptions, rehearse

SHORT = """\
title: Short rehearsal
timezone: Europe/Zurich
date: 2018-10-23
connect_before: 5m
reminders: [{before: 1d, template: connection_guide}, {before: 5m, template: connect_now}]
channels: {announcements: short-webinar, questions: short-questions, backstage: short-backstage}
moderators: [mod]
speakers:
  mod: {name: Maria Moderator, email: mod@example.org}
  ana: {name: Ana Speaker, email: ana@example.org}
agenda:
  - time: "14:00-14:12"
    title: Only block
    sessions:
      - title: A session
        slots: [{speaker: ana, minutes: 4}, {discussion: 6}]
"""


def test_a_short_rehearsal_posts_every_cue_once_and_prints_the_chat(tmp_path: Path) -> None:
    schedule = tmp_path / "short.yaml"
    schedule.write_text(SHORT)
    script = tmp_path / "script.txt"
    script.write_text("14:00 start\n14:05 next\n")
    out = io.StringIO()
    transcript = tmp_path / "out.jsonl"
    result = rehearse(RehearsalOptions(schedule, speed=600, transcript=transcript, script=script), out)
    assert result.summary.missing == 0 and result.summary.duplicated == 0
    assert result.summary.planned == len(result.bot.webinar.session.plan())
    chat = out.getvalue()
    assert "#short-backstage" in chat and "@Ana Speaker (DM)" in chat and "/webinar next" in chat
    assert "1 day before, compressed" in chat
    entries = [json.loads(line) for line in transcript.read_text().splitlines()]
    assert entries and all("agenda" in e and "wall" in e for e in entries)
    # The script's late `next` moved the discussion: the plan the summary checked followed it.
    assert result.bot.webinar.session.state.current is not None


def test_the_rehearse_command_prints_a_summary_and_exits_0(tmp_path: Path, capsys: object) -> None:
    schedule = tmp_path / "short.yaml"
    schedule.write_text(SHORT)
    code = main(["rehearse", str(schedule), "--speed", "900", "--quiet"])
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert code == 0
    assert "Rehearsal summary" in out and "missing: 0" in out and "duplicated: 0" in out


def test_rehearsing_a_broken_schedule_says_why(tmp_path: Path, capsys: object) -> None:
    schedule = tmp_path / "broken.yaml"
    schedule.write_text(SHORT.replace("speaker: ana", "speaker: ghost"))
    assert main(["rehearse", str(schedule), "--quiet"]) == 1
    assert "ghost" in capsys.readouterr().err  # type: ignore[attr-defined]


def test_a_crowd_asks_by_every_path_and_nothing_is_lost(tmp_path: Path) -> None:
    schedule = tmp_path / "short.yaml"
    schedule.write_text(
        SHORT.replace(
            "slots: [{speaker: ana, minutes: 4}, {discussion: 6}]",
            "slots: [{speaker: ana, minutes: 4}, {discussion: 6}]\n"
            "      - title: Another session\n"
            "        slots: [{discussion: 2}]",
        )
    )
    result = rehearse(RehearsalOptions(schedule, speed=300, crowd=10, quiet=True), io.StringIO())
    tally = result.crowd
    assert tally is not None and tally.asked > 5
    assert tally.lost == 0 and tally.recorded == tally.asked, tally.missing
    assert tally.filed_right == tally.asked, tally.misfiled
    assert tally.votes_counted == tally.votes_expected
    assert {"thread", "channel", "ask"} <= tally.paths


def test_a_rehearsal_that_skips_extends_delays_and_pauses_exits_0_with_the_moot_cues_withdrawn(
    tmp_path: Path, capsys: object
) -> None:
    schedule = tmp_path / "steered.yaml"
    schedule.write_text(
        SHORT.replace(
            "slots: [{speaker: ana, minutes: 4}, {discussion: 6}]",
            "slots: [{speaker: ana, minutes: 3}, {speaker: mod, minutes: 3}, {discussion: 4}]",
        )
    )
    script = tmp_path / "script.txt"
    script.write_text(
        "14:00 start\n14:01 extend 1\n14:02 delay 2\n14:03 skip mod\n14:04 pause\n14:05 resume\n"
    )
    code = main(["rehearse", str(schedule), "--speed", "300", "--quiet", "--script", str(script)])
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert code == 0, out
    assert "missing: 0" in out and "duplicated: 0" in out
    withdrawn = next(line for line in out.splitlines() if "withdrawn (a change made them moot)" in line)
    assert int(withdrawn.rsplit(":", 1)[1]) >= 3  # Maria's standby, warning and time's up, at least


def test_at_600x_a_rehearsal_shows_what_the_live_event_would(tmp_path: Path) -> None:
    """Slack's limits and the bot's pacing count agenda time in a rehearsal: no 429s, and every
    "1 min left" is said before the time is up, whatever the speed."""
    schedule = tmp_path / "short.yaml"
    schedule.write_text(SHORT)
    transcript = tmp_path / "out.jsonl"
    result = rehearse(RehearsalOptions(schedule, speed=600, transcript=transcript, quiet=True), io.StringIO())
    assert result.summary.clean
    entries = [json.loads(line) for line in transcript.read_text().splitlines()]
    assert not [e for e in entries if e.get("status") == 429]
    posted = result.slack.transcript.calls(method="chat.postMessage", ok=True)
    at = {
        ((e.args.get("metadata") or {}).get("event_payload") or {}).get("key"): datetime.fromisoformat(
            e.agenda
        )
        for e in posted
        if isinstance(e.args.get("metadata"), dict)
    }
    cues = {c.id: c for c in result.bot.webinar.session.plan()}
    warnings = [c for c in cues.values() if c.kind.value == "slot_warning"]
    assert warnings
    for cue in warnings:
        assert at[cue.id] < cues[cue.id.replace("slot_warning", "slot_end", 1)].at, cue.id
