"""`webinar-bot rehearse FILE --platform matrix`: the whole seed webinar on a Synapse of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.matrix.homeserver import synapse_installed

from support import SEED_WEBINAR

MATRIX_SETTINGS = ("MATRIX_HOMESERVER", "MATRIX_USER_ID", "MATRIX_ACCESS_TOKEN", "MATRIX_PASSWORD")


@pytest.fixture
def no_matrix_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in MATRIX_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's


@pytest.mark.skipif(not synapse_installed(), reason="matrix-synapse is not installed")
def test_the_seed_webinar_rehearsed_on_its_own_synapse_posts_every_cue_once(
    capsys: pytest.CaptureFixture[str], no_matrix_settings: None
) -> None:
    code = main(["rehearse", str(SEED_WEBINAR), "--platform", "matrix", "--speed", "600", "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Rehearsing on a Synapse of its own (http://127.0.0.1:" in out
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


def test_what_only_the_slack_stand_in_can_rehearse_is_refused_on_matrix(
    capsys: pytest.CaptureFixture[str], no_matrix_settings: None
) -> None:
    code = main(["rehearse", str(SEED_WEBINAR), "--platform", "matrix", "--crowd", "5"])
    _, err = capsys.readouterr()
    assert code == 1 and "--crowd" in err and "not yet on Matrix" in err
