"""Fixtures for the Slack edge: a stand-in on a ManualClock and clients made the bot's way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.localslack import LocalSlack

START = datetime(2018, 10, 23, 11, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def slack(clock: ManualClock) -> Iterator[LocalSlack]:
    with LocalSlack(clock=clock, ack_timeout=2.0) as stand_in:
        yield stand_in
