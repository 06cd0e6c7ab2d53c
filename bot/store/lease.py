"""The scheduler lease: two bots started on one database for one webinar, and the second refuses to schedule.

The lock must die with its holder, even on `kill -9`, so a restarted bot takes over at once while a
second live bot is refused. Nothing time-based (no heartbeats, no expiry) can promise both, so each
backend uses a lock its operating system or server releases when the holder goes away:

* PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a hash of the schema and the
  webinar key, held by a dedicated connection that stays open as long as the lease. The server drops
  it when that session ends, which a dead process's closed socket does within milliseconds.
* SQLite file: an exclusive `flock` on a sidecar file `<database file>.<webinar hash>.lock`. The kernel
  drops it when the holder's descriptor closes, which process death does. `flock` locks belong to
  the open file description, so two leases in one process conflict too.
* In-memory SQLite: the database dies with its engine, so the `leases` row itself is the lock.

The `leases` table records who holds each lease, so a refused bot can say who is running the webinar.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import math
import os
import socket
import threading
import uuid
from datetime import UTC, datetime
from types import TracebackType
from typing import Protocol

from sqlalchemy import Connection, Engine, delete, insert, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.store.db import StoreUnavailable, describe_error, is_memory_sqlite, reading, transaction
from bot.store.tables import leases

_POLL_S = 0.05  # how often a waiting SQLite lease retries its flock


class LeaseRefused(RuntimeError):
    """Another bot holds the scheduler lease of this webinar."""

    def __init__(self, webinar: str, holder: str | None) -> None:
        super().__init__(f"webinar {webinar!r} is already being scheduled by {holder or 'another bot'}")
        self.webinar = webinar
        self.holder = holder


def describe_owner(now: datetime, *, host: str | None = None, pid: int | None = None) -> str:
    """This process described as a lease holder, e.g. `host pid 1234 since 2024-05-02 14:02 UTC`."""
    return (
        f"{host or socket.gethostname()} pid {pid or os.getpid()} "
        f"since {now.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    )


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\0".join(parts).encode()).digest()


def _record(engine: Engine, webinar: str, owner: str, token: str) -> None:
    """Say who holds the lease, replacing whatever a crashed holder left behind."""
    with transaction(engine) as conn:
        conn.execute(delete(leases).where(leases.c.webinar == webinar))
        conn.execute(insert(leases).values(webinar=webinar, owner=owner, token=token))


def _forget(engine: Engine, webinar: str, token: str) -> None:
    with transaction(engine) as conn:
        conn.execute(delete(leases).where(leases.c.webinar == webinar, leases.c.token == token))


class _Lock(Protocol):
    def acquire(self, wait: float) -> bool: ...

    def release(self) -> None: ...

    def held_elsewhere(self) -> bool: ...

    def still_held(self) -> bool: ...


class _AdvisoryLock:
    """PostgreSQL: a session advisory lock on a dedicated connection."""

    def __init__(self, engine: Engine, webinar: str) -> None:
        self.engine = engine
        self.webinar = webinar
        self.conn: Connection | None = None
        self._key: int | None = None

    def key(self, conn: Connection) -> int:
        if self._key is None:
            schema = conn.execute(text("SELECT current_schema()")).scalar() or ""
            self._key = int.from_bytes(
                _digest("webinar-bot lease", schema, self.webinar)[:8], "big", signed=True
            )
        return self._key

    def _halves(self, conn: Connection) -> dict[str, int]:
        unsigned = self.key(conn) & 0xFFFFFFFFFFFFFFFF
        return {"hi": unsigned >> 32, "lo": unsigned & 0xFFFFFFFF}

    def acquire(self, wait: float) -> bool:
        try:
            conn = self.engine.connect()
        except (OperationalError, DBAPIError) as exc:
            raise StoreUnavailable(describe_error(self.engine.url, exc)) from exc
        # Out of the pool: closing (or losing) this connection ends the session, and the lock with it;
        # a pooled one could carry the lock, unseen, into another checkout.
        conn.detach()
        got = False
        try:
            key = self.key(conn)
            if wait > 0:
                conn.execute(
                    text("SELECT set_config('lock_timeout', :ms, false)"), {"ms": f"{int(wait * 1000)}ms"}
                )
                try:
                    conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                    got = True
                except OperationalError:  # lock_timeout: the holder is still alive
                    conn.rollback()
                conn.execute(text("RESET lock_timeout"))
            else:
                got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            conn.commit()  # idle outside a transaction for the lease's lifetime; the lock is per session
        except BaseException:
            conn.invalidate()  # closing the session is the one sure way to drop a lock we might hold
            conn.close()
            raise
        if got:
            self.conn = conn
        else:
            conn.close()
        return got

    def release(self) -> None:
        conn, self.conn = self.conn, None
        if conn is None:
            return
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key(conn)})
            conn.commit()
        except DBAPIError:
            conn.invalidate()
        finally:
            conn.close()

    def held_elsewhere(self) -> bool:
        with transaction(self.engine) as conn:
            return bool(
                conn.execute(
                    text(
                        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                        " AND classid::bigint = :hi AND objid::bigint = :lo AND objsubid = 1)"
                    ),
                    self._halves(conn),
                ).scalar()
            )

    def still_held(self) -> bool:
        if self.conn is None:
            return False
        try:
            held = self.conn.execute(
                text(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND pid = pg_backend_pid() AND classid::bigint = :hi AND objid::bigint = :lo"
                    " AND objsubid = 1)"
                ),
                self._halves(self.conn),
            ).scalar()
            self.conn.commit()
            return bool(held)
        except DBAPIError:
            return False


class LockSession:
    """One PostgreSQL session that holds many advisory locks: the leases of a `serve` process.

    A lease on a session of its own costs a server connection; a replica running a hundred webinars
    would need a hundred (PostgreSQL allows 100 by default). Here all of a process's leases share one
    session, which dies with the process like any other: its locks go with it. Calls are serialised
    (a connection is not for sharing between threads). If the session is lost (the database
    restarted, the network dropped), every lease on it reports itself lost, and the next `try_lock`
    opens a new session.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._mutex = threading.Lock()
        self._held: set[int] = set()

    def _connection(self) -> Connection:
        if self._conn is None:
            try:
                conn = self.engine.connect()
            except (OperationalError, DBAPIError) as exc:
                raise StoreUnavailable(describe_error(self.engine.url, exc)) from exc
            conn.detach()  # out of the pool: closing it ends the session, and its locks
            self._conn = conn
            self._held.clear()
        return self._conn

    def _lost(self) -> None:
        conn, self._conn = self._conn, None
        self._held.clear()
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.invalidate()
                conn.close()

    def key(self, webinar: str) -> int:
        with self._mutex:
            conn = self._connection()
            schema = conn.execute(text("SELECT current_schema()")).scalar() or ""
            conn.commit()
        return int.from_bytes(_digest("webinar-bot lease", schema, webinar)[:8], "big", signed=True)

    def try_lock(self, key: int) -> bool:
        with self._mutex:
            if key in self._held:
                return False  # one holder per process too: session locks would stack
            try:
                conn = self._connection()
                got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
                conn.commit()
            except DBAPIError:
                self._lost()
                return False
            if got:
                self._held.add(key)
            return got

    def unlock(self, key: int) -> None:
        with self._mutex:
            if key not in self._held or self._conn is None:
                return
            self._held.discard(key)
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                self._conn.commit()
            except DBAPIError:
                self._lost()

    def holds(self, key: int) -> bool:
        with self._mutex:
            if key not in self._held or self._conn is None:
                return False
            unsigned = key & 0xFFFFFFFFFFFFFFFF
            try:
                held = self._conn.execute(
                    text(
                        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                        " AND pid = pg_backend_pid() AND classid::bigint = :hi AND objid::bigint = :lo"
                        " AND objsubid = 1)"
                    ),
                    {"hi": unsigned >> 32, "lo": unsigned & 0xFFFFFFFF},
                ).scalar()
                self._conn.commit()
            except DBAPIError:
                self._lost()
                return False
            return bool(held)

    def close(self) -> None:
        with self._mutex:
            self._lost()


