"""The short-lived handles Slack hands a bot with each user interaction: `trigger_id` and `response_url`.

A trigger opens one modal within 3 s of transport time (`expired_trigger_id` after, `exchanged_trigger_id`
when used twice); a response_url answers the interaction up to 5 times within 30 minutes.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from bot.clock import Clock

TRIGGER_TTL_SECONDS = 3.0
RESPONSE_URL_TTL_SECONDS = 30 * 60.0
RESPONSE_URL_USES = 5


@dataclass
class Trigger:
    id: str
    user_id: str
    issued: float
    used: bool = False


@dataclass
class ResponseUrl:
    """Where a response_url answer lands: the user, the channel, and the message it came from, if any."""

    token: str
    user_id: str
    channel_id: str | None
    message_ts: str | None
    thread_ts: str | None
    is_ephemeral: bool
    issued: float
    uses: int = 0


class Interactions:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._triggers: dict[str, Trigger] = {}
        self._urls: dict[str, ResponseUrl] = {}
        self.base_url = ""

    def issue_trigger(self, user_id: str) -> str:
        trigger_id = (
            f"{secrets.randbelow(10**10):010d}.{secrets.randbelow(10**9):09d}.{secrets.token_hex(16)}"
        )
        with self._lock:
            self._triggers[trigger_id] = Trigger(trigger_id, user_id, self._clock.monotonic())
        return trigger_id

    def redeem_trigger(self, trigger_id: str) -> Trigger | str:
        """The trigger, now spent, or the Slack error code that refuses it."""
        with self._lock:
            trigger = self._triggers.get(trigger_id)
            if trigger is None:
                return "invalid_trigger_id"
            if trigger.used:
                return "exchanged_trigger_id"
            if self._clock.monotonic() - trigger.issued > TRIGGER_TTL_SECONDS:
                return "expired_trigger_id"
            trigger.used = True
            return trigger

    def issue_response_url(
        self,
        user_id: str,
        channel_id: str | None,
        message_ts: str | None = None,
        thread_ts: str | None = None,
        is_ephemeral: bool = False,
    ) -> str:
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._urls[token] = ResponseUrl(
                token, user_id, channel_id, message_ts, thread_ts, is_ephemeral, self._clock.monotonic()
            )
        return f"{self.base_url}response/{token}"

    def redeem_response_url(self, token: str) -> ResponseUrl | None:
        with self._lock:
            url = self._urls.get(token)
            if url is None or url.uses >= RESPONSE_URL_USES:
                return None
            if self._clock.monotonic() - url.issued > RESPONSE_URL_TTL_SECONDS:
                return None
            url.uses += 1
            return url
