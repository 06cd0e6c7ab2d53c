"""Engines for the store: a SQLite file by default, any SQLAlchemy URL (PostgreSQL) otherwise.

Everything that touches the database goes through `make_engine` (so SQLite gets the pragmas a
multi-threaded bot needs) and `transaction` (so a lost or locked database surfaces as one
friendly `StoreUnavailable`, never as a driver traceback with the URL's password in it).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    URL,
    Connection,
    Engine,
    Executable,
    Table,
    create_engine,
    event,
    insert,
    inspect,
    make_url,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, NoSuchModuleError, OperationalError
from sqlalchemy.pool import StaticPool

from bot.store.tables import metadata

DEFAULT_URL = "sqlite:///webinar-bot.db"
SQLITE_BUSY_TIMEOUT_MS = 5000
PG_CONNECT_TIMEOUT_S = 10
WRITE_LOCK = "webinar_bot_write_lock"  # a SQLite engine's execution option: its in-process writers' lock


class StoreUnavailable(RuntimeError):
    """The database cannot be used (bad URL, no driver, unreachable, locked); the message is safe to show."""


def safe_url(url: URL | str) -> str:
    """The URL as text with its password hidden, for messages and logs."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def is_memory_sqlite(url: URL) -> bool:
    """True for an in-memory SQLite database, which lives and dies with its engine."""
    if url.get_backend_name() != "sqlite":
        return False
    database = url.database or ""
    return (
        database in ("", ":memory:")
        or database.startswith("file::memory:")
        or url.query.get("mode") == "memory"
    )


def _sqlite_uri(url: URL) -> bool:
    return str(url.query.get("uri", "")).lower() in ("true", "1")


def make_engine(
    url: str = DEFAULT_URL, *, connect_args: Mapping[str, Any] | None = None, check: bool = True
) -> Engine:
    """An engine for `url`; with `check`, connects once so a bad URL or a down server fails at start-up."""
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    args: dict[str, Any] = {}
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if backend == "sqlite":
        memory = is_memory_sqlite(parsed)
        args["check_same_thread"] = False
        if memory:
            kwargs["poolclass"] = StaticPool  # one connection, so every thread sees the same database
        elif parsed.database and not _sqlite_uri(parsed) and not os.path.isabs(parsed.database):
            # Resolve now: the lease's sidecar lock file must name the same file even if the cwd changes.
            parsed = parsed.set(database=os.path.abspath(parsed.database))
    elif backend == "postgresql" and "connect_timeout" not in parsed.query:
        args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
    args.update(connect_args or {})
    try:
        engine = create_engine(parsed, connect_args=args, **kwargs)
    except NoSuchModuleError:
        raise StoreUnavailable(
            f"unsupported database URL {safe_url(parsed)}: unknown dialect or driver"
        ) from None
    except ImportError as exc:
        hint = " (install webinar-bot[postgres])" if backend == "postgresql" else ""
        raise StoreUnavailable(f"no driver for {safe_url(parsed)}: {exc}{hint}") from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas(memory=is_memory_sqlite(parsed)))
        # SQLite has one writer at a time. A writer that finds the file locked sleeps in SQLite's
        # busy handler (1, 2, 5, 10 ... 100 ms): with a hundred webinars' threads writing, a cue's
        # claim could sleep tens of milliseconds. Within the process, writers queue on a lock instead.
        engine = engine.execution_options(**{WRITE_LOCK: threading.RLock()})
    if check:
        with transaction(engine) as conn:
            conn.execute(text("SELECT 1"))
    return engine


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise StoreUnavailable(f"not a valid database URL: {safe_url(url)!r}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_pragmas(*, memory: bool) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough with WAL, much faster
        finally:
            cursor.close()

    return on_connect


def describe_error(url: URL, exc: BaseException) -> str:
    """A one-line reason for `exc`, without SQL, traceback or password."""
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    reason = "; ".join(line.strip() for line in str(orig).splitlines() if line.strip()) or type(orig).__name__
    if url.password:
        reason = reason.replace(str(url.password), "***")
    return f"database {safe_url(url)} is unavailable: {reason}"


def insert_ignoring_duplicates(engine: Engine, table: Table) -> Executable:
    """An INSERT that skips rows another writer inserted meanwhile (where the dialect can say so)."""
    if engine.dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    if engine.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return insert(table)


def upsert(conn: Connection, table: Table, keys: Sequence[str], rows: list[dict[str, Any]]) -> None:
    """Insert `rows`, or update those whose `keys` exist: what two replicas saving the same rows at once
    both manage (a delete-then-insert would fail one of them on the primary key)."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    columns = [c for c in rows[0] if c not in keys]
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=list(keys), set_={c: statement.excluded[c] for c in columns}
        ),
        rows,
    )


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection for reads only, so it never waits for the writers' turn (`transaction`): a SQLite
    reader in WAL mode reads alongside the writer. Failures become `StoreUnavailable` as there."""
    try:
        with engine.connect() as conn:
            yield conn
    except (OperationalError, InterfaceError) as exc:
        raise StoreUnavailable(describe_error(engine.url, exc)) from exc


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """A connection inside one committed transaction; connection-level failures become `StoreUnavailable`."""
    lock = engine.get_execution_options().get(WRITE_LOCK)
    if lock is not None and not lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
        raise StoreUnavailable(f"database {safe_url(engine.url)} is unavailable: database is locked")
    try:
        with engine.begin() as conn:
            yield conn
    except (OperationalError, InterfaceError) as exc:
        raise StoreUnavailable(describe_error(engine.url, exc)) from exc
    finally:
        if lock is not None:
            lock.release()


def create_schema(engine: Engine) -> None:
    """Create the store's tables if they are missing (safe to call at every start)."""
    try:
        metadata.create_all(engine, checkfirst=True)
    except (OperationalError, InterfaceError) as exc:
        raise StoreUnavailable(describe_error(engine.url, exc)) from exc
    except DBAPIError:
        # Two processes creating the schema at once: the loser retries and now finds the tables.
        metadata.create_all(engine, checkfirst=True)
    _add_missing_columns(engine)


# Columns added to a table after databases with it existed: (table, column, SQL type). Each is
# nullable, so adding it is all a database of an earlier version needs.
ADDED_COLUMNS = (("webinars", "language", "VARCHAR(8)"), ("registrants", "matrix", "VARCHAR(200)"))


def _add_missing_columns(engine: Engine) -> None:
    for table, column, kind in ADDED_COLUMNS:
        present = {c["name"] for c in inspect(engine).get_columns(table)}
        if column in present:
            continue
        try:
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {kind}"))
        except DBAPIError:
            present = {c["name"] for c in inspect(engine).get_columns(table)}
            if column not in present:  # not another process adding it at the same moment
                raise
