"""Getting events and interactions to the bot, by Socket Mode or over HTTP, and waiting for its answer.

Socket Mode is used while the bot has a connection open; otherwise the HTTP request URLs given to
`connect_http`. Events API deliveries that are not acknowledged within the deadline are re-sent up to
3 times, as Slack does (`X-Slack-Retry-Num`/`X-Slack-Retry-Reason` over HTTP, `retry_attempt`/
`retry_reason` in Socket Mode; Slack spaces its retries by minutes, the stand-in re-sends at once).
Slash commands and interactions are not retried: the user just sees the command fail.

A delivery for a simulated user is synchronous: it returns once the bot answered or gave up, with what
it answered. Events caused by the bot's own Web API calls go through a background pump instead, so
the API call is never held up by the event it causes.
"""

from __future__ import annotations

import json
import logging
import queue
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

from bot.localslack.faults import Faults
from bot.localslack.signing import signature
from bot.localslack.socketmode import SocketModeServer
from bot.localslack.transcript import Transcript

log = logging.getLogger(__name__)

Kind = Literal["events_api", "slash_commands", "interactive"]
MAX_EVENT_RETRIES = 3


@dataclass(frozen=True)
class HttpRoute:
    events_url: str
    commands_url: str
    interactivity_url: str


@dataclass
class DeliveryResult:
    """What happened to one delivery: was it acknowledged, after how many attempts, with what answer."""

    kind: Kind
    transport: str  # "socket_mode", "http" or "none"
    acked: bool
    attempts: int
    status: int | None = None
    response: dict[str, Any] | None = None
    error: str | None = None
    event_id: str | None = None
    duplicated: bool = False
    effect: str | None = None  # what Slack did with the answer: "ephemeral", "in_channel", "errors", ...

    @property
    def retries(self) -> int:
        return max(0, self.attempts - 1)


@dataclass
class _Attempt:
    transport: str
    acked: bool
    status: int | None = None
    response: dict[str, Any] | None = None
    error: str | None = None


def _parse_body(body: bytes, content_type: str) -> dict[str, Any] | None:
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return None
    if content_type.startswith("application/json") or text.startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            return {"text": text}
        return parsed if isinstance(parsed, dict) else {"text": text}
    return {"text": text}


