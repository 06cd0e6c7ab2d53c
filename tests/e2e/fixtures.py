"""Fixtures for the e2e and contract suites: a stand-in on a ManualClock (the bot invited to
backstage, as a moderator would) and a harness to run bots."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e.harness import MODERATOR, WEEK_BEFORE, Harness

from bot.clock import ManualClock
from bot.localslack import LocalSlack
from bot.manifest import bot_events

from support import SEED_WEBINAR


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(WEEK_BEFORE)


@pytest.fixture
def slack(clock: ManualClock) -> Iterator[LocalSlack]:
    with LocalSlack(
        clock=clock, ack_timeout=5.0, subscriptions=bot_events(), signing_clock=clock
    ) as stand_in:
        backstage = stand_in.channel_id("sp-webinar-backstage")
        stand_in.user(MODERATOR).invite(backstage, stand_in.bot_user_id)  # as a moderator would
        yield stand_in


@pytest.fixture
def harness(slack: LocalSlack, clock: ManualClock, tmp_path: Path) -> Iterator[Harness]:
    schedule = tmp_path / "webinar.yaml"
    shutil.copy(SEED_WEBINAR, schedule)
    h = Harness(slack, clock, schedule, f"sqlite:///{tmp_path / 'bot.db'}")
    yield h
    for bot in h.bots:
        bot.stop()


@pytest.fixture
def harness_on_any_store(
    slack: LocalSlack, clock: ManualClock, tmp_path: Path, store_url: str
) -> Iterator[Harness]:
    """The same harness on SQLite and on PostgreSQL (skipped, saying why, where none is reachable)."""
    schedule = tmp_path / "webinar.yaml"
    shutil.copy(SEED_WEBINAR, schedule)
    h = Harness(slack, clock, schedule, store_url)
    yield h
    for bot in h.bots:
        bot.stop()
