"""Fixtures shared by every test: small schedules, and stores on SQLite and PostgreSQL.

On PostgreSQL each test gets its own schema (named in the URL's `options`, so a subprocess given the
URL lands in it too), dropped with everything in it afterwards.
"""

from __future__ import annotations

import os
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from matrix.fixtures import matrix_world, synapse
from sqlalchemy import Engine, create_engine, make_url, text

from support import MINIMAL_HEADER

__all__ = ["matrix_world", "synapse"]  # one Synapse per session, for tests/matrix and the contract suite


@pytest.fixture
def write_schedule(tmp_path: Path) -> Callable[..., Path]:
    """Write a YAML schedule (dedented) to a temporary file; `header=True` prepends a valid header."""

    def write(body: str, name: str = "schedule.yaml", header: bool = True) -> Path:
        text = textwrap.dedent(body)
        if header:
            text = MINIMAL_HEADER + text
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


DEFAULT_TEST_DATABASE_URL = "postgresql+psycopg://127.0.0.1:5432/test"


def _postgres_base_url() -> str:
    url = make_url(os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_DATABASE_URL)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An engine on the test server's default schema, or a skip that says why there is none."""
    url = _postgres_base_url()
    engine = create_engine(url, connect_args={"connect_timeout": 3}, pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        pytest.skip(
            f"PostgreSQL not reachable at {make_url(url).render_as_string(hide_password=True)}: {reason}; "
            "set TEST_DATABASE_URL to run the store tests on PostgreSQL"
        )
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL for an empty store: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    base = make_url(_postgres_base_url())
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