class _SharedAdvisoryLock:
    """PostgreSQL: an advisory lock on the process's `LockSession`."""

    def __init__(self, session: LockSession, webinar: str) -> None:
        self.session = session
        self.probe = _AdvisoryLock(session.engine, webinar)  # held_elsewhere: any session but ours
        self.webinar = webinar
        self._key: int | None = None

    def _the_key(self) -> int:
        if self._key is None:
            self._key = self.session.key(self.webinar)
        return self._key

    def acquire(self, wait: float) -> bool:
        retries = math.ceil(max(wait, 0.0) / _POLL_S)
        pause = threading.Event()  # never set: its timed wait is the pause between retries
        for attempt in range(retries + 1):
            if self.session.try_lock(self._the_key()):
                return True
            if attempt < retries:
                pause.wait(_POLL_S)
        return False

    def release(self) -> None:
        self.session.unlock(self._the_key())

    def held_elsewhere(self) -> bool:
        return self.probe.held_elsewhere()

    def still_held(self) -> bool:
        return self.session.holds(self._the_key())


class _FileLock:
    """SQLite file: an exclusive `flock` on a sidecar file beside the database."""

    def __init__(self, engine: Engine, webinar: str) -> None:
        database = engine.url.database or ""
        if database.startswith("file:"):  # a `?uri=true` URL: the path is what precedes the parameters
            database = database[len("file:") :].split("?", 1)[0]
        self.path = f"{os.path.abspath(database)}.{_digest(webinar).hex()[:12]}.lock"
        self.fd: int | None = None

    def acquire(self, wait: float) -> bool:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by child processes
        except OSError as exc:
            raise StoreUnavailable(f"cannot open the lease lock file {self.path}: {exc.strerror}") from None
        retries = math.ceil(max(wait, 0.0) / _POLL_S)
        pause = threading.Event()  # never set: its timed wait is the pause between retries
        for attempt in range(retries + 1):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if attempt < retries:
                    pause.wait(_POLL_S)
                continue
            self.fd = fd
            return True
        os.close(fd)
        return False

    def release(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor drops the flock; the file stays (unlinking would race)

    def held_elsewhere(self) -> bool:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # also drops the probe's shared lock
        return False

    def still_held(self) -> bool:
        return self.fd is not None


class _RowLock:
    """In-memory SQLite: the database lives in this process only, so its `leases` row is the lock."""

    def __init__(self, engine: Engine, webinar: str, owner: str, token: str) -> None:
        self.engine = engine
        self.webinar = webinar
        self.owner = owner
        self.token = token

    def acquire(self, wait: float) -> bool:
        with transaction(self.engine) as conn:
            result = conn.execute(
                sqlite.insert(leases).on_conflict_do_nothing().returning(leases.c.token),
                {"webinar": self.webinar, "owner": self.owner, "token": self.token},
            )
            return result.first() is not None

    def release(self) -> None:
        _forget(self.engine, self.webinar, self.token)

    def held_elsewhere(self) -> bool:
        with reading(self.engine) as conn:
            return (
                conn.execute(select(leases.c.token).where(leases.c.webinar == self.webinar)).first()
                is not None
            )

    def still_held(self) -> bool:
        with reading(self.engine) as conn:
            row = conn.execute(select(leases.c.token).where(leases.c.webinar == self.webinar)).first()
        return row is not None and row.token == self.token


class SchedulerLease:
    """The right to schedule one webinar's cues; at most one holder per database and webinar."""

    def __init__(self, engine: Engine, webinar: str, owner: str, session: LockSession | None = None) -> None:
        """`session`: on PostgreSQL, hold the lock on this shared session (a process with many
        leases) rather than on a connection of the lease's own."""
        if not webinar:
            raise ValueError("the lease needs a webinar key")
        self.engine = engine
        self.webinar = webinar
        self.owner = owner
        self._token = uuid.uuid4().hex
        self._held = False
        self._lock: _Lock
        dialect = engine.dialect.name
        if dialect == "postgresql" and session is not None:
            self._lock = _SharedAdvisoryLock(session, webinar)
        elif dialect == "postgresql":
            self._lock = _AdvisoryLock(engine, webinar)
        elif dialect == "sqlite" and is_memory_sqlite(engine.url):
            self._lock = _RowLock(engine, webinar, owner, self._token)
        elif dialect == "sqlite":
            self._lock = _FileLock(engine, webinar)
        else:
            raise ValueError(f"the scheduler lease supports PostgreSQL and SQLite, not {dialect}")

    @property
    def held(self) -> bool:
        return self._held

    def acquire(self, wait: float = 0.0) -> bool:
        """Take the lease; False if another live bot holds it.

        `wait` (seconds) lets a restart wait briefly for a crashed holder's lock to be dropped.
        """
        if self._held:
            return True
        if not self._lock.acquire(wait):
            return False
        if not isinstance(self._lock, _RowLock):
            try:
                _record(self.engine, self.webinar, self.owner, self._token)
            except BaseException:
                self._lock.release()
                raise
        self._held = True
        return True

    def release(self) -> None:
        """Give the lease up (a no-op when not held)."""
        if not self._held:
            return
        self._held = False
        try:
            if not isinstance(self._lock, _RowLock):
                _forget(self.engine, self.webinar, self._token)
        finally:
            self._lock.release()

    def still_held(self) -> bool:
        """Whether the lease is still ours (on PostgreSQL a lost connection loses it)."""
        return self._held and self._lock.still_held()

    def holder(self) -> str | None:
        """Who holds the lease (the holder's description), or None when nobody does."""
        if self._held:
            return self.owner
        if not self._lock.held_elsewhere():
            return None  # a row left by a crashed holder says nothing
        with reading(self.engine) as conn:
            owner = conn.execute(select(leases.c.owner).where(leases.c.webinar == self.webinar)).scalar()
        return owner or "another bot (it has not said who it is yet)"

    def __enter__(self) -> SchedulerLease:
        if not self.acquire():
            raise LeaseRefused(self.webinar, self.holder())
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
