"""The door in front of Bolt: every HTTP request is checked before anything parses it.

Bolt's WSGI adapter reads whatever body it is given and parses it before it checks the signature (an
unsigned 5 MB body is read and parsed as JSON), and a signed body that is not what it expects raises
inside Bolt (a 500 and a traceback). Here, in this order and before Bolt sees anything:

1. the path and method must be in `ROUTES` (else 404, or 405 with `Allow`);
2. the body's size comes from `Content-Length` (missing: 411; not a number: 400), and one over
   `MAX_BODY` is refused with 413 unread; never more than `Content-Length` bytes are read;
3. a Slack route's request must carry `X-Slack-Request-Timestamp` within `MAX_AGE` of now and a valid
   `X-Slack-Signature` (slack_sdk's `SignatureVerifier`), else 401;
4. its body must be what Bolt will parse: JSON or a form with the matching content type, a JSON
   object where Bolt expects one (a form's `payload` too), else 400.

Only then is the body handed on to Bolt. No refusal logs more than one line, and none a traceback.

Size: Slack does not document a maximum size for the requests it sends (Events API, slash commands,
interactivity); its payloads are bounded by what they carry: a message is at most 40,000 characters,
a modal at most 100 blocks, and an interaction arrives URL-encoded. 1 MiB is several times the
largest such payload, and small enough that a flood of refused bodies costs nothing.

Time: "now" is the injected clock's (agenda time, the wall clock in production), so a test moves a
`ManualClock` to make a request stale instead of sleeping; whoever signs for the bot in a test (the
stand-in's `signing_clock`) signs with the same clock.

`ROUTES` is a small table: a route Bolt serves without a Slack signature (the OAuth install pages,
which browsers open with GET) is one `Route(..., Access.OPEN)` line.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from slack_sdk.signature import Clock as SignatureClock
from slack_sdk.signature import SignatureVerifier

from bot.clock import Clock
from bot.health import Health

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # bytes; see the module's docstring
MAX_AGE = 5 * 60  # seconds: Slack's own advice for `X-Slack-Request-Timestamp`
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
DIGITS = re.compile(r"^[0-9]{1,15}$")
TIMESTAMP = re.compile(r"^[0-9]{1,12}$")


class Access(Enum):
    SLACK = "slack"  # signed by Slack: size, signature and shape checked, then Bolt
    OPEN = "open"  # Bolt without a signature (OAuth pages opened by browsers); size still checked
    HEALTH = "health"  # answered here, from the health check


@dataclass(frozen=True)
class Route:
    methods: frozenset[str]
    access: Access


ROUTES: Mapping[str, Route] = {
    "/slack/events": Route(frozenset({"POST"}), Access.SLACK),
    "/healthz": Route(frozenset({"GET", "HEAD"}), Access.HEALTH),
    "/slack/install": Route(frozenset({"GET"}), Access.OPEN),  # OAuth mode (bot.slack.oauth)
    "/slack/oauth_redirect": Route(frozenset({"GET"}), Access.OPEN),
}


class Refused(Exception):
    """A request answered here with `status`; `reason` is logged (one line) and answered as text."""

    def __init__(self, status: str, reason: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers


class _InjectedClock(SignatureClock):
    """slack_sdk's verifier reads "now" from here: the bot's clock, in epoch seconds."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def now(self) -> float:
        return self.clock.now().timestamp()


def body_size(environ: WSGIEnvironment, limit: int) -> int:
    """The declared body size, checked against `limit` before a byte of the body is read."""
    declared = str(environ.get("CONTENT_LENGTH") or "").strip()
    if not declared:
        if environ.get("REQUEST_METHOD") in ("POST", "PUT", "PATCH"):
            raise Refused("411 Length Required", "no Content-Length")
        return 0
    if not DIGITS.match(declared):
        raise Refused("400 Bad Request", "Content-Length is not a number")
    size = int(declared)
    if size > limit:
        raise Refused("413 Content Too Large", f"a body of {size} bytes (at most {limit})")
    return size


def read_body(environ: WSGIEnvironment, size: int) -> bytes:
    """Exactly `size` bytes (at most `size` are read, whatever follows); fewer is a truncated request."""
    body = environ["wsgi.input"].read(size) if size else b""
    if len(body) != size:
        raise Refused("400 Bad Request", f"the body ended after {len(body)} of {size} bytes")
    return bytes(body)


def _json_object(text: str, what: str) -> None:
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        raise Refused("400 Bad Request", f"{what} is not JSON") from None
    if not isinstance(parsed, dict):
        raise Refused("400 Bad Request", f"{what} is not a JSON object")


