"""The contract suite runs, unchanged, on every chat platform the bot has an adapter for.

`platform` is parametrised by platform; each driver implements contract.platform.Platform. A
platform whose server cannot run here is skipped, saying why.
"""

from __future__ import annotations

import pytest
from e2e.fixtures import clock, harness, slack
from e2e.harness import Harness

from contract.platform import Platform
from contract.slack_platform import SlackPlatform

__all__ = ["clock", "harness", "platform", "slack"]
PLATFORMS = ["slack"]


@pytest.fixture(params=PLATFORMS)
def platform(request: pytest.FixtureRequest) -> Platform:
    if request.param == "slack":
        harness: Harness = request.getfixturevalue("harness")
        return SlackPlatform(harness)
    raise AssertionError(f"no driver for {request.param}")
