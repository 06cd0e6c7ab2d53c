"""The live state (optimistic concurrency) and the control log (who steered, when)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from bot.store import ControlLog, LiveStateStore, StaleState

WEBINAR = "sp-2018-10-23"
NOW = datetime(2018, 10, 23, 12, 0, tzinfo=UTC)


def test_live_state_starts_empty_and_round_trips_json(engine: Engine) -> None:
    store = LiveStateStore(engine, WEBINAR)
    assert store.load() is None

    document = {"shifts": [{"after": "s1", "minutes": 5}], "paused": False, "note": "Zürich", "n": None}
    version = store.save(document, None)

    assert version == 1
    assert store.load() == (document, 1)
    assert store.save({**document, "paused": True}, 1) == 2
    assert store.load() == ({**document, "paused": True}, 2)


def test_live_state_rejects_a_stale_write(open_engine: Callable[[], Engine]) -> None:
    mine, theirs = LiveStateStore(open_engine(), WEBINAR), LiveStateStore(open_engine(), WEBINAR)
    mine.save({"shift": 0}, None)
    _, read_version = mine.load() or ({}, 0)

    assert theirs.save({"shift": 5}, read_version) == 2
    with pytest.raises(StaleState, match="expected version 1, found 2"):
        mine.save({"shift": 3}, read_version)
    with pytest.raises(StaleState):
        mine.save({"shift": 3}, None)  # "nothing stored yet" is stale too

    assert mine.load() == ({"shift": 5}, 2)


def test_live_states_of_two_webinars_are_separate(engine: Engine) -> None:
    LiveStateStore(engine, "one").save({"a": 1}, None)
    assert LiveStateStore(engine, "two").load() is None
    assert LiveStateStore(engine, "two").save({"b": 2}, None) == 1


def test_control_log_keeps_the_latest_actions_in_order(engine: Engine) -> None:
    log = ControlLog(engine, WEBINAR)
    for n in range(5):
        log.append(NOW + timedelta(minutes=n), "U0MOD", f"action-{n}", {"n": n})
    log.append(NOW - timedelta(hours=1), "U0OTHER", "clock-went-back")  # recording order, not `at`, rules
    ControlLog(engine, "another-webinar").append(NOW, "U0MOD", "elsewhere")

    recent = log.recent(3)

    assert [(e.action, e.user_id) for e in recent] == [
        ("action-3", "U0MOD"),
        ("action-4", "U0MOD"),
        ("clock-went-back", "U0OTHER"),
    ]
    assert recent[0].at == NOW + timedelta(minutes=3) and recent[0].at.tzinfo == UTC
    assert recent[0].detail == {"n": 3} and recent[-1].detail == {}
    assert len(log.recent(100)) == 6
