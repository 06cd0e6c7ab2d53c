"""The outbox: every cue recorded before it is sent, sent exactly once, across replans and restarts."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Engine

from bot.chat.port import MessageRef
from bot.store import Outbox, OutboxStatus, PlannedCue

WEBINAR = "sp-2018-10-23"
NOW = datetime(2018, 10, 23, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def cue(cue_id: str, at: datetime, kind: str = "reminder", audience: str = "announcements") -> PlannedCue:
    return PlannedCue(cue_id=cue_id, kind=kind, audience=audience, at=at)


def test_sync_records_each_cue_before_it_is_sent(engine: Engine) -> None:
    outbox = Outbox(engine, WEBINAR)
    cues = [
        cue("reminder:webinar@announcements", NOW + 10 * MIN),
        cue("slot_end:block/s1/ana@speaker:ana", NOW + 40 * MIN, "slot_end", "speaker:ana"),
    ]

    result = outbox.sync(cues, NOW)

    assert result.added == ("reminder:webinar@announcements", "slot_end:block/s1/ana@speaker:ana")
    assert (result.moved, result.voided, result.revived) == ((), (), ())
    entries = outbox.entries()
    assert [(e.cue_id, e.status, e.planned_at, e.kind, e.audience) for e in entries] == [
        (c.cue_id, OutboxStatus.PENDING, c.at, c.kind, c.audience) for c in cues
    ]
    assert all(e.attempts == 0 and e.ts is None and e.updated_at == NOW for e in entries)
    assert outbox.sync(cues, NOW + MIN).changed is False


def test_instants_come_back_aware_utc_whatever_zone_went_in(engine: Engine) -> None:
    outbox = Outbox(engine, WEBINAR)
    zurich = timezone(timedelta(hours=2))
    outbox.sync([cue("a", datetime(2018, 10, 23, 14, 0, 0, 123456, tzinfo=zurich))], NOW)

    entry = outbox.get("a")

    assert entry is not None
    assert entry.planned_at == datetime(2018, 10, 23, 12, 0, 0, 123456, tzinfo=UTC)
    assert entry.planned_at.tzinfo == UTC


def test_sync_moves_pending_cues_and_leaves_sent_ones_alone(engine: Engine) -> None:
    outbox = Outbox(engine, WEBINAR)
    outbox.sync([cue("sent", NOW), cue("waiting", NOW + 5 * MIN), cue("same", NOW + 9 * MIN)], NOW)
    assert outbox.claim("sent", NOW)
    assert outbox.mark_sent("sent", MessageRef("C0ANN", "1540288800.000100"), NOW)

    later = NOW + 2 * MIN
    result = outbox.sync(
        [
            cue("sent", NOW + 20 * MIN),
            cue("waiting", NOW + 15 * MIN, audience="backstage"),
            cue("same", NOW + 9 * MIN),
        ],
        later,
    )

    assert result.moved == ("waiting",)
    assert (result.added, result.voided, result.revived) == ((), (), ())
    sent, waiting, same = outbox.get("sent"), outbox.get("waiting"), outbox.get("same")
    assert sent is not None and waiting is not None and same is not None
    assert (sent.status, sent.planned_at, sent.ts, sent.channel) == (
        OutboxStatus.SENT,
        NOW,
        "1540288800.000100",
        "C0ANN",
    )
    assert (waiting.status, waiting.planned_at, waiting.audience, waiting.updated_at) == (
        OutboxStatus.PENDING,
        NOW + 15 * MIN,
        "backstage",
        later,
    )
    assert same.updated_at == NOW


def test_a_cue_no_longer_planned_becomes_void_and_can_come_back(engine: Engine) -> None:
    outbox = Outbox(engine, WEBINAR)
    outbox.sync([cue("keep", NOW + MIN), cue("dropped", NOW + 2 * MIN), cue("sent", NOW)], NOW)
    assert outbox.claim("sent", NOW) and outbox.mark_sent("sent", MessageRef("C1", "1.1"), NOW)

    dropped = outbox.sync([cue("keep", NOW + MIN)], NOW)

    assert dropped.voided == ("dropped",)  # the sent cue is history, not voided
    assert outbox.counts() == {"pending": 1, "sending": 0, "sent": 1, "missed": 0, "void": 1, "failed": 0}
    assert not outbox.claim("dropped", NOW + 2 * MIN)

    back = outbox.sync([cue("keep", NOW + MIN), cue("dropped", NOW + 7 * MIN, kind="item_start")], NOW + MIN)

    assert back.revived == ("dropped",)
    entry = outbox.get("dropped")
    assert entry is not None
    assert (entry.status, entry.planned_at, entry.kind) == (OutboxStatus.PENDING, NOW + 7 * MIN, "item_start")


def test_sync_never_touches_claimed_missed_or_failed_cues(engine: Engine) -> None:
    outbox = Outbox(engine, WEBINAR)
    outbox.sync([cue("sending", NOW), cue("missed", NOW), cue("failed", NOW)], NOW)
    assert outbox.claim("sending", NOW)
    assert outbox.mark_missed("missed", NOW, "bot was down")
    assert outbox.claim("failed", NOW) and outbox.mark_failed("failed", NOW, "channel_not_found")
    before = outbox.entries()

    result = outbox.sync([], NOW + MIN)

    assert not result.changed
    assert outbox.entries() == before


def test_only_one_of_two_racing_claims_wins(open_engine: Callable[[], Engine]) -> None:
    ids = [f"cue-{n}" for n in range(5)]
    Outbox(open_engine(), WEBINAR).sync([cue(i, NOW) for i in ids], NOW)
    racers = 6
    outboxes = [Outbox(open_engine(), WEBINAR) for _ in range(racers)]  # one engine per "process"
    wins: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(racers)
    lock = threading.Lock()

    def race(n: int) -> None:
        try:
            for cue_id in ids:
                barrier.wait()
                if outboxes[n].claim(cue_id, NOW):
                    with lock:
                        wins.append((cue_id, n))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=race, args=(n,)) for n in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(cue_id for cue_id, _ in wins) == ids
    for entry in outboxes[0].entries():
        assert (entry.status, entry.attempts, entry.claimed_at) == (OutboxStatus.SENDING, 1, NOW)


def test_sent_cue_is_never_claimed_again_after_a_restart(open_engine: Callable[[], Engine]) -> None:
    first = Outbox(open_engine(), WEBINAR)
    first.sync([cue("a", NOW), cue("b", NOW + MIN)], NOW)
    assert first.claim("a", NOW) and first.mark_sent("a", MessageRef("C1", "111.222"), NOW)
    first.engine.dispose()

    restarted = Outbox(open_engine(), WEBINAR)
    result = restarted.sync([cue("a", NOW), cue("b", NOW + MIN)], NOW + MIN)

    assert not result.changed
    assert not restarted.claim("a", NOW + MIN)
    assert [e.cue_id for e in restarted.entries(OutboxStatus.PENDING)] == ["b"]
    assert restarted.claim("b", NOW + MIN)


def test_in_flight_cues_survive_a_crash_for_reconciliation(open_engine: Callable[[], Engine]) -> None:
    crashed = Outbox(open_engine(), WEBINAR)
    crashed.sync([cue("posting", NOW), cue("later", NOW + 5 * MIN)], NOW)
    assert crashed.claim("posting", NOW)
    crashed.engine.dispose()  # the process dies between chat.postMessage and mark_sent

    restarted = Outbox(open_engine(), WEBINAR)

    [flying] = restarted.in_flight()
    assert (flying.cue_id, flying.status, flying.claimed_at, flying.attempts) == (
        "posting",
        OutboxStatus.SENDING,
        NOW,
        1,
    )
    assert restarted.entries(OutboxStatus.PENDING) == [e for e in restarted.entries() if e.cue_id == "later"]
    assert restarted.mark_sent(
        "posting", MessageRef("C1", "123.456"), NOW + MIN
    )  # found in the channel's history
    assert restarted.in_flight() == []


def test_a_released_cue_is_retried_and_counts_its_attempts(engine: Engine) -> None:
    outbox = Outbox(engine, WEBINAR)
    outbox.sync([cue("a", NOW)], NOW)
    assert outbox.claim("a", NOW)
    assert outbox.release("a", NOW, "ratelimited")
    assert not outbox.release("a", NOW, "twice")

    assert outbox.claim("a", NOW + MIN)
    entry = outbox.get("a")
    assert entry is not None
    assert (entry.status, entry.attempts, entry.error, entry.claimed_at) == (
        OutboxStatus.SENDING,
        2,
        "ratelimited",
        NOW + MIN,
    )
    assert outbox.mark_sent("a", MessageRef("C1", "1.2"), NOW + MIN)
    assert not outbox.mark_sent("a", MessageRef("C1", "1.3"), NOW + MIN)
    assert not outbox.mark_failed("a", NOW, "late")


def test_a_cue_too_late_is_marked_missed_and_never_claimed(engine: Engine) -> None:
    outbox = Outbox(engine, WEBINAR)
    outbox.sync([cue("slot-end", NOW - 2 * MIN, "slot_end")], NOW - 15 * MIN)
    assert outbox.mark_missed("slot-end", NOW, "the bot was not running when it was due")
    assert outbox.counts()["missed"] == 1
    assert not outbox.claim("slot-end", NOW)


def test_a_cue_a_change_made_moot_is_withdrawn_with_its_reason_and_comes_back_if_replanned(
    engine: Engine,
) -> None:
    outbox = Outbox(engine, WEBINAR)
    outbox.sync([cue("standby", NOW + MIN, "standby"), cue("end", NOW + 2 * MIN, "slot_end")], NOW)
    outbox.sync([cue("end", NOW + 2 * MIN, "slot_end")], NOW, reason="a moderator skipped Ortiz")
    voided = outbox.get("standby")
    assert (
        voided is not None
        and voided.status is OutboxStatus.VOID
        and voided.error == "a moderator skipped Ortiz"
    )
    assert outbox.withdraw("end", NOW, "moot after: an edit")
    assert outbox.get("end").status is OutboxStatus.VOID  # type: ignore[union-attr]
    outbox.sync([cue("standby", NOW + 3 * MIN, "standby")], NOW)
    revived = outbox.get("standby")
    assert revived is not None and (revived.status, revived.error) == (OutboxStatus.PENDING, None)


def test_webinars_sharing_a_database_do_not_see_each_others_cues(engine: Engine) -> None:
    one, two = Outbox(engine, "one"), Outbox(engine, "two")
    one.sync([cue("same-id", NOW)], NOW)
    two.sync([cue("same-id", NOW + MIN)], NOW)
    assert one.claim("same-id", NOW)

    assert two.sync([], NOW).voided == ("same-id",)
    entry = one.get("same-id")
    assert entry is not None and entry.status == OutboxStatus.SENDING


def test_sync_handles_thirty_thousand_cues(engine: Engine) -> None:
    outbox = Outbox(engine, WEBINAR)
    cues = [cue(f"cue-{n:05d}", NOW + n * MIN) for n in range(30_000)]

    assert len(outbox.sync(cues, NOW).added) == 30_000
    moved = [cue(c.cue_id, c.at + MIN) for c in cues[:15_000]]
    result = outbox.sync(moved, NOW)

    assert (len(result.moved), len(result.voided)) == (15_000, 15_000)
    assert outbox.counts()["pending"] == 15_000
