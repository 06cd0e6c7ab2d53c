"""A `serve` process marks its webinars' posted cues sent together (a crash leaves them `sending`,
which every start reconciles: tests/serve/test_failover_drill.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from bot.chat.port import MessageRef
from bot.store.outbox import Outbox, OutboxStatus, PlannedCue
from bot.store.sent_marks import SentMarks

NOW = datetime(2018, 10, 23, 12, 0, tzinfo=UTC)


def claimed(engine: Engine, webinar: str, marks: SentMarks, cues: int) -> Outbox:
    box = Outbox(engine, webinar, marks)
    box.sync([PlannedCue(f"cue-{n}", "item_start", "announcements", NOW) for n in range(cues)], NOW)
    assert box.claim_many([f"cue-{n}" for n in range(cues)], NOW) == {f"cue-{n}" for n in range(cues)}
    return box


def test_the_cues_of_many_webinars_are_marked_sent_where_they_went(engine: Engine) -> None:
    marks = SentMarks(engine)
    marks.start()
    boxes = [claimed(engine, f"webinar-{w}", marks, 5) for w in range(3)]
    for w, box in enumerate(boxes):
        for n in range(5):
            assert box.mark_sent(f"cue-{n}", MessageRef(f"C{w}", f"{n}.000100"), NOW)
    assert marks.flush()
    marks.stop()
    for w, box in enumerate(boxes):
        entries = box.entries()
        assert {e.status for e in entries} == {OutboxStatus.SENT}
        assert [(e.channel, e.ts) for e in entries] == [(f"C{w}", f"{n}.000100") for n in range(5)]
    assert marks.written == 15


def test_stopping_writes_every_mark_queued_before_it(engine: Engine) -> None:
    marks = SentMarks(engine)
    marks.start()
    box = claimed(engine, "webinar", marks, 20)
    for n in range(20):
        box.mark_sent(f"cue-{n}", MessageRef("C1", f"{n}.000100"), NOW)
    marks.stop()
    assert {e.status for e in box.entries()} == {OutboxStatus.SENT}
    assert box.in_flight() == []


def test_without_a_running_batch_each_mark_is_written_at_once(engine: Engine) -> None:
    box = claimed(engine, "webinar", SentMarks(engine), 1)
    assert box.mark_sent("cue-0", MessageRef("C1", "1.000100"), NOW)
    assert box.entries()[0].status is OutboxStatus.SENT
