"""The Bolt app and the two ways Slack reaches it: the Events API over HTTP, or Socket Mode."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from socketserver import ThreadingMixIn
from typing import Any, Protocol
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.chat.port import Identity, Inbox
from bot.clock import Clock
from bot.slack import listeners

log = logging.getLogger(__name__)


def build_app(
    client: WebClient,
    signing_secret: str,
    inbox: Inbox,
    identity: Identity,
    clock: Clock,
    on_uninstalled: Callable[[str], None] | None = None,
) -> App:
    """`process_before_response`: a listener finishes (and stores what it must) before Slack gets the ack.

    Single-workspace mode; `on_uninstalled(team_id)` hears of an uninstall (see `bot.slack.oauth` for
    the app of several workspaces)."""
    app = App(
        client=client,
        signing_secret=signing_secret or "socket-mode-needs-no-signing-secret",
        process_before_response=True,
        token_verification_enabled=False,
        request_verification_enabled=bool(signing_secret),
        ignoring_self_events_enabled=True,
        raise_error_for_unhandled_request=False,
    )
    listeners.register(app, inbox, listeners.Translator(identity, clock), on_uninstalled)
    return app


class Receiver(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http: " + format, *args)


class HttpReceiver:
    """The Events API over HTTP: Slack POSTs events, commands and interactions to /slack/events."""

    def __init__(self, app: App, port: int, host: str = "0.0.0.0") -> None:
        handler = SlackRequestHandler(app)
        self.server = make_server(host, port, handler, server_class=_Server, handler_class=_QuietHandler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="slack-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SocketReceiver:
    """Socket Mode: the bot opens a WebSocket to Slack (no public URL needed)."""

    def __init__(self, app: App, app_token: str) -> None:
        self.logger = logging.getLogger("bot.slack.socket_mode")
        self.handler = SocketModeHandler(app, app_token, logger=self.logger)

    def start(self) -> None:
        self.handler.connect()  # type: ignore[no-untyped-call]

    def stop(self) -> None:
        # Closing races slack_sdk's own keep-alive and receive threads, which then log the broken
        # socket with a traceback; nothing is lost at this point, so they are silenced.
        self.logger.setLevel(logging.CRITICAL)
        client = self.handler.client
        client.auto_reconnect_enabled = False
        client.closed = True
        client.message_queue.put("")  # wake its queue consumer at once
        try:
            client.close()
        except Exception:  # slack_sdk races its own receive thread to the socket on close
            log.debug("socket mode client close raced", exc_info=True)
