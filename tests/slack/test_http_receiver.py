"""HTTP mode as an attacker would try it: real requests over loopback to the bot's receiver (waitress,
the guard, Bolt's WSGI adapter, the Bolt app `build_app` makes) on a ManualClock.

Each hostile request is refused with its status before Bolt parses anything, and leaves no traceback
in the log. Requests go over raw sockets, so a test can send a request's headers without its body.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.chat.inbound import Inbound, Posted
from bot.chat.port import Reply
from bot.clock import Clock, ManualClock
from bot.health import Health
from bot.localslack import LocalSlack
from bot.slack.adapter import SlackChat
from bot.slack.app import HttpReceiver, build_app
from bot.slack.http_guard import MAX_BODY

FIVE_MB = 5 * 1024 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def signed_headers(secret: str, clock: Clock, body: bytes, *, age: int = 0) -> dict[str, str]:
    """Slack's two headers for `body`, stamped `age` seconds before the clock's now."""
    stamp = str(int(clock.now().timestamp()) - age)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature}


def exchange(
    port: int,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    send_body: bool = True,
    content_length: str | None = None,
) -> Answer:
    """One request on its own connection (`Connection: close`), and the whole answer.

    `content_length` overrides the header (None: the body's true length; "": no header);
    `send_body=False` sends the headers only."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    length = str(len(body)) if content_length is None else content_length
    if length:
        lines.append(f"Content-Length: {length}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(head + (body if send_body else b""))
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    raw_head, _, payload = received.partition(b"\r\n\r\n")
    status_line, *header_lines = raw_head.decode("latin-1").split("\r\n")
    found = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        found[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split()[1]), found, payload)


class RecordingInbox:
    def __init__(self) -> None:
        self.received: list[Inbound] = []
        self.arrived = threading.Event()

    def receive(self, event: Inbound) -> Reply | None:
        self.received.append(event)
        self.arrived.set()
        return None


@dataclass
class Bot:
    """The receiver under test, with what it lets through to Bolt and what Bolt hands the inbox."""

    receiver: HttpReceiver
    secret: str
    clock: ManualClock
    inbox: RecordingInbox
    bolt_saw: list[dict[str, Any]]
    health: list[Health]

    @property
    def port(self) -> int:
        return self.receiver.port

    def post(self, body: bytes, content_type: str = "application/json", **kwargs: Any) -> Answer:
        headers = {"Content-Type": content_type, **kwargs.pop("headers", {})}
        return exchange(self.port, "POST", "/slack/events", body, headers, **kwargs)

    def post_signed(self, body: bytes, content_type: str = "application/json", **kwargs: Any) -> Answer:
        headers = signed_headers(self.secret, self.clock, body, age=kwargs.pop("age", 0))
        return self.post(body, content_type, headers=headers, **kwargs)


@pytest.fixture
def bot(slack: LocalSlack, clock: ManualClock) -> Iterator[Bot]:
    """A Bolt app made by `build_app` behind an `HttpReceiver` on a free port; a last global
    middleware records every request Bolt got as far as dispatching."""
    chat = SlackChat(slack.bot_token, slack.api_url, clock, signing_secret=slack.signing_secret)
    inbox = RecordingInbox()
    app: App = build_app(chat.client, slack.signing_secret, inbox, chat.identity(), clock)
    bolt_saw: list[dict[str, Any]] = []

    @app.middleware
    def record(body: dict[str, Any], next: Callable[[], None]) -> None:
        bolt_saw.append(body)
        next()

    health = [Health(True, database=True, leases=1)]
    receiver = HttpReceiver(
        app, 0, "127.0.0.1", signing_secret=slack.signing_secret, clock=clock, health=lambda: health[-1]
    )
    receiver.start()
    yield Bot(receiver, slack.signing_secret, clock, inbox, bolt_saw, health)
    receiver.stop()


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO)
    yield caplog
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert "Traceback" not in caplog.text


def message_event(clock: Clock, text: str = "hello over HTTP") -> bytes:
    ts = f"{clock.now().timestamp():.6f}"
    return json.dumps(
        {
            "token": "unused",
            "team_id": "T0001",
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": "Ev0001",
            "event_time": int(clock.now().timestamp()),
            "event": {
                "type": "message",
                "channel": "C0001",
                "channel_type": "channel",
                "user": "U0PARTICIPANT",
                "text": text,
                "ts": ts,
            },
        }
    ).encode()


# -- what Slack sends gets through ---------------------------------------------------------------


