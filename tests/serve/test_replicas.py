"""Several `serve` processes on one PostgreSQL database are one deployment: the webinars' cues are
shared out, and when a replica dies another takes its webinars over, every cue still posted once.

Both replicas run in this process (each with its own engine, so its own database sessions and
advisory locks), on one ManualClock; `tests/serve/test_failover_drill.py` kills a real process."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text

from bot.clock import ManualClock
from bot.launch import RunningFleet
from bot.localslack import LocalSlack
from serve.harness import KEYS, MORNING, FleetHarness, cest
from serve.test_serve import cue_receipts

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_harness(
    slack: LocalSlack, clock: ManualClock, tmp_path: Path, postgres_admin: Engine
) -> Iterator[FleetHarness]:
    from conftest import _postgres_base_url

    clock.set(MORNING)
    slack.user("ortiz").invite(slack.channel_id("psi-panel-7-backstage"), slack.bot_user_id)
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with postgres_admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(_postgres_base_url()).update_query_dict({"options": f"-csearch_path={schema}"})
    folder = tmp_path / "schedules"
    folder.mkdir()
    h = FleetHarness(slack, clock, folder, url.render_as_string(hide_password=False))
    try:
        yield h
    finally:
        for running in h.fleets:
            running.stop(flush_seconds=0)
        with postgres_admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def cue_runners(fleet: RunningFleet) -> set[str]:
    return {s.key for s in fleet.fleet.states() if s.runs_cues}


def test_two_replicas_share_three_webinars_and_the_survivor_takes_over_every_cue_once(
    pg_harness: FleetHarness,
) -> None:
    h = pg_harness
    h.write("a.yaml", "b.yaml", "c.yaml")
    first, second = h.start(), h.start(connect=False)
    h.step([first, second], h.clock.now() + timedelta(seconds=10))
    mine, theirs = cue_runners(first), cue_runners(second)
    assert mine | theirs == set(KEYS.values()) and not mine & theirs
    assert max(len(mine), len(theirs)) == 2  # the fair share of three webinars between two

    h.step([first, second], cest("14:07"), every=timedelta(minutes=1))  # A's discussion is under way
    victim, survivor = (first, second) if len(mine) == 2 else (second, first)
    h.connect(survivor)  # the load balancer sends everything to the survivor now
    victim.crash()
    died = h.clock.now()
    asker = h.slack.user("participant03")
    asker.post("sp-webinar-questions", "Who runs the cues now?")  # during the takeover
    h.step([survivor], died + timedelta(seconds=10))
    assert cue_runners(survivor) == set(KEYS.values())  # within 10 s

    h.step([survivor], cest("16:15"), every=timedelta(minutes=1))
    counts = cue_receipts(h)
    for webinar in survivor.fleet.webinars():
        for cue in webinar.session.plan():
            assert counts.get((webinar.key, cue.id)) == 1, f"{webinar.key} {cue.id}"
    a = next(w for w in survivor.fleet.webinars() if w.key == KEYS["a.yaml"])
    assert [q.text for q in a.questions.all()] == ["Who runs the cues now?"]


def test_a_third_replica_takes_its_share_and_no_replica_runs_more_than_it_should(
    pg_harness: FleetHarness,
) -> None:
    h = pg_harness
    h.write("a.yaml", "b.yaml", "c.yaml")
    first = h.start()
    h.step([first], h.clock.now() + timedelta(seconds=5))
    assert len(cue_runners(first)) == 3  # alone, it runs them all
    second, third = h.start(connect=False), h.start(connect=False)
    h.step([first, second, third], h.clock.now() + timedelta(seconds=10))  # five passes each
    shares = [cue_runners(r) for r in (first, second, third)]
    assert [len(s) for s in shares] == [1, 1, 1], shares
    assert set().union(*shares) == set(KEYS.values())
