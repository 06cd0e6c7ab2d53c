"""The guard as a WSGI app, called directly: what it reads of a body, how its routes are extended, and
the store's health check it reports."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.clock import ManualClock
from bot.health import Health
from bot.slack.http_guard import MAX_BODY, ROUTES, Access, Route, SlackGuard
from bot.store.db import create_schema, make_engine
from bot.store.health import store_health
from bot.store.lease import SchedulerLease

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = datetime(2018, 10, 23, 12, 0, tzinfo=UTC)


class CountingInput:
    """A request body stream that counts what is read of it."""

    def __init__(self, data: bytes) -> None:
        self.stream = io.BytesIO(data)
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        self.read_bytes += len(chunk)
        return chunk


class Downstream:
    """Stands for Bolt's adapter: records what reaches it."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.paths: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.paths.append(environ["PATH_INFO"])
        self.bodies.append(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]


def call(guard: SlackGuard, environ: dict[str, Any]) -> str:
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        statuses.append(status)
        return lambda _data: None

    b"".join(guard(environ, start_response))  # type: ignore[arg-type]
    return statuses[-1]


def environ(body: CountingInput, length: str, path: str = "/slack/events", **extra: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "CONTENT_LENGTH": length,
        "CONTENT_TYPE": "application/json",
        "wsgi.input": body,
        **extra,
    }


def signed(body: bytes, clock: ManualClock) -> dict[str, str]:
    stamp = str(int(clock.now().timestamp()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
    assert signature is not None
    return {"HTTP_X_SLACK_REQUEST_TIMESTAMP": stamp, "HTTP_X_SLACK_SIGNATURE": signature}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def downstream() -> Downstream:
    return Downstream()


@pytest.fixture
def guard(clock: ManualClock, downstream: Downstream) -> SlackGuard:
    return SlackGuard(downstream, SECRET, clock, lambda: Health(True))  # type: ignore[arg-type]


def test_an_oversized_declared_body_is_refused_without_reading_a_byte(guard: SlackGuard) -> None:
    body = CountingInput(b"x" * (5 * 1024 * 1024))
    assert call(guard, environ(body, str(5 * 1024 * 1024))).startswith("413")
    assert body.read_bytes == 0


def test_a_lying_content_length_bounds_what_is_read(guard: SlackGuard, downstream: Downstream) -> None:
    body = CountingInput(b'{"a":1}' + b"x" * (5 * 1024 * 1024))
    assert call(guard, environ(body, "7")).startswith("401")  # unsigned, and only 7 bytes read to say so
    assert body.read_bytes == 7 <= MAX_BODY + 1
    assert downstream.bodies == []


def test_a_body_shorter_than_declared_gets_400(
    guard: SlackGuard, clock: ManualClock, downstream: Downstream
) -> None:
    data = b'{"type":"event_callback"}'
    status = call(guard, environ(CountingInput(data), str(len(data) + 5), **signed(data, clock)))
    assert status.startswith("400") and downstream.bodies == []


def test_a_verified_body_is_handed_on_whole(
    guard: SlackGuard, clock: ManualClock, downstream: Downstream
) -> None:
    data = json.dumps({"type": "event_callback", "event": {"type": "message"}}).encode()
    assert call(guard, environ(CountingInput(data), str(len(data)), **signed(data, clock))) == "200 OK"
    assert downstream.bodies == [data]


def test_an_open_route_is_one_line_and_passes_without_a_signature(
    clock: ManualClock, downstream: Downstream
) -> None:
    routes = {**ROUTES, "/slack/welcome": Route(frozenset({"GET"}), Access.OPEN)}
    guard = SlackGuard(downstream, SECRET, clock, lambda: Health(True), routes=routes)  # type: ignore[arg-type]
    get = {"REQUEST_METHOD": "GET", "PATH_INFO": "/slack/welcome", "wsgi.input": CountingInput(b"")}
    assert call(guard, get) == "200 OK" and downstream.paths == ["/slack/welcome"]
    assert call(guard, {**get, "PATH_INFO": "/slack/elsewhere"}).startswith("404")
    install = {**get, "PATH_INFO": "/slack/install"}  # the OAuth pages are open routes already
    assert call(SlackGuard(downstream, SECRET, clock, lambda: Health(True)), install) == "200 OK"  # type: ignore[arg-type]
    too_big = {**get, "CONTENT_LENGTH": str(MAX_BODY + 1)}
    assert call(guard, too_big).startswith("413")  # the size limit holds on open routes too


def test_a_guard_needs_the_signing_secret(clock: ManualClock, downstream: Downstream) -> None:
    with pytest.raises(ValueError, match="signing secret"):
        SlackGuard(downstream, "", clock, lambda: Health(True))  # type: ignore[arg-type]


# -- the store's health check ---------------------------------------------------------------------


def test_store_health_is_ok_while_the_database_answers_and_the_lease_is_held(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    create_schema(engine)
    lease = SchedulerLease(engine, "seed-webinar", "host pid 1")
    check = store_health(engine, [lease])
    assert lease.acquire()
    assert check() == Health(True, database=True, leases=1)
    lease.release()
    assert check() == Health(False, database=True, leases=0, detail="1 lease(s) lost")
    engine.dispose()


def test_store_health_says_the_database_is_unreachable() -> None:
    # Nothing listens on port 1: the connection is refused at once.
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", check=False)
    health = store_health(engine, [])()
    assert health.ok is False and health.database is False
    assert health.as_json() == {"ok": False, "database": False, "leases": 0, "detail": "database unreachable"}
    engine.dispose()
