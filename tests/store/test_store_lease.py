"""The scheduler lease: the second bot on one database refuses to schedule; a dead holder frees it at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from bot.store import LeaseRefused, SchedulerLease, create_schema, describe_owner, make_engine
from bot.store.tables import leases

ROOT = Path(__file__).resolve().parents[2]
WEBINAR = "sp-2018-10-23"
NOW = datetime(2018, 10, 23, 12, 2, tzinfo=UTC)

CHILD = textwrap.dedent(
    """
    import sys
    from bot.store import SchedulerLease, make_engine

    lease = SchedulerLease(make_engine(sys.argv[1]), sys.argv[2], sys.argv[3])
    print("held" if lease.acquire() else "refused", flush=True)
    sys.stdin.read()  # hold the lease until killed
    """
)


def test_second_bot_on_the_same_database_is_refused(open_engine: Callable[[], Engine]) -> None:
    first = SchedulerLease(open_engine(), WEBINAR, "host-a pid 11 since 2018-10-23 12:02 UTC")
    second = SchedulerLease(open_engine(), WEBINAR, "host-b pid 22 since 2018-10-23 12:05 UTC")
    assert second.holder() is None

    assert first.acquire()
    assert first.acquire()  # re-entrant for its holder
    assert not second.acquire()
    assert not second.acquire(wait=0.1)  # a live holder outlasts a short wait
    assert second.holder() == "host-a pid 11 since 2018-10-23 12:02 UTC"
    with pytest.raises(LeaseRefused, match="already being scheduled by host-a pid 11"), second:
        pass  # pragma: no cover
    with SchedulerLease(open_engine(), "another-webinar", "host-b") as elsewhere:
        assert elsewhere.held

    first.release()
    assert second.holder() is None
    assert second.acquire()
    assert first.holder() == "host-b pid 22 since 2018-10-23 12:05 UTC"
    second.release()


def test_two_leases_in_one_process_conflict_too(engine: Engine) -> None:
    with SchedulerLease(engine, WEBINAR, "one") as one:
        assert one.held and one.still_held()
        other = SchedulerLease(engine, WEBINAR, "two")
        assert not other.acquire()
        assert other.holder() == "one"
    assert not one.held and not one.still_held()
    assert other.acquire()
    other.release()


def test_a_row_left_by_a_crashed_holder_does_not_block(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(leases).values(webinar=WEBINAR, owner="ghost pid 1", token="dead"))
    lease = SchedulerLease(engine, WEBINAR, "me")

    assert lease.holder() is None
    assert lease.acquire()
    assert SchedulerLease(engine, WEBINAR, "third").holder() == "me"
    lease.release()


def test_lease_is_released_when_the_holder_process_dies(store_url: str, engine: Engine) -> None:
    owner = "child-host pid 4242 since 2018-10-23 12:00 UTC"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, store_url, WEBINAR, owner],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "held"
        lease = SchedulerLease(engine, WEBINAR, describe_owner(NOW))
        assert not lease.acquire()
        assert lease.holder() == owner
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()

    # The kernel drops a flock as the process exits; PostgreSQL ends the session when it sees the socket
    # close, a moment later: `wait` blocks on the lock itself (no polling of time) until then.
    assert lease.acquire(wait=10.0)
    assert lease.holder() == describe_owner(NOW)
    lease.release()


def test_in_memory_sqlite_lease_is_held_on_the_engine() -> None:
    engine = make_engine("sqlite://")
    create_schema(engine)
    first, second = SchedulerLease(engine, WEBINAR, "first"), SchedulerLease(engine, WEBINAR, "second")

    assert first.acquire() and first.still_held()
    assert not second.acquire()
    assert second.holder() == "first"
    first.release()
    assert second.acquire() and second.holder() == "second" and not first.still_held()
    second.release()
    other = make_engine("sqlite://")  # another in-memory database: another lease
    create_schema(other)
    with SchedulerLease(other, WEBINAR, "elsewhere") as elsewhere:
        assert elsewhere.held
    engine.dispose()
    other.dispose()


def test_sqlite_lock_is_a_sidecar_of_the_database_file(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    create_schema(engine)
    with SchedulerLease(engine, WEBINAR, "me"):
        [lock] = tmp_path.glob("bot.db.*.lock")
        assert len(lock.name) == len("bot.db.") + 12 + len(".lock")
    engine.dispose()


def test_describe_owner_says_who_and_since_when() -> None:
    assert describe_owner(NOW, host="studio", pid=1234) == "studio pid 1234 since 2018-10-23 12:02 UTC"


@pytest.mark.postgres
def test_a_process_holds_many_leases_on_one_postgresql_session_and_loses_them_with_it(
    store_url: str, open_engine: Callable[[], Engine]
) -> None:
    from bot.store.lease import LockSession

    if not store_url.startswith("postgresql"):
        pytest.skip("a shared lock session is PostgreSQL's")
    engine, other = open_engine(), open_engine()
    session = LockSession(engine)
    mine = [SchedulerLease(engine, f"webinar-{n}", "replica 1", session) for n in range(20)]
    assert all(lease.acquire() for lease in mine)
    assert all(lease.still_held() for lease in mine)
    # One session, not twenty connections: the server sees this process's locks on one backend.
    keys = [session.key(f"webinar-{n}") & 0xFFFFFFFFFFFFFFFF for n in range(20)]
    with engine.connect() as conn:
        backends = {
            pid
            for pid, hi, lo in conn.exec_driver_sql(
                "SELECT pid, classid::bigint, objid::bigint FROM pg_locks"
                " WHERE locktype = 'advisory' AND granted"
            ).all()
            if (hi << 32) | lo in keys
        }
    assert len(backends) == 1
    twin = SchedulerLease(engine, "webinar-3", "replica 1 again", session)
    assert not twin.acquire()  # one holder per process too
    elsewhere = SchedulerLease(other, "webinar-3", "replica 2")
    assert not elsewhere.acquire() and elsewhere.holder() == "replica 1"
    mine[3].release()
    assert elsewhere.acquire()
    elsewhere.release()
    session.close()  # as when the process dies: every lease on the session goes
    assert not any(lease.still_held() for lease in mine)
    # The server ends a closed session's backend on its own time (a moment, longer on a busy machine).
    assert SchedulerLease(other, "webinar-7", "replica 2").acquire(wait=5.0)
