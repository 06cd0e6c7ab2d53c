"""The contract suite runs, unchanged, on every chat platform the bot has an adapter for.

`platform` is parametrised by platform; each driver implements contract.platform.Platform. A
platform whose server cannot run here is skipped, saying why (Matrix: where Synapse cannot start).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e.fixtures import clock, harness, slack
from e2e.harness import Harness
from matrix.fixtures import MatrixWorld

from contract.platform import Platform
from contract.slack_platform import SlackPlatform

__all__ = ["clock", "harness", "platform", "slack"]
PLATFORMS = ["slack", "matrix"]


@pytest.fixture(params=PLATFORMS)
def platform(request: pytest.FixtureRequest) -> Platform:
    if request.param == "slack":
        harness: Harness = request.getfixturevalue("harness")
        return SlackPlatform(harness)
    if request.param == "matrix":
        from contract.matrix_platform import MatrixPlatform

        world: MatrixWorld = request.getfixturevalue("matrix_world")
        tmp_path: Path = request.getfixturevalue("tmp_path")
        driver = MatrixPlatform(world, tmp_path)
        request.addfinalizer(driver.stop)
        return driver
    raise AssertionError(f"no driver for {request.param}")