def test_a_valid_signed_event_gets_200_and_reaches_the_inbox(bot: Bot, log: pytest.LogCaptureFixture) -> None:
    answer = bot.post_signed(message_event(bot.clock))
    assert answer.status == 200
    assert bot.inbox.arrived.wait(5)
    (posted,) = bot.inbox.received
    assert isinstance(posted, Posted)
    assert posted.text == "hello over HTTP" and posted.person == "U0PARTICIPANT"


def test_a_signed_slash_command_form_is_answered_by_bolt(bot: Bot, log: pytest.LogCaptureFixture) -> None:
    form = urlencode({"command": "/nothing-registered", "text": "", "user_id": "U1", "channel_id": "C1"})
    answer = bot.post_signed(form.encode(), "application/x-www-form-urlencoded")
    assert answer.status == 404  # Bolt's own answer to a command nobody listens to: it got through
    assert bot.bolt_saw and bot.bolt_saw[0]["command"] == "/nothing-registered"


def test_a_body_of_exactly_the_limit_is_not_refused_for_its_size(
    bot: Bot, log: pytest.LogCaptureFixture
) -> None:
    prefix = b'{"type":"event_callback","padding":"'
    body = prefix + b"x" * (MAX_BODY - len(prefix) - 2) + b'"}'
    assert len(body) == MAX_BODY
    assert bot.post_signed(body).status != 413
    assert bot.bolt_saw  # it reached Bolt


# -- too large: 413, unread ------------------------------------------------------------------------


def test_an_unsigned_5_mb_body_gets_413_before_a_byte_of_it_is_sent(
    bot: Bot, log: pytest.LogCaptureFixture
) -> None:
    body = b'{"type":"event_callback","x":"' + b"x" * FIVE_MB + b'"}'
    answer = bot.post(body, send_body=False)  # the server answers on the headers alone
    assert answer.status == 413
    assert bot.bolt_saw == [] and bot.inbox.received == []


def test_a_signed_5_mb_body_gets_413_before_a_byte_of_it_is_sent(
    bot: Bot, log: pytest.LogCaptureFixture
) -> None:
    body = b'{"type":"event_callback","x":"' + b"x" * FIVE_MB + b'"}'
    assert bot.post_signed(body, send_body=False).status == 413
    assert bot.bolt_saw == []


def test_one_byte_over_the_limit_gets_413(bot: Bot, log: pytest.LogCaptureFixture) -> None:
    body = b"{" + b" " * (MAX_BODY - 1) + b"}"
    assert bot.post_signed(body, send_body=False).status == 413


def test_a_post_without_content_length_is_refused_unread(bot: Bot, log: pytest.LogCaptureFixture) -> None:
    answer = bot.post_signed(b"", content_length="")
    assert answer.status == 411
    assert bot.bolt_saw == []


def test_a_content_length_that_is_not_a_number_gets_400(bot: Bot, log: pytest.LogCaptureFixture) -> None:
    assert bot.post(b"{}", content_length="12abc").status == 400
    assert bot.bolt_saw == []


# -- not Slack's: 401 before parsing ------------------------------------------------------------


def test_an_unsigned_request_gets_401_before_parsing(bot: Bot, log: pytest.LogCaptureFixture) -> None:
    # Bolt would raise on this body while parsing it (a 500 and a traceback, before the guard).
    answer = bot.post(b"{ this is not JSON")
    assert answer.status == 401
    assert bot.bolt_saw == [] and bot.inbox.received == []


def test_a_request_signed_with_another_secret_gets_401(bot: Bot, log: pytest.LogCaptureFixture) -> None:
    body = message_event(bot.clock)
    headers = signed_headers("not-the-signing-secret", bot.clock, body)
    assert bot.post(body, headers=headers).status == 401
    assert bot.inbox.received == []


def test_a_stale_request_gets_401_once_the_clock_has_moved_past_five_minutes(
    bot: Bot, log: pytest.LogCaptureFixture
) -> None:
    body = message_event(bot.clock)
    headers = signed_headers(bot.secret, bot.clock, body)
    bot.clock.advance(timedelta(minutes=5, seconds=1))
    assert bot.post(body, headers=headers).status == 401
    assert bot.post_signed(body, age=301).status == 401
    assert bot.post_signed(body, age=-301).status == 401  # from the future, as far
    assert bot.bolt_saw == [] and bot.inbox.received == []
    assert bot.post_signed(body, age=299).status == 200  # within Slack's five minutes


def test_a_timestamp_that_is_not_a_number_gets_401(bot: Bot, log: pytest.LogCaptureFixture) -> None:
    body = message_event(bot.clock)
    headers = signed_headers(bot.secret, bot.clock, body) | {"X-Slack-Request-Timestamp": "soon"}
    assert bot.post(body, headers=headers).status == 401


