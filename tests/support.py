"""Helpers shared by the tests (importable as `support`: pytest puts tests/ on the path)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCHEDULES = ROOT / "schedules"
SEED_WEBINAR = SCHEDULES / "sp-webinar-2018-10-23.yaml"
SEED_PANEL = SCHEDULES / "psi-panel-7.yaml"
SHARED = ROOT.parent / "shared"
GOLDEN = Path(__file__).resolve().parent / "golden"

MINIMAL_HEADER = """\
title: Test webinar
timezone: Europe/Zurich
date: 2018-10-23
channels: {announcements: webinar, questions: webinar-questions, backstage: webinar-backstage}
moderators: [mod]
speakers:
  mod: {name: Maria Moderator, slack: U0MOD}
  ana: {name: Ana Speaker, email: ana@example.org}
  ben: {name: Ben Speaker, slack: U0BEN}
"""


def shared_path(*parts: str) -> Path:
    """A file under ../shared/, or a skip that says why it is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference material {path} is absent (../shared/ sits beside the checkout in CI)")
    return path
