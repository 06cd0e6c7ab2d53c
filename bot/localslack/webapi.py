"""The Web API dispatcher: token, scope and rate checks, then the method's handler, Slack-shaped replies.

Like Slack, API failures are HTTP 200 with `{"ok": false, "error": ...}`; only rate limiting (429) and
server faults (5xx) change the status. Every call is recorded in the transcript, tokens and client
secrets removed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.localslack.catalog import METHODS
from bot.localslack.directory import AppDirectory
from bot.localslack.limits import PER_CHANNEL_METHODS
from bot.localslack.methods import handlers
from bot.localslack.methods.base import ApiError, Args, Handler
from bot.localslack.tenant import Tenant
from bot.localslack.transcript import Transcript

log = logging.getLogger(__name__)
SECRET_ARGS = frozenset({"client_secret", "code"})  # never written to the transcript


@dataclass(frozen=True)
class ApiReply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class WebApi:
    """Routes each call to the workspace its token belongs to (one API URL for every workspace)."""

    def __init__(
        self,
        directory: AppDirectory,
        transcript: Transcript,
        scopes: frozenset[str] | None = None,
    ) -> None:
        self._directory = directory
        self._transcript = transcript
        self._handlers: Mapping[str, Handler] = handlers()
        self.scopes = scopes

    @staticmethod
    def served_methods() -> list[str]:
        return sorted(handlers())

    def _rate_key_channel(self, tenant: Tenant, method: str, args: Args) -> str | None:
        if method not in PER_CHANNEL_METHODS:
            return None
        ref = args.text("channel")
        found = tenant.workspace.find_channel(ref)
        return found.id if found is not None else ref

    def call(self, method: str, params: Mapping[str, Any], token: str | None) -> ApiReply:
        args = Args(params)
        spec = METHODS.get(method)
        resolved = self._directory.resolve(spec.token if spec is not None else "bot", token)
        tenant = resolved if isinstance(resolved, Tenant) else self._directory.default
        reply = self._dispatch(method, args, resolved)
        self.record(method, args, reply, tenant=tenant)
        return reply

    def record(
        self, method: str, args: Args, reply: ApiReply, note: str | None = None, tenant: Tenant | None = None
    ) -> None:
        ws = (tenant or self._directory.default).workspace
        body = reply.body
        channel = body.get("channel") if isinstance(body.get("channel"), str) else None
        if channel is None and args.has("channel"):
            found = ws.find_channel(args.text("channel"))
            channel = found.id if found is not None else args.text("channel")
        detail: dict[str, Any] = {}
        for key in ("ts", "message_ts", "file_id"):
            if isinstance(body.get(key), str):
                detail[key] = body[key]
        if note:
            detail["fault"] = note
        if tenant is not None and tenant is not self._directory.default:
            detail["team"] = tenant.team_id
        self._transcript.record(
            "call",
            method,
            channel=channel,
            ok=bool(body.get("ok")),
            error=body.get("error") if isinstance(body.get("error"), str) else None,
            status=reply.status,
            args={k: v for k, v in args.values.items() if k not in SECRET_ARGS},
            detail=detail,
        )

    def _dispatch(self, method: str, args: Args, resolved: Tenant | str) -> ApiReply:
        spec = METHODS.get(method)
        handler = self._handlers.get(method)
        if spec is None or handler is None:
            return ApiReply(200, {"ok": False, "error": "unknown_method", "req_method": method})
        if isinstance(resolved, str):
            return ApiReply(200, {"ok": False, "error": resolved})
        tenant = resolved
        granted = self.scopes
        installed_with = tenant.granted_scopes() if spec.token == "bot" else None
        if installed_with is not None:
            granted = installed_with if granted is None else granted & installed_with
        if granted is not None and spec.scopes and not set(spec.scopes) & granted:
            return ApiReply(
                200,
                {
                    "ok": False,
                    "error": "missing_scope",
                    "needed": spec.scopes[0],
                    "provided": ",".join(sorted(granted)),
                },
            )
        retry_after = tenant.limiter.check(method, spec.tier, self._rate_key_channel(tenant, method, args))
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
            with tenant.workspace.lock:
                result = handler(tenant.ctx, args)
        except ApiError as error:
            return ApiReply(200, {"ok": False, "error": error.code, **error.extra})
        except Exception:
            log.exception("localslack: %s failed", method)
            return ApiReply(500, {"ok": False, "error": "fatal_error"})
        return ApiReply(200, {"ok": True, **result})
