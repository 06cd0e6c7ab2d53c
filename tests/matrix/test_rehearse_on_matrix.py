"""`webinar-bot rehearse FILE --platform matrix`: the whole seed webinar on a Synapse of its own."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.matrix.homeserver import synapse_installed
from bot.rehearsal.run import RehearsalOptions

from support import SEED_WEBINAR

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
      - title: Another session
        slots: [{discussion: 2}]
"""
needs_synapse = pytest.mark.skipif(not synapse_installed(), reason="matrix-synapse is not installed")
MATRIX_SETTINGS = ("MATRIX_HOMESERVER", "MATRIX_USER_ID", "MATRIX_ACCESS_TOKEN", "MATRIX_PASSWORD")


@pytest.fixture
def no_matrix_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in MATRIX_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's


@needs_synapse
def test_the_seed_webinar_rehearsed_on_its_own_synapse_posts_every_cue_once(
    capsys: pytest.CaptureFixture[str], no_matrix_settings: None
) -> None:
    code = main(["rehearse", str(SEED_WEBINAR), "--platform", "matrix", "--speed", "600", "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "on a Synapse of its own (http://127.0.0.1:" in out
    summary = out.split("Rehearsal summary", 1)[1]
    planned = int(summary.split("cues planned: ", 1)[1].split("\n", 1)[0])
    assert planned > 100
    assert "missing: 0" in summary and "duplicated: 0" in summary


def test_a_matrix_rehearsal_refuses_a_real_homeserver(
    capsys: pytest.CaptureFixture[str], no_matrix_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATRIX_HOMESERVER", "https://matrix.example.org")
    code = main(["rehearse", str(SEED_WEBINAR), "--platform", "matrix", "--quiet"])
    _, err = capsys.readouterr()
    assert code == 1 and "unset MATRIX_HOMESERVER" in err and "Traceback" not in err


@needs_synapse
def test_registrants_rehearsed_on_matrix_each_get_their_reminders_in_a_direct_room(
    tmp_path: Path, no_matrix_settings: None
) -> None:
    from bot.rehearsal.on_matrix import rehearse_on_matrix

    schedule = tmp_path / "short.yaml"
    schedule.write_text(
        SHORT.replace("connect_before: 5m\n", "connect_before: 5m\nregistration: {open: true}\n")
    )
    registrants = tmp_path / "registrants.csv"
    registrants.write_text(
        "name,email,mode,language\nAna Online,ana.o@example.org,online,fr\nBo Online,bo@example.org,online,\n"
    )
    out = io.StringIO()
    options = RehearsalOptions(schedule, speed=60, registrants=registrants, quiet=True)
    result = rehearse_on_matrix(options, Settings(), out)

    summary = result.summary
    assert summary.registrants == 2
    assert summary.dms["planned"] >= 2 and summary.dms["sent"] == summary.dms["planned"]
    assert summary.dms["missing"] == 0 and summary.dms["duplicated"] == 0
    assert summary.missing == 0 and summary.duplicated == 0


@needs_synapse
def test_a_matrix_rehearsal_prints_the_chat_plays_the_script_and_its_crowd_loses_nothing(
    tmp_path: Path, no_matrix_settings: None
) -> None:
    from bot.rehearsal.on_matrix import rehearse_on_matrix

    schedule = tmp_path / "short.yaml"
    schedule.write_text(SHORT)
    script = tmp_path / "script.txt"
    script.write_text("14:00 start\n14:05 next\n")
    transcript = tmp_path / "out.jsonl"
    out = io.StringIO()
    options = RehearsalOptions(schedule, speed=60, transcript=transcript, script=script, crowd=5)
    result = rehearse_on_matrix(options, Settings(), out)

    assert result.summary.missing == 0 and result.summary.duplicated == 0
    assert result.summary.planned >= 20
    chat = out.getvalue()
    assert "#short-backstage" in chat and "#short-questions" in chat and "@Ana Speaker (DM)" in chat
    assert "› !webinar next" in chat and "@Maria Moderator (DM)" in chat  # the command and its answer
    assert "[1 day before, compressed]" in chat
    tally = result.crowd
    assert tally is not None and tally.asked > 3
    assert tally.lost == 0 and tally.recorded == tally.asked, tally.missing
    assert tally.filed_right == tally.asked, tally.misfiled
    assert tally.votes_counted == tally.votes_expected > 0
    assert tally.paths and tally.paths <= {"thread", "channel", "ask"}  # the ways Matrix offers
    entries = [json.loads(line) for line in transcript.read_text().splitlines()]
    assert len(entries) == result.events and all("agenda" in e and "wall" in e for e in entries)
    assert any(e["name"] == "m.reaction" and e["sender"].startswith("@participant") for e in entries)
    assert any(e["content"].get("org.webinar_bot.key", "").startswith("item_end:") for e in entries)
