"""`webinar-bot run FILE --platform matrix` as an operator starts it: a real process, a real Synapse."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from matrix.fixtures import MatrixWorld
from sqlalchemy import create_engine

from bot.cli import main
from bot.store.sync_position import SyncPositionStore

from support import ROOT, SEED_WEBINAR

WAIT = 60.0


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    pause = threading.Event()
    while not condition():
        assert time.monotonic() < deadline, f"not within {WAIT:.0f} s: {what}"
        pause.wait(0.1)


def test_run_on_matrix_without_settings_says_which_are_needed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("MATRIX_HOMESERVER", "MATRIX_USER_ID", "MATRIX_ACCESS_TOKEN", "MATRIX_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    code = main(["run", str(SEED_WEBINAR), "--platform", "matrix", "--env", str(tmp_path / "none.env")])
    _, err = capsys.readouterr()
    assert code == 1  # EXIT_INVALID, as for any setting missing
    assert "MATRIX_HOMESERVER" in err and "MATRIX_ACCESS_TOKEN" in err and "Traceback" not in err


def test_run_on_matrix_joins_the_rooms_answers_a_moderator_and_stops_cleanly(
    matrix_world: MatrixWorld, tmp_path: Path
) -> None:
    bot = matrix_world.new_bot()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MATRIX_"))}
    env |= {
        "MATRIX_HOMESERVER": matrix_world.synapse.url,
        "MATRIX_USER_ID": bot.id,
        "MATRIX_PASSWORD": bot.account.password,  # a password: the bot logs in itself
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "run",
            str(SEED_WEBINAR),
            "--platform",
            "matrix",
            "--env",
            str(tmp_path / "none.env"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        rooms = matrix_world.rooms
        until(
            lambda: (
                set(rooms.values())
                <= set(bot.request("GET", "/_matrix/client/v3/joined_rooms")["joined_rooms"])
            ),
            "joined",
        )
        ortiz = matrix_world.people["ortiz"]
        positions = SyncPositionStore(create_engine(env["DATABASE_URL"]))
        until(lambda: positions.load(bot.id) is not None, "listening (its sync position stored)")
        asked = ortiz.says(rooms["backstage"], "!webinar status")

        def answered() -> bool:
            direct = bot.direct_rooms().get(ortiz.id, [])
            return any(
                e["content"].get("msgtype") == "m.notice"
                for room in direct
                for e in bot.events(room, sender=bot.id)
                if e["type"] == "m.room.message"
            )

        until(answered, f"an answer to {asked}")
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err[-2000:]
    assert "Traceback" not in err
    assert bot.account.password[:5] not in err + out and "MATRIX_PASSWORD=(set)" in err  # no secret logged
