"""The Web API dispatcher: token, scope and rate checks, then the method's handler, Slack-shaped replies.

Like Slack, API failures are HTTP 200 with `{"ok": false, "error": ...}`; only rate limiting (429) and
server faults (5xx) change the status. Every call is recorded in the transcript, tokens removed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.localslack.catalog import METHODS, MethodSpec
from bot.localslack.limits import PER_CHANNEL_METHODS, RateLimiter
from bot.localslack.methods import handlers
from bot.localslack.methods.base import ApiContext, ApiError, Args, Handler
from bot.localslack.transcript import Transcript

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApiReply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Credentials:
    bot_token: str
    app_token: str


class WebApi:
    def __init__(
        self,
        ctx: ApiContext,
        transcript: Transcript,
        limiter: RateLimiter,
        credentials: Credentials,
        scopes: frozenset[str] | None = None,
    ) -> None:
        self._ctx = ctx
        self._transcript = transcript
        self._limiter = limiter
        self._credentials = credentials
        self._handlers: Mapping[str, Handler] = handlers()
        self.scopes = scopes

    @staticmethod
    def served_methods() -> list[str]:
        return sorted(handlers())

    def _auth_error(self, spec: MethodSpec, token: str | None) -> str | None:
        if spec.token == "none":
            return None
        if not token:
            return "not_authed"
        expected = self._credentials.app_token if spec.token == "app" else self._credentials.bot_token
        if token == expected:
            return None
        if token in (self._credentials.app_token, self._credentials.bot_token):
            return "not_allowed_token_type"
        return "invalid_auth"

    def _rate_key_channel(self, method: str, args: Args) -> str | None:
        if method not in PER_CHANNEL_METHODS:
            return None
        ref = args.text("channel")
        found = self._ctx.ws.find_channel(ref)
        return found.id if found is not None else ref

    def call(self, method: str, params: Mapping[str, Any], token: str | None) -> ApiReply:
        args = Args(params)
        reply = self._dispatch(method, args, token)
        self.record(method, args, reply)
        return reply

    def record(self, method: str, args: Args, reply: ApiReply, note: str | None = None) -> None:
        body = reply.body
        channel = body.get("channel") if isinstance(body.get("channel"), str) else None
        if channel is None and args.has("channel"):
            found = self._ctx.ws.find_channel(args.text("channel"))
            channel = found.id if found is not None else args.text("channel")
        detail: dict[str, Any] = {}
        for key in ("ts", "message_ts", "file_id"):
            if isinstance(body.get(key), str):
                detail[key] = body[key]
        if note:
            detail["fault"] = note
        self._transcript.record(
            "call",
            method,
            channel=channel,
            ok=bool(body.get("ok")),
            error=body.get("error") if isinstance(body.get("error"), str) else None,
            status=reply.status,
            args=args.values,
            detail=detail,
        )

    def _dispatch(self, method: str, args: Args, token: str | None) -> ApiReply:
        spec = METHODS.get(method)
        handler = self._handlers.get(method)
        if spec is None or handler is None:
            return ApiReply(200, {"ok": False, "error": "unknown_method", "req_method": method})
        auth_error = self._auth_error(spec, token)
        if auth_error is not None:
            return ApiReply(200, {"ok": False, "error": auth_error})
        if self.scopes is not None and spec.scopes and not set(spec.scopes) & self.scopes:
            return ApiReply(
                200,
                {
                    "ok": False,
                    "error": "missing_scope",
                    "needed": spec.scopes[0],
                    "provided": ",".join(sorted(self.scopes)),
                },
            )
        retry_after = self._limiter.check(method, spec.tier, self._rate_key_channel(method, args))
        if retry_after is not None:
            return ApiReply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})
        try:
            for name in spec.required:
                if not args.has(name):
                    if spec.missing == "invalid_arguments":
                        raise ApiError(
                            "invalid_arguments",
                            response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
                        )
                    raise ApiError(spec.missing)
            with self._ctx.ws.lock:
                result = handler(self._ctx, args)
        except ApiError as error:
            return ApiReply(200, {"ok": False, "error": error.code, **error.extra})
        except Exception:
            log.exception("localslack: %s failed", method)
            return ApiReply(500, {"ok": False, "error": "fatal_error"})
        return ApiReply(200, {"ok": True, **result})
