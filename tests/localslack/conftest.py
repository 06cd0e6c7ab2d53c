"""Fixtures for the stand-in's tests: a LocalSlack on a ManualClock, real WebClients, real Bolt apps."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.clock import ManualClock
from bot.localslack import LocalSlack
from localslack.helpers import START, TEST_SUBSCRIPTIONS, close_handler, make_app


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def slack(clock: ManualClock) -> Iterator[LocalSlack]:
    with LocalSlack(clock=clock, ack_timeout=1.0, subscriptions=TEST_SUBSCRIPTIONS) as stand_in:
        yield stand_in


@pytest.fixture
def client(slack: LocalSlack) -> WebClient:
    """A WebClient that reports failures instead of retrying them."""
    return slack.web_client(retry_handlers=[])


@pytest.fixture
def app(slack: LocalSlack) -> App:
    return make_app(slack)


@pytest.fixture
def socket_mode(slack: LocalSlack, app: App) -> Iterator[SocketModeHandler]:
    """The app connected over Socket Mode with Bolt's default (built-in) client, ws:// on loopback."""
    handler = SocketModeHandler(app, app_token=slack.app_token, ping_interval=30)
    handler.connect()  # type: ignore[no-untyped-call]
    slack.wait_connected()
    yield handler
    close_handler(handler, slack)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def serve_http() -> Iterator[Callable[[App], str]]:
    """Serve a Bolt app over HTTP (Bolt's WSGI adapter behind wsgiref); returns its request URL."""
    servers: list[WSGIServer] = []

    def start(bolt_app: App) -> str:
        adapter = SlackRequestHandler(bolt_app)
        server = make_server(
            "127.0.0.1", 0, adapter, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        servers.append(server)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return f"http://127.0.0.1:{server.server_port}/slack/events"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
