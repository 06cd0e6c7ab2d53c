"""Fixtures shared by every test."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from support import MINIMAL_HEADER


@pytest.fixture
def write_schedule(tmp_path: Path) -> Callable[..., Path]:
    """Write a YAML schedule (dedented) to a temporary file; `header=True` prepends a valid header."""

    def write(body: str, name: str = "schedule.yaml", header: bool = True) -> Path:
        text = textwrap.dedent(body)
        if header:
            text = MINIMAL_HEADER + text
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
