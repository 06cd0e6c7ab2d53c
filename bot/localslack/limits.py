"""Slack's Web API rate limits, counted in transport time (`clock.monotonic()`).

Slack documents (docs.slack.dev/apis/web-api/rate-limits) limits "per API method per workspace per
app" in tiers, and a special one for posting: "1 per second per channel, short bursts >1 allowed".
The documented numbers are minimums ("20+ per minute"), so the stand-in enforces exactly those, as
token buckets whose capacity is the tolerated burst:

* `chat.postMessage`: per channel, 1 message/s, burst of 5 (`POST_MESSAGE`).
* Tier 1: 1/min, burst 5 (a few Socket Mode reconnects in a row must not stall the client).
* Tier 2: 20/min, burst 20.  Tier 3: 50/min, burst 50.  Tier 4: 100/min, burst 100.

An exceeded limit is answered with HTTP 429, `Retry-After: <whole seconds>` and
`{"ok": false, "error": "ratelimited"}`. A ManualClock makes all of this exact: advance it by the
`Retry-After` and the bucket has refilled.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from types import MappingProxyType

from bot.clock import Clock


@dataclass(frozen=True)
class Rate:
    per_minute: float
    burst: int

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


TIERS: MappingProxyType[int, Rate] = MappingProxyType(
    {
        1: Rate(per_minute=1, burst=5),
        2: Rate(per_minute=20, burst=20),
        3: Rate(per_minute=50, burst=50),
        4: Rate(per_minute=100, burst=100),
    }
)
POST_MESSAGE = Rate(per_minute=60, burst=5)
PER_CHANNEL_METHODS = frozenset({"chat.postMessage"})


@dataclass
class TokenBucket:
    rate: Rate
    tokens: float
    updated: float

    def take(self, now: float) -> float | None:
        """Spend one token; None if there was one, else the seconds until there will be."""
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(float(self.rate.burst), self.tokens + elapsed * self.rate.per_second)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return (1.0 - self.tokens) / self.rate.per_second


class RateLimiter:
    """Buckets per method (and per channel for posting), created on first use."""

    def __init__(self, clock: Clock, enabled: bool = True) -> None:
        self._clock = clock
        self.enabled = enabled
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def check(self, method: str, tier: int | None, channel: str | None = None) -> int | None:
        """None when the call may proceed, else the `Retry-After` seconds to answer with."""
        if not self.enabled or (tier is None and method not in PER_CHANNEL_METHODS):
            return None
        if method in PER_CHANNEL_METHODS:
            rate, key = POST_MESSAGE, (method, channel or "")
        else:
            rate, key = TIERS[tier or 4], (method, "")
        now = self._clock.monotonic()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(rate, float(rate.burst), now)
            wait = bucket.take(now)
        return None if wait is None else max(1, math.ceil(wait - 1e-9))

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
