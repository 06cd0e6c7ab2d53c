"""The stand-in's HTTP side: `/api/<method>`, the file upload URLs, the `response_url`s, OAuth's authorize.

Accepts what Slack accepts: GET query strings and POST bodies as form, JSON or multipart; the token as
`Authorization: Bearer` or a `token` argument, and the app's client id and secret as HTTP Basic auth
(`oauth.v2.access`). `GET /oauth/v2/authorize` is the install page, approved at once (see
`directory.py`). Transport-level faults (429, 5xx, time-outs, dropped connections) are applied here,
around the Web API dispatcher. Nothing a client sends can make it answer with a traceback: bad input
gets a Slack-shaped error.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import select
import socket
import threading
import time
from email.message import Message as MimeMessage
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

from bot.localslack.directory import AppDirectory, Refusal
from bot.localslack.faults import Faults
from bot.localslack.interactions import Interactions
from bot.localslack.methods.base import Args
from bot.localslack.responses import ResponseError
from bot.localslack.transcript import Transcript
from bot.localslack.webapi import ApiReply, WebApi
from bot.localslack.workspace import StoredFile

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024 * 1024


class BadRequest(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise BadRequest("invalid_form_data")
    values: dict[str, Any] = {}
    for part in message.iter_parts():
        assert isinstance(part, MimeMessage)
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        values[name] = data if part.get_filename() else data.decode("utf-8", errors="replace")
    return values


def parse_params(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Arguments from the query string and the body, whatever the body's encoding."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    ctype = content_type.split(";", 1)[0].strip().lower()
    if not body.strip():
        return params
    if ctype == "application/json":
        try:
            decoded = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("invalid_json") from None
        if not isinstance(decoded, dict):
            raise BadRequest("json_not_object")
        params.update(decoded)
    elif ctype == "multipart/form-data":
        params.update(_parse_multipart(body, content_type))
    else:
        try:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("invalid_form_data") from None
    return params


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The listen backlog. socketserver's default, 5, resets connections beyond it, and a `serve` process
    # opens one per Web API call (urllib keeps none alive) from every webinar's sender at once: a
    # hundred webinars' cues due together would be reset, retried and late, which Slack never does.
    request_queue_size = 256
    front: HttpFrontEnd


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "localslack"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet by default; never logs query strings (they may hold a token)."""
        log.debug("%s %s", self.command, urlparse(self.path).path)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        front = self.server.front
        try:
            front.route(self)
        except Exception:
            log.exception("localslack: request to %s failed", urlparse(self.path).path)
            with contextlib.suppress(OSError):  # the client may be gone already
                self.reply_json(500, {"ok": False, "error": "fatal_error"})

    def body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            raise BadRequest("request_too_large")
        return self.rfile.read(length) if length else b""

    def reply_json(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def reply_text(self, status: int, text: str) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def drop(self) -> None:
        """Close the connection without an answer (the client sees it reset)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class HttpFrontEnd:
    def __init__(
        self,
        api: WebApi,
        directory: AppDirectory,
        faults: Faults,
        interactions: Interactions,
        transcript: Transcript,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._api = api
        self._directory = directory
        self._faults = faults
        self._interactions = interactions
        self._transcript = transcript
        self._host = host
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://{self._host}:{self.port}/"

    def start(self) -> None:
        server = _Server((self._host, self._requested_port), _Handler)
        server.front = self
        self._server = server
        self.port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="localslack-http", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def route(self, request: _Handler) -> None:
        parsed = urlparse(request.path)
        path = parsed.path
        if path.startswith("/api/"):
            self._api_call(request, path.removeprefix("/api/"), parsed.query)
        elif path.startswith("/upload/v1/") and request.command == "POST":
            self._upload(request, path.removeprefix("/upload/v1/"))
        elif path.startswith("/response/") and request.command == "POST":
            self._response_url(request, path.removeprefix("/response/"))
        elif path == "/oauth/v2/authorize" and request.command == "GET":
            self._authorize(request)
        else:
            request.reply_json(404, {"ok": False, "error": "not_found"})

    def _api_call(self, request: _Handler, method: str, query: str) -> None:
        try:
            params = parse_params(query, request.body(), request.headers.get("Content-Type", ""))
        except BadRequest as bad:
            request.reply_json(200, {"ok": False, "error": bad.code})
            return
        auth = request.headers.get("Authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        if auth.lower().startswith("basic "):
            params = {**_client_credentials(auth[6:].strip()), **params}
        form_token = params.pop("token", None)
        token = token or (str(form_token) if form_token else None)

        timeout = self._faults.take("timeout", method)
        if timeout is not None:
            fault_hold = self._hold(request, timeout.hold_seconds)
            self._api.record(method, Args(params), ApiReply(0, {"ok": False, "error": "timeout"}), "timeout")
            if fault_hold:
                request.drop()
            return
        server_error = self._faults.take("server_error", method)
        if server_error is not None:
            reply = ApiReply(server_error.status, {"ok": False, "error": "fatal_error"})
            self._api.record(method, Args(params), reply, "server_error")
            request.reply_json(reply.status, reply.body)
            return
        limited = self._faults.take("rate_limit", method)
        if limited is not None:
            reply = ApiReply(
                429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(limited.retry_after)}
            )
            self._api.record(method, Args(params), reply, "rate_limit")
            request.reply_json(reply.status, reply.body, reply.headers)
            return

        reply = self._api.call(method, params, token)
        if reply.body.get("ok") and self._faults.take("drop_after_accept", method) is not None:
            self._transcript.record(
                "call",
                method,
                ok=False,
                error="connection_dropped",
                detail={"fault": "drop_after_accept", "ts": reply.body.get("ts")},
            )
            request.drop()
            return
        request.reply_json(reply.status, reply.body, reply.headers)

    def _hold(self, request: _Handler, seconds: float) -> bool:
        """Hold a request unanswered until the client gives up, `seconds` (real) pass or we stop."""
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set() and time.monotonic() < deadline:
            readable, _, _ = select.select([request.connection], [], [], 0.05)
            if readable:
                try:
                    if not request.connection.recv(1, socket.MSG_PEEK):  # b"" once the client closed
                        return False
                except OSError:
                    return False
        return True

    def _authorize(self, request: _Handler) -> None:
        answer = self._directory.approve(request.path)
        if isinstance(answer, Refusal):
            self._transcript.record("oauth", "authorize", ok=False, error=answer.error)
            request.reply_text(400, f"This app cannot be installed: {answer.error}")
            return
        self._transcript.record("oauth", "authorize", ok=True)
        request.redirect(answer)

    def _upload(self, request: _Handler, token: str) -> None:
        data = request.body()
        file_id: str | None = None
        file: StoredFile | None = None
        for tenant in self._directory.tenants():
            ws = tenant.workspace
            with ws.lock:
                file_id = ws.upload_tokens.pop(token, None)
                file = ws.files.get(file_id) if file_id else None
                if file is not None:
                    file.content = data
                    file.uploaded = True
                    break
        self._transcript.record(
            "upload", "upload", ok=file is not None, detail={"file_id": file_id, "bytes": len(data)}
        )
        if file is None:
            request.reply_text(404, "invalid_upload_url")
            return
        request.reply_text(200, f"OK - {len(data)}")

    def _response_url(self, request: _Handler, token: str) -> None:
        raw = request.body()
        url = self._interactions.redeem_response_url(token)
        if url is None:
            self._transcript.record("response_url", "response_url", ok=False, error="expired_url")
            request.reply_text(404, "expired_url")
            return
        try:
            params = parse_params("", raw, request.headers.get("Content-Type", "application/json"))
            if "payload" in params and isinstance(params["payload"], str):
                params = json.loads(params["payload"])
            tenant = self._directory.by_channel(url.channel_id, url.user_id)
            effect = tenant.responses.response_url(url, params)
        except (BadRequest, ResponseError, ValueError) as error:
            code = getattr(error, "code", "invalid_payload")
            self._transcript.record(
                "response_url", "response_url", channel=url.channel_id, ok=False, error=code
            )
            request.reply_text(400, code)
            return
        self._transcript.record(
            "response_url", effect, channel=url.channel_id, ok=True, detail={"user": url.user_id}
        )
        request.reply_text(200, "ok")


def _client_credentials(basic: str) -> dict[str, str]:
    """`client_id` and `client_secret` from an HTTP Basic credential (nothing when it does not decode)."""
    try:
        decoded = base64.b64decode(basic, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return {}
    client_id, sep, client_secret = decoded.partition(":")
    return {"client_id": client_id, "client_secret": client_secret} if sep else {}
