"""Store fixtures: engines on the `store_url` of tests/conftest.py (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine

from bot.store import create_schema, make_engine


@pytest.fixture
def open_engine(store_url: str) -> Iterator[Callable[[], Engine]]:
    """Opens engines on the test's store (schema created), as separate bot processes would; disposes them."""
    engines: list[Engine] = []

    def open_() -> Engine:
        engine = make_engine(store_url)
        create_schema(engine)
        engines.append(engine)
        return engine

    yield open_
    for engine in engines:
        engine.dispose()


@pytest.fixture
def engine(open_engine: Callable[[], Engine]) -> Engine:
    return open_engine()
