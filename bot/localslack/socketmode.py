"""Socket Mode: the WebSocket endpoint `apps.connections.open` hands out, and envelope delivery over it.

Protocol as Slack speaks it: the client connects to `ws://…/link/?ticket=…` (one use per ticket), the
server greets with `hello`, sends envelopes `{"envelope_id", "type", "payload", ...}` and waits for the
acknowledgement `{"envelope_id": ..., "payload"?: ...}`. With several connections open, envelopes are
spread over them in turn. `disconnect` messages ask the client to reconnect through
`apps.connections.open`, as Slack does every few hours.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from bot.localslack.transcript import Transcript

log = logging.getLogger(__name__)
RETIRE_GRACE_SECONDS = 10.0


@dataclass
class Ack:
    acked: bool
    payload: dict[str, Any] | None = None
    connection: str | None = None
    error: str | None = None


@dataclass
class _Pending:
    done: threading.Event = field(default_factory=threading.Event)
    payload: dict[str, Any] | None = None


@dataclass
class _Link:
    id: str
    connection: ServerConnection
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    retiring: bool = False

    def send(self, message: dict[str, Any]) -> None:
        with self.send_lock:
            self.connection.send(json.dumps(message))


class SocketModeServer:
    def __init__(self, app_id: str, transcript: Transcript, host: str = "127.0.0.1") -> None:
        self._app_id = app_id
        self._transcript = transcript
        self._host = host
        self._lock = threading.Lock()
        self._tickets: set[str] = set()
        self._links: dict[str, _Link] = {}
        self._pending: dict[str, _Pending] = {}
        self._turn = itertools.count()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.connections_opened = 0
        self._stopping = threading.Event()

    def start(self) -> None:
        quiet = logging.getLogger(f"{__name__}.websockets")
        quiet.setLevel(logging.CRITICAL)
        self._server = serve(self._handle, self._host, 0, logger=quiet, compression=None)
        self.port = int(self._server.socket.getsockname()[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="localslack-ws", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self.close_connections()
            self._server.shutdown()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._lock:
            for pending in self._pending.values():
                pending.done.set()

    def issue_url(self) -> str:
        ticket = secrets.token_hex(16)
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://{self._host}:{self.port}/link/?ticket={ticket}&app_id={self._app_id}"

    @property
    def connection_count(self) -> int:
        with self._lock:
            return len(self._links)

    def _handle(self, connection: ServerConnection) -> None:
        request = connection.request
        parsed = urlparse(request.path if request is not None else "")
        ticket = (parse_qs(parsed.query).get("ticket") or [""])[0]
        with self._lock:
            valid = parsed.path.rstrip("/") == "/link" and ticket in self._tickets
            self._tickets.discard(ticket)
        if not valid:
            self._transcript.record("socket", "refused", ok=False, error="invalid_ticket")
            connection.close(code=1008, reason="invalid ticket")
            return
        link = _Link(id=uuid.uuid4().hex[:12], connection=connection)
        with self._lock:
            self._links[link.id] = link
            self.connections_opened += 1
            count = len(self._links)

        try:
            link.send(
                {
                    "type": "hello",
                    "num_connections": count,
                    "debug_info": {
                        "host": "localslack",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self._app_id},
                }
            )
            self._transcript.record("socket", "hello", ok=True, detail={"connection": link.id, "open": count})
            for raw in connection:
                self._receive(link, raw)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._links.pop(link.id, None)
                left = len(self._links)
            self._transcript.record("socket", "closed", detail={"connection": link.id, "open": left})

    def _receive(self, link: _Link, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            log.info("ignoring a non-JSON Socket Mode message on %s", link.id)
            return
        if not isinstance(message, dict) or "envelope_id" not in message:
            return
        with self._lock:
            pending = self._pending.get(str(message["envelope_id"]))
        if pending is not None:
            payload = message.get("payload")
            pending.payload = payload if isinstance(payload, dict) else None
            pending.done.set()

    def send(self, envelope: dict[str, Any], timeout: float) -> Ack:
        """Send one envelope on the next connection in turn and wait up to `timeout` s for its ack."""
        with self._lock:
            links = [link for link in self._links.values() if not link.retiring] or list(self._links.values())
            if not links:
                return Ack(False, error="no_connection")
            link = links[next(self._turn) % len(links)]
            pending = self._pending[envelope["envelope_id"]] = _Pending()
        try:
            link.send(envelope)
            if not pending.done.wait(timeout):
                return Ack(False, connection=link.id, error="timeout")
            return Ack(True, pending.payload, connection=link.id)
        except ConnectionClosed:
            return Ack(False, connection=link.id, error="connection_closed")
        finally:
            with self._lock:
                self._pending.pop(envelope["envelope_id"], None)

    def _retire(self, link: _Link) -> None:
        """Keep a retired link stirring until its client closes it, then close it after Slack's grace period.

        slack_sdk's built-in client closes the old connection from a thread that must wait for the
        reader's 3 s socket timeout; frequent pings wake the reader so the hand-over is prompt.
        """
        deadline = time.monotonic() + RETIRE_GRACE_SECONDS
        while time.monotonic() < deadline and not self._stopping.is_set():
            with self._lock:
                if link.id not in self._links:
                    return
            with contextlib.suppress(Exception):
                link.connection.ping()
            self._stopping.wait(0.02)
        with contextlib.suppress(Exception):
            link.connection.close()

    def close_connections(self) -> int:
        """Drop every connection without a `disconnect` message (a network failure, or shutting down)."""
        with self._lock:
            links = list(self._links.values())
        for link in links:
            with contextlib.suppress(Exception):
                link.connection.close()
        return len(links)

    def disconnect(self, reason: str = "refresh_requested", close: bool = False) -> int:
        """Send `disconnect` to every open connection (and close them if asked); returns how many."""
        with self._lock:
            links = list(self._links.values())
        for link in links:
            link.retiring = True
            try:
                link.send({"type": "disconnect", "reason": reason, "debug_info": {"host": "localslack"}})
                if close:
                    link.connection.close()
                else:
                    threading.Thread(
                        target=self._retire, args=(link,), name="localslack-retire", daemon=True
                    ).start()
            except ConnectionClosed:
                pass
        self._transcript.record("socket", "disconnect", detail={"reason": reason, "connections": len(links)})
        return len(links)