def test_a_body_that_is_not_utf8_gets_401_and_no_traceback(bot: Bot, log: pytest.LogCaptureFixture) -> None:
    body = b'{"text": "\xff\xfe"}'
    stamp = str(int(bot.clock.now().timestamp()))
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": "v0=" + "0" * 64}
    assert bot.post(body, headers=headers).status == 401


# -- Slack's, but malformed: 400 ------------------------------------------------------------------


def test_a_signed_body_that_is_not_json_gets_400_without_a_traceback(
    bot: Bot, log: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ValueError):  # what Bolt does with it (a 500 and a traceback, unguarded)
        BoltRequest(body="{ this is not JSON", headers={"content-type": "application/json"})
    assert bot.post_signed(b"{ this is not JSON").status == 400
    assert bot.post_signed(b"[1, 2, 3]").status == 400  # JSON, but not an object
    assert bot.bolt_saw == []


def test_a_signed_form_whose_payload_is_not_json_gets_400(bot: Bot, log: pytest.LogCaptureFixture) -> None:
    form = urlencode({"payload": "{'type': 'block_actions'"}).encode()
    assert bot.post_signed(form, "application/x-www-form-urlencoded").status == 400
    listed = urlencode({"payload": "[]"}).encode()
    assert bot.post_signed(listed, "application/x-www-form-urlencoded").status == 400
    assert bot.bolt_saw == []


def test_a_signed_body_of_another_content_type_gets_400(bot: Bot, log: pytest.LogCaptureFixture) -> None:
    assert bot.post_signed(b"<xml/>", "text/xml").status == 400
    assert bot.post_signed(b"{}", "").status == 400


def test_a_signed_json_nested_too_deep_to_parse_gets_400(bot: Bot, log: pytest.LogCaptureFixture) -> None:
    body = b'{"a":' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    assert bot.post_signed(body).status == 400


def test_a_signed_json_object_whose_fields_bolt_cannot_read_gets_400(
    bot: Bot, log: pytest.LogCaptureFixture
) -> None:
    body = json.dumps({"type": "event_callback", "authorizations": "not a list"}).encode()
    with pytest.raises(AttributeError):  # what Bolt does with it (a 500 and a traceback, unguarded)
        BoltRequest(body=body.decode(), headers={"content-type": "application/json"})
    assert bot.post_signed(body).status == 400


