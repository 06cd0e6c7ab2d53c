"""Slack's request signing: `X-Slack-Signature: v0=hex(hmac_sha256(secret, "v0:{timestamp}:{body}"))`."""

from __future__ import annotations

import hashlib
import hmac


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
