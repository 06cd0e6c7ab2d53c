"""`webinar-bot run` as an operator starts it: a real process, Socket Mode, a stand-in as its Slack."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.localslack import LocalSlack
from bot.localslack.signing import signature

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def healthz(port: int) -> tuple[int, dict[str, object]] | None:
    """`/healthz`'s status and answer; None while nothing listens yet."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), json.loads(error.read())
    except OSError:
        return None


def declare_5_mb(port: int) -> int:
    """The status answered to the headers of a 5 MB POST, sent without its body (the server must not
    wait for it; a client that sent it all would be cut off mid-body)."""
    head = (
        "POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {5 * 1024 * 1024}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(head.encode())
        return int(conn.recv(1024).split()[1])


def post(port: int, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", body, headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_run_http_answers_slack_refuses_what_slack_did_not_send_and_logs_no_traceback(
    live_slack: LocalSlack, tmp_path: Path
) -> None:
    port = free_port()
    process = start_run(live_slack, tmp_path, "--http", str(port))
    try:
        live_slack.wait_for(
            lambda: any("webinar-bot is running" in t for t in backstage_texts(live_slack)), timeout=30
        )
        assert live_slack.wait_for(lambda: healthz(port), timeout=30) == (
            200,
            {"ok": True, "database": True, "leases": 1, "detail": ""},
        )
        live_slack.connect_http(f"http://127.0.0.1:{port}/slack/events")
        result = live_slack.user("ortiz").slash("/webinar", "status", channel="sp-webinar-backstage")
        assert result.transport == "http" and result.acked
        json_type = {"Content-Type": "application/json"}
        assert declare_5_mb(port) == 413
        assert post(port, b"{ not JSON", json_type) == 401
        stamp = str(int(time.time()))  # the bot runs on the wall clock, as Slack signs
        body = b"{ not JSON"
        signed = {
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(live_slack.signing_secret, stamp, body),
        }
        assert post(port, body, json_type | signed) == 400
    finally:
        code, out, err = stop(process)
    assert code == 0, err
    assert "Traceback" not in out + err