def check_shape(text: str, content_type: str) -> None:
    """Refuse what Bolt could not parse, by Bolt's own rules (`slack_bolt.request.internals.parse_body`):
    JSON when the type is exactly application/json or the body starts with `{`, else a form whose
    `payload`, if any, is JSON."""
    media = content_type.split(";")[0].strip().lower()
    if media not in (JSON_TYPE, FORM_TYPE):
        raise Refused("400 Bad Request", f"content type {media[:40]!r} (Slack sends JSON or a form)")
    if not text.strip():
        raise Refused("400 Bad Request", "an empty body")
    if content_type == JSON_TYPE or text.startswith("{"):
        _json_object(text, "the body")
    elif "payload" in text:
        payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
        if payload is not None:
            _json_object(payload, "the form's payload")


class SlackGuard:
    """A WSGI app: the checks above, then `bolt` (slack_bolt.adapter.wsgi.SlackRequestHandler)."""

    def __init__(
        self,
        bolt: WSGIApplication,
        signing_secret: str,
        clock: Clock,
        health: Callable[[], Health],
        *,
        routes: Mapping[str, Route] = ROUTES,
        max_body: int = MAX_BODY,
    ) -> None:
        if not signing_secret:
            raise ValueError("HTTP mode needs Slack's signing secret (SLACK_SIGNING_SECRET)")
        self.bolt = bolt
        self.clock = clock
        self.verifier = SignatureVerifier(signing_secret, clock=_InjectedClock(clock))
        self.health = health
        self.routes = routes
        self.max_body = max_body

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "")
        try:
            route = self.routes.get(path)
            if route is None:
                raise Refused("404 Not Found", "no such path")
            method = str(environ.get("REQUEST_METHOD") or "")
            if method not in route.methods:
                allow = ", ".join(sorted(route.methods))
                raise Refused("405 Method Not Allowed", f"{method[:10]} is not allowed", (("Allow", allow),))
            if route.access is Access.HEALTH:
                return self._health(start_response, head=method == "HEAD")
            size = body_size(environ, self.max_body)
            if route.access is Access.SLACK:
                body = read_body(environ, size)
                text = self._verified(environ, body)
                check_shape(text, str(environ.get("CONTENT_TYPE") or ""))
                environ["wsgi.input"] = io.BytesIO(body)
                environ["CONTENT_LENGTH"] = str(len(body))
            return self._bolt(environ, start_response)
        except Refused as refused:
            return self._refuse(environ, start_response, refused)

    def _verified(self, environ: WSGIEnvironment, body: bytes) -> str:
        """The body as text, once its signature and timestamp are Slack's and fresh."""
        stamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
        signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
        if not stamp or not signature:
            raise Refused("401 Unauthorized", "unsigned (no X-Slack-Signature or timestamp)")
        if not TIMESTAMP.match(stamp):
            raise Refused("401 Unauthorized", "the timestamp is not a number")
        age = self.clock.now().timestamp() - int(stamp)
        if abs(age) > MAX_AGE:
            raise Refused("401 Unauthorized", f"stale: signed {int(age)} s from now")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:  # Slack signs UTF-8 text; the SDK's verifier cannot check anything else
            raise Refused("401 Unauthorized", "the body is not UTF-8, so it cannot be Slack's") from None
        if not self.verifier.is_valid(text, stamp, signature):
            raise Refused("401 Unauthorized", "the signature does not match")
        return text

    def _bolt(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Bolt, as a last line: a signed, well-formed request whose fields Bolt cannot read (an `event`
        that is not an object, say) raises while Bolt builds its request; that is a 400 too."""
        try:
            return self.bolt(environ, start_response)
        except Exception as exc:
            refused = Refused("400 Bad Request", f"Bolt could not read it ({exc.__class__.__name__})")
            log.info("http: refused %s %s: %s", environ.get("REQUEST_METHOD"), _path(environ), refused.reason)
            start_response(refused.status, _text_headers(refused), sys.exc_info())
            return [refused.status.encode()]

    def _health(self, start_response: StartResponse, head: bool) -> Iterable[bytes]:
        try:
            health = self.health()
        except Exception as exc:
            log.warning("health: the check failed (%s)", exc.__class__.__name__)
            health = Health(False, database=False, detail="the health check failed")
        body = json.dumps(health.as_json()).encode()
        status = "200 OK" if health.ok else "503 Service Unavailable"
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ]
        start_response(status, headers)
        return [] if head else [body]

    def _refuse(
        self, environ: WSGIEnvironment, start_response: StartResponse, refused: Refused
    ) -> Iterable[bytes]:
        log.info("http: refused %s %s: %s", environ.get("REQUEST_METHOD"), _path(environ), refused.reason)
        start_response(refused.status, _text_headers(refused))
        return [refused.status.encode()]


def _text_headers(refused: Refused) -> list[tuple[str, str]]:
    return [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(refused.status.encode()))),
        *refused.headers,
    ]


def _path(environ: WSGIEnvironment) -> str:
    return repr(str(environ.get("PATH_INFO") or "")[:80])
