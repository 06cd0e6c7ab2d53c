"""`python -m bot.localslack`: prints the .env lines first, serves, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from slack_sdk import WebClient

from bot.localslack.cli import add_arguments

ROOT = Path(__file__).resolve().parents[2]


def test_the_cli_parser_knows_port_workspace_and_transcript() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--port", "0", "--workspace", "ws.yaml", "--transcript", "t.jsonl"])
    assert args.port == 0 and args.workspace == Path("ws.yaml") and args.transcript == Path("t.jsonl")


def test_localslack_prints_env_lines_first_serves_a_webclient_and_exits_0_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.localslack", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(4)]
        env = dict(line.split("=", 1) for line in lines)
        assert list(env) == ["SLACK_API_URL", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"]
        assert env["SLACK_API_URL"].startswith("http://127.0.0.1:") and env["SLACK_API_URL"].endswith("/api/")
        assert env["SLACK_BOT_TOKEN"].startswith("xoxb-") and env["SLACK_APP_TOKEN"].startswith("xapp-")
        client = WebClient(token=env["SLACK_BOT_TOKEN"], base_url=env["SLACK_API_URL"], retry_handlers=[])
        assert client.auth_test()["ok"]
        following = [process.stdout.readline() for _ in range(2)]
        assert following[0].startswith("#") and "call" in following[1] and "auth.test ok" in following[1]
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Traceback" not in stderr
