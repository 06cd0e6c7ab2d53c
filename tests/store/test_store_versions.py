"""Replicas see that a webinar's state moved by one number per part, bumped with every change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from bot.people.registrants import Details
from bot.store.live_state import LiveStateStore
from bot.store.people import RegistrantStore, SpeakerAnswers
from bot.store.versions import stamps

NOW = datetime(2018, 10, 23, 12, 0, tzinfo=UTC)


def test_every_change_to_a_webinars_people_moves_its_stamp_and_no_other(engine: Engine) -> None:
    registrants = RegistrantStore(engine, "w1")
    answers = SpeakerAnswers(engine, "w1")
    RegistrantStore(engine, "w2").save(Details("Other", "online", email="o@example.org"), NOW)
    seen = [stamps(engine).get("w1")]
    other = stamps(engine)["w2"]

    saved = registrants.save(Details("Ana", "online", email="ana@example.org"), NOW)
    seen.append(stamps(engine)["w1"])
    registrants.cancel(saved.registrant.key, NOW)  # the same instant: a clock cannot tell them apart
    seen.append(stamps(engine)["w1"])
    registrants.forget(saved.registrant.key, NOW)
    seen.append(stamps(engine)["w1"])
    answers.answer("astor", "confirmed", NOW)
    seen.append(stamps(engine)["w1"])
    answers.check_in("astor", NOW + timedelta(minutes=1))
    seen.append(stamps(engine)["w1"])

    assert len(set(seen)) == len(seen), seen
    assert stamps(engine)["w2"] == other


def test_a_moderators_change_moves_the_live_state_number(engine: Engine) -> None:
    states = LiveStateStore(engine, "w1")
    version = states.save({"paused": False}, None)
    before = stamps(engine)["w1"]
    states.save({"paused": True}, version)
    after = stamps(engine)["w1"]
    assert before[0] is not None and after[0] is not None and after[0] > before[0]
    assert before[1] == after[1] is None
