"""`webinar-bot run` as an operator starts it: a real process, Socket Mode, a stand-in as its Slack."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.localslack import LocalSlack

from support import ROOT, SEED_WEBINAR


@pytest.fixture
def live_slack() -> Iterator[LocalSlack]:
    with LocalSlack(clock=SystemClock()) as slack:
        slack.user("ortiz").invite(slack.channel_id("sp-webinar-backstage"), slack.bot_user_id)
        yield slack


def start_run(slack: LocalSlack, tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(slack.env())
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'run.db'}"
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run", str(SEED_WEBINAR), "--env", str(tmp_path / "none.env"), *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    return process.returncode, out, err


def backstage_texts(slack: LocalSlack) -> list[str]:
    return [m.text for m in slack.messages(slack.channel_id("sp-webinar-backstage"))]


def test_run_connects_over_socket_mode_answers_a_moderator_and_stops_cleanly(
    live_slack: LocalSlack, tmp_path: Path
) -> None:
    process = start_run(live_slack, tmp_path)
    try:
        live_slack.wait_for(
            lambda: any("webinar-bot is running" in t for t in backstage_texts(live_slack)), timeout=30
        )
        live_slack.wait_connected(timeout=30)
        result = live_slack.user("ortiz").slash("/webinar", "status", channel="sp-webinar-backstage")
        assert result.acked
        # 2018 is long past; Ortiz's profile is Spanish, so the reply is too.
        assert "El seminario web ha terminado" in live_slack.user("ortiz").ephemerals()[-1].text
        assert any("came too late" in t for t in backstage_texts(live_slack))
    finally:
        code, out, err = stop(process)
    assert code == 0, err
    assert "Traceback" not in out + err
    assert live_slack.bot_token not in out + err  # secrets never logged


def test_run_refuses_clearly_when_a_channel_is_missing(live_slack: LocalSlack, tmp_path: Path) -> None:
    schedule = tmp_path / "elsewhere.yaml"
    schedule.write_text(
        SEED_WEBINAR.read_text().replace("announcements: sp-webinar", "announcements: nowhere")
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(live_slack.env())
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'run.db'}"
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "run", str(schedule), "--env", str(tmp_path / "none.env")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 1
    assert "channel not found: #nowhere (announcements)" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_run_without_credentials_rehearses_instead(tmp_path: Path) -> None:
    schedule = tmp_path / "short.yaml"
    from rehearsal.test_rehearse_command import SHORT

    schedule.write_text(SHORT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "run",
            str(schedule),
            "--env",
            str(tmp_path / "none.env"),
            "--speed",
            "900",
            "--quiet",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "No Slack credentials" in completed.stdout and "Rehearsal summary" in completed.stdout