def test_a_body_shorter_than_its_content_length_never_reaches_bolt(
    bot: Bot, log: pytest.LogCaptureFixture
) -> None:
    body = message_event(bot.clock)
    headers = signed_headers(bot.secret, bot.clock, body)
    # The connection ends (Connection: close, nothing more to send) before the declared length arrives.
    with socket.create_connection(("127.0.0.1", bot.port), timeout=10) as conn:
        lines = [
            "POST /slack/events HTTP/1.1",
            "Host: 127.0.0.1",
            "Content-Type: application/json",
            f"Content-Length: {len(body) + 10}",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        head = "\r\n".join(lines) + "\r\n\r\n"
        conn.sendall(head.encode() + body)
        conn.shutdown(socket.SHUT_WR)
        assert conn.recv(65536) == b""  # waitress drops the incomplete request: nothing reaches the app
    assert bot.bolt_saw == [] and bot.inbox.received == []


# -- routing -----------------------------------------------------------------------------------------


def test_an_unknown_path_gets_404(bot: Bot, log: pytest.LogCaptureFixture) -> None:
    assert exchange(bot.port, "GET", "/admin").status == 404
    assert exchange(bot.port, "POST", "/slack/events/../../etc", b"{}").status == 404


def test_anything_but_post_to_the_events_path_gets_405(bot: Bot, log: pytest.LogCaptureFixture) -> None:
    answer = exchange(bot.port, "GET", "/slack/events")
    assert answer.status == 405 and answer.headers["allow"] == "POST"
    assert exchange(bot.port, "PUT", "/slack/events", b"{}").status == 405


# -- health --------------------------------------------------------------------------------------------


def test_healthz_answers_200_with_the_checks_while_healthy(bot: Bot, log: pytest.LogCaptureFixture) -> None:
    answer = exchange(bot.port, "GET", "/healthz")
    assert answer.status == 200 and answer.headers["content-type"] == "application/json"
    assert answer.json() == {"ok": True, "database": True, "leases": 1, "detail": ""}


def test_healthz_answers_503_when_the_check_says_unhealthy(bot: Bot, log: pytest.LogCaptureFixture) -> None:
    bot.health.append(Health(False, database=False, leases=0, detail="database unreachable"))
    answer = exchange(bot.port, "GET", "/healthz")
    assert answer.status == 503
    assert answer.json()["database"] is False and answer.json()["ok"] is False


def test_healthz_answers_503_when_the_check_itself_fails(
    slack: LocalSlack, clock: ManualClock, log: pytest.LogCaptureFixture
) -> None:
    def broken() -> Health:
        raise RuntimeError("the check broke")

    chat = SlackChat(slack.bot_token, slack.api_url, clock, signing_secret=slack.signing_secret)
    app = build_app(chat.client, slack.signing_secret, RecordingInbox(), chat.identity(), clock)
    receiver = HttpReceiver(
        app, 0, "127.0.0.1", signing_secret=slack.signing_secret, clock=clock, health=broken
    )
    receiver.start()
    try:
        answer = exchange(receiver.port, "GET", "/healthz")
    finally:
        receiver.stop()
    assert answer.status == 503 and answer.json()["ok"] is False


# -- the receiver's life -------------------------------------------------------------------------------


def test_port_0_picks_a_free_port_and_stop_frees_it(slack: LocalSlack, clock: ManualClock) -> None:
    chat = SlackChat(slack.bot_token, slack.api_url, clock, signing_secret=slack.signing_secret)
    app = build_app(chat.client, slack.signing_secret, RecordingInbox(), chat.identity(), clock)
    receiver = HttpReceiver(app, 0, "127.0.0.1", signing_secret=slack.signing_secret, clock=clock)
    receiver.start()
    port = receiver.port
    assert port > 0 and exchange(port, "GET", "/healthz").status == 200
    receiver.stop()
    assert not receiver.thread.is_alive()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_a_receiver_without_a_signing_secret_is_refused(slack: LocalSlack, clock: ManualClock) -> None:
    chat = SlackChat(slack.bot_token, slack.api_url, clock)
    app = build_app(chat.client, "", RecordingInbox(), chat.identity(), clock)
    with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET"):
        HttpReceiver(app, 0, "127.0.0.1", signing_secret="", clock=clock)


def test_a_signed_event_sent_in_chunks_is_measured_and_accepted(
    bot: Bot, log: pytest.LogCaptureFixture
) -> None:
    body = message_event(bot.clock, "in chunks")
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:40], body[40:])) + b"0\r\n\r\n"
    headers = {
        "Content-Type": "application/json",
        "Transfer-Encoding": "chunked",
        **signed_headers(bot.secret, bot.clock, body),
    }
    answer = exchange(bot.port, "POST", "/slack/events", chunked, headers, content_length="")
    assert answer.status == 200
    assert bot.inbox.arrived.wait(5) and isinstance(bot.inbox.received[0], Posted)


def test_a_request_answered_while_the_receiver_stops_finishes_before_its_sockets_close(
    slack: LocalSlack, clock: ManualClock, log: pytest.LogCaptureFixture
) -> None:
    """An answer pulls the loop's trigger (a pipe among the loop's sockets) when it is written: closed
    under it, that is a traceback in the log, so the requests under way finish first."""
    chat = SlackChat(slack.bot_token, slack.api_url, clock, signing_secret=slack.signing_secret)
    app: App = build_app(chat.client, slack.signing_secret, RecordingInbox(), chat.identity(), clock)
    asked, may_answer = threading.Event(), threading.Event()

    def slow_health() -> Health:  # a load balancer's check, still being answered at the stop
        asked.set()
        assert may_answer.wait(10)
        return Health(True)

    receiver = HttpReceiver(
        app, 0, "127.0.0.1", signing_secret=slack.signing_secret, clock=clock, health=slow_health
    )
    dispatcher = receiver.server.task_dispatcher
    finish_requests = dispatcher.shutdown
    open_while_finishing: list[bool] = []

    def shutdown(*args: Any, **kwargs: Any) -> bool:
        open_while_finishing.append(bool(receiver._sockets))
        may_answer.set()
        return bool(finish_requests(*args, **kwargs))

    dispatcher.shutdown = shutdown
    receiver.start()
    answers: list[Answer | Exception] = []

    def check() -> None:
        try:
            answers.append(exchange(receiver.port, "GET", "/healthz"))
        except OSError as exc:  # the connection may close with the receiver: that is allowed
            answers.append(exc)

    checking = threading.Thread(target=check)
    checking.start()
    assert asked.wait(10)
    receiver.stop()
    checking.join(20)
    assert answers and open_while_finishing[:1] == [True]
    assert not [r.getMessage() for r in log.records if r.exc_info]
