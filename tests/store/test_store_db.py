"""Engines: SQLite configured for a multi-threaded bot, PostgreSQL by URL, and clear errors."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, inspect, make_url
from sqlalchemy.exc import StatementError

from bot.store import Outbox, PlannedCue, StoreUnavailable, create_schema, make_engine, safe_url
from bot.store.tables import control_log

NOW = datetime(2018, 10, 23, 12, 0, tzinfo=UTC)


def test_sqlite_file_is_set_up_for_a_threaded_bot(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        with engine.connect() as conn:
            pragmas = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
    finally:
        engine.dispose()
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000, "synchronous": 1}


def test_relative_sqlite_path_is_resolved_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    engine = make_engine("sqlite:///webinar-bot.db")
    try:
        create_schema(engine)
        assert engine.url.database == str(tmp_path / "webinar-bot.db")
    finally:
        engine.dispose()
    assert (tmp_path / "webinar-bot.db").exists()


def test_in_memory_sqlite_is_one_database_for_every_thread() -> None:
    engine = make_engine("sqlite://")
    create_schema(engine)
    outbox = Outbox(engine, "w")
    outbox.sync([PlannedCue("a", "reminder", "announcements", NOW)], NOW)
    seen: list[bool] = []

    thread = threading.Thread(target=lambda: seen.append(Outbox(engine, "w").claim("a", NOW)))
    thread.start()
    thread.join()

    assert seen == [True]
    engine.dispose()


def test_create_schema_is_idempotent(engine: Engine) -> None:
    create_schema(engine)
    create_schema(engine)
    assert {"outbox", "live_state", "control_log", "leases"} <= set(inspect(engine).get_table_names())


def test_postgresql_urls_get_the_psycopg_driver() -> None:
    for url in ("postgresql://u:pw@db.invalid/x", "postgres://u:pw@db.invalid/x"):
        engine = make_engine(url, check=False)
        assert engine.url.drivername == "postgresql+psycopg"
        assert engine.dialect.driver == "psycopg"
        engine.dispose()


def test_unreachable_database_gives_a_clear_error_without_the_password() -> None:
    url = "postgresql://webinar:Sup3rSecret@127.0.0.1:1/webinar"  # nothing listens on port 1

    with pytest.raises(StoreUnavailable) as caught:
        make_engine(url)

    message = str(caught.value)
    assert "Sup3rSecret" not in message
    assert message.startswith(
        "database postgresql+psycopg://webinar:***@127.0.0.1:1/webinar is unavailable: "
    )
    assert "Traceback" not in message and "\n" not in message
    assert "sqlalche.me" not in message and "SELECT" not in message


def test_unreachable_sqlite_file_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="unable to open database file"):
        make_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'bot.db'}")


def test_malformed_url_gives_a_clear_error_without_the_password() -> None:
    with pytest.raises(StoreUnavailable) as caught:
        make_engine("not a url://webinar:Sup3rSecret@host/db")
    assert "Sup3rSecret" not in str(caught.value)
    assert "not a valid database URL" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__

    with pytest.raises(StoreUnavailable, match="unknown dialect"):
        make_engine("nosuchdb://webinar:Sup3rSecret@host/db")


def test_safe_url_hides_the_password() -> None:
    assert safe_url(make_url("postgresql://a:b@h/d")) == "postgresql://a:***@h/d"
    assert safe_url("weird://a:b@h/d") == "weird://a:***@h/d"


def test_naive_instants_are_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="naive"):
        PlannedCue("a", "reminder", "announcements", datetime(2018, 10, 23, 12, 0))
    with pytest.raises(StatementError, match="naive"), engine.begin() as conn:
        conn.execute(
            control_log.insert().values(
                webinar="w", at=datetime(2018, 1, 1), user_id="u", action="a", detail={}
            )
        )


def test_writers_of_one_process_take_turns_rather_than_meet_a_locked_sqlite_file(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    create_schema(engine)

    @event.listens_for(engine, "connect")
    def impatient(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=0")  # a locked file is an error at once

    engine.dispose()  # new connections, each impatient
    outboxes = [Outbox(engine, f"webinar-{n}") for n in range(8)]
    errors: list[Exception] = []
    now = datetime(2018, 10, 23, 12, 0, tzinfo=UTC)

    def write(outbox: Outbox) -> None:
        try:
            for n in range(40):
                outbox.sync([PlannedCue(f"cue-{n}", "item_start", "announcements", now)], now)
                outbox.claim(f"cue-{n}", now)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(outbox,)) for outbox in outboxes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert all(len(outbox.entries()) == 40 for outbox in outboxes)
