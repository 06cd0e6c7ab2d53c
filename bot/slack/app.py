"""The Bolt app and the two ways Slack reaches it: the Events API over HTTP, or Socket Mode."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress import wasyncore
from waitress.server import TcpWSGIServer, create_server

from bot.chat.port import Identity, Inbox
from bot.clock import Clock
from bot.health import Health
from bot.slack import listeners
from bot.slack.http_guard import MAX_BODY, SlackGuard

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
    the app of several workspaces). Bolt does not verify signatures itself: over HTTP, `SlackGuard` has
    verified each request against the injected clock before Bolt reads it (Bolt's own check would read
    the wall clock, after parsing), and Socket Mode needs none."""
    app = App(
        client=client,
        signing_secret=signing_secret or "socket-mode-needs-no-signing-secret",
        process_before_response=True,
        token_verification_enabled=False,
        request_verification_enabled=False,
        ignoring_self_events_enabled=True,
        raise_error_for_unhandled_request=False,
    )
    listeners.register(app, inbox, listeners.Translator(identity, clock), on_uninstalled)
    return app


class Receiver(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


def healthy() -> Health:
    """The check of a receiver given none: the process answers, and that is all it knows."""
    return Health(True)


ANSWERS_AT_STOP = 5  # seconds the requests being answered when the receiver stops may take to finish


class HttpReceiver:
    """The Events API over HTTP: Slack POSTs events, commands and interactions to /slack/events.

    Served by waitress (a maintained, pure-Python production WSGI server, run in-process on its own
    thread) through `SlackGuard`, which refuses what Slack did not send before Bolt's WSGI adapter
    reads it, and answers `/healthz` from `health`. Port 0 picks a free port (see `port`).
    """

    def __init__(
        self,
        app: App,
        port: int,
        host: str = "0.0.0.0",
        *,
        signing_secret: str,
        clock: Clock,
        health: Callable[[], Health] = healthy,
        threads: int = 8,
    ) -> None:
        guard = SlackGuard(SlackRequestHandler(app), signing_secret, clock, health)
        self._sockets: dict[int, Any] = {}  # waitress's socket map (its dispatchers): ours, to close them
        self._stopping = threading.Event()
        self._closing = threading.Lock()  # stop() pulls the trigger before the loop may close it
        server = create_server(
            guard,
            map=self._sockets,
            host=host,
            port=port,
            threads=threads,
            ident="webinar-bot",
            # waitress itself refuses a larger declared (or chunked) body with 413, unbuffered
            max_request_body_size=MAX_BODY + 1,
            channel_timeout=30,
            asyncore_use_poll=True,
            expose_tracebacks=False,
        )
        if not isinstance(server, TcpWSGIServer):
            server.close()
            raise ValueError(f"{host!r} names several addresses: give the HTTP receiver one")
        self.server = server
        self.thread = threading.Thread(target=self._serve, name="slack-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.getsockname()[1])

    def start(self) -> None:
        self.thread.start()

    def _serve(self) -> None:
        """waitress's loop, a turn at a time until `stop()`; then, still on this thread (the loop's
        sockets are not for sharing), let the requests being answered finish (an answer pulls the
        loop's trigger, a pipe among those sockets: closed under it, that is a traceback in the log)
        and close the listening socket and every connection."""
        adj = self.server.adj
        try:
            while not self._stopping.is_set() and self._sockets:
                wasyncore.loop(adj.asyncore_loop_timeout, use_poll=True, map=self._sockets, count=1)
        finally:
            self.server.task_dispatcher.shutdown(timeout=ANSWERS_AT_STOP)
            with self._closing:
                wasyncore.close_all(self._sockets)

    def stop(self) -> None:
        with self._closing:
            self._stopping.set()
            if self._sockets:
                self.server.pull_trigger()  # wake the loop now rather than at its next timeout
        if self.thread.is_alive():
            self.thread.join(timeout=10)
        with self._closing:
            wasyncore.close_all(self._sockets)  # a receiver never started; else already empty
        self.server.task_dispatcher.shutdown()


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