class Deliverer:
    def __init__(
        self,
        sockets: SocketModeServer,
        faults: Faults,
        transcript: Transcript,
        signing_secret: str,
        ack_timeout: float,
        signed_at: Callable[[], float] | None = None,
    ) -> None:
        """`signed_at`: the epoch seconds HTTP requests are stamped and signed with (Slack's wall clock)."""
        self._sockets = sockets
        self._faults = faults
        self._transcript = transcript
        self._secret = signing_secret
        self.ack_timeout = ack_timeout
        self._signed_at = signed_at or time.time
        self.http: HttpRoute | None = None
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._pump: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- background pump for events the bot caused -------------------------------------------
    def start(self) -> None:
        self._pump = threading.Thread(target=self._run_pump, name="localslack-events", daemon=True)
        self._pump.start()

    def begin_stop(self) -> None:
        """No new delivery attempts from now on (in-flight ones end when the transports close)."""
        self._stopping.set()
        self._queue.put(None)

    def stop(self) -> None:
        self.begin_stop()
        if self._pump is not None:
            self._pump.join(timeout=10)
            self._pump = None

    def enqueue(self, envelope: dict[str, Any]) -> None:
        self._queue.put(envelope)

    def drain(self, timeout: float = 5.0) -> bool:
        """Wait until every event queued so far has been delivered; False if that took over `timeout`."""
        done = threading.Event()
        self._queue.put({"__drain__": done})
        return done.wait(timeout)

    def _run_pump(self) -> None:
        while True:
            item = self._queue.get()
            if item is None or self._stopping.is_set():
                return
            marker = item.get("__drain__")
            if isinstance(marker, threading.Event):
                marker.set()
                continue
            try:
                self.deliver_event(item)
            except Exception:
                log.exception("event delivery failed")

    # -- synchronous deliveries --------------------------------------------------------------
    def deliver_event(self, envelope: dict[str, Any]) -> DeliveryResult:
        duplicate = self._faults.take("duplicate_event")
        result = self._deliver("events_api", envelope, retries=MAX_EVENT_RETRIES)
        if duplicate is not None and result.transport != "none":
            attempt = 1 if duplicate.as_retry else 0
            self._attempt("events_api", envelope, attempt, "timeout" if attempt else None)
            result.duplicated = True
        event = envelope.get("event") or {}
        self._transcript.record(
            "event",
            str(event.get("type", "?")),
            channel=event.get("channel") or (event.get("item") or {}).get("channel"),
            ok=result.acked,
            error=result.error,
            status=result.status,
            detail={
                "event_id": envelope.get("event_id"),
                "subtype": event.get("subtype"),
                "transport": result.transport,
                "attempts": result.attempts,
                "duplicated": result.duplicated,
            },
        )
        result.event_id = str(envelope.get("event_id"))
        return result

    def deliver_command(self, form: dict[str, str]) -> DeliveryResult:
        return self._deliver("slash_commands", form, retries=0)

    def deliver_interaction(self, payload: dict[str, Any]) -> DeliveryResult:
        return self._deliver("interactive", payload, retries=0)

    def _deliver(self, kind: Kind, payload: dict[str, Any], retries: int) -> DeliveryResult:
        attempts = 0
        reason: str | None = None
        last = _Attempt("none", False, error="no_receiver")
        while attempts <= retries and not self._stopping.is_set():
            last = self._attempt(kind, payload, attempts, reason)
            if last.transport == "none":
                break
            attempts += 1
            if last.acked:
                break
            reason = last.error
        return DeliveryResult(
            kind=kind,
            transport=last.transport,
            acked=last.acked,
            attempts=attempts,
            status=last.status,
            response=last.response,
            error=None if last.acked else last.error,
        )

    def _attempt(self, kind: Kind, payload: dict[str, Any], attempt: int, reason: str | None) -> _Attempt:
        if self._sockets.connection_count > 0:
            envelope: dict[str, Any] = {
                "envelope_id": str(uuid.uuid4()),
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
            }
            if kind == "events_api":
                envelope["retry_attempt"] = attempt
                envelope["retry_reason"] = reason or ""
            ack = self._sockets.send(envelope, self.ack_timeout)
            return _Attempt(
                "socket_mode", ack.acked, response=ack.payload, error=None if ack.acked else "timeout"
            )
        if self.http is not None:
            return self._post(kind, payload, attempt, reason)
        return _Attempt("none", False, error="no_receiver")

    def _post(self, kind: Kind, payload: dict[str, Any], attempt: int, reason: str | None) -> _Attempt:
        assert self.http is not None
        if kind == "events_api":
            url, body, ctype = self.http.events_url, json.dumps(payload).encode(), "application/json"
        elif kind == "slash_commands":
            url, body = self.http.commands_url, urlencode(payload).encode()
            ctype = "application/x-www-form-urlencoded"
        else:
            url, body = self.http.interactivity_url, urlencode({"payload": json.dumps(payload)}).encode()
            ctype = "application/x-www-form-urlencoded"
        secret = self._secret
        stamp = int(self._signed_at())
        bad = self._faults.take("bad_signature")
        if bad is not None:
            secret = bad.secret
        stale = self._faults.take("stale_timestamp")
        if stale is not None:
            stamp -= stale.age_seconds
        headers = {
            "Content-Type": ctype,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": signature(secret, str(stamp), body),
        }
        if attempt > 0:
            headers["X-Slack-Retry-Num"] = str(attempt)
            headers["X-Slack-Retry-Reason"] = reason or "http_error"
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.ack_timeout) as response:
                raw = response.read()
                return _Attempt(
                    "http",
                    True,
                    status=response.status,
                    response=_parse_body(raw, response.headers.get("Content-Type", "")),
                )
        except urllib.error.HTTPError as error:
            return _Attempt("http", False, status=error.code, error="http_error")
        except TimeoutError:
            return _Attempt("http", False, error="http_timeout")
        except urllib.error.URLError as error:
            timed_out = isinstance(error.reason, TimeoutError | socket.timeout)
            return _Attempt("http", False, error="http_timeout" if timed_out else "connection_failed")
        except OSError:
            return _Attempt("http", False, error="connection_failed")
