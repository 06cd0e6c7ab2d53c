"""WebClients whose retries wait on the injected clock.

slack_sdk's retry handlers (429 with `Retry-After`, connection errors, 5xx) are used as they are,
except that their wait goes through `clock.sleep` rather than `time.sleep`: a rehearsal waits in
real time, a test lets virtual time pass at once.

Posting is different from reading: a connection that breaks after Slack accepted a message, or a
5xx, leaves it unknown whether the message exists, and retrying blindly could post it twice. So the
client for posts retries only 429s (Slack did not take the message); the sender reconciles the rest
with the channel's history before trying again (see `bot.chat.sender` and `bot.slack.adapter`).
"""

from __future__ import annotations

from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.clock import Clock


class _ClockWait:
    """Mixin: the back-off of slack_sdk's handlers, slept on the clock."""

    clock: Clock
    interval_calculator: Any

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        self.clock.sleep(self._wait_seconds(state, response))
        state.increment_current_attempt()

    def _wait_seconds(self, state: RetryState, response: HttpResponse | None) -> float:
        return float(self.interval_calculator.calculate_sleep_duration(state.current_attempt))


class ClockRateLimitRetryHandler(_ClockWait, RateLimitErrorRetryHandler):
    """Retry a 429 after the `Retry-After` Slack asked for."""

    def __init__(self, clock: Clock, max_retry_count: int = 8) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.clock = clock

    def _wait_seconds(self, state: RetryState, response: HttpResponse | None) -> float:
        if response is not None:
            for name, values in response.headers.items():
                if name.lower() == "retry-after" and values:
                    try:
                        return max(float(values[0]), 0.0)
                    except ValueError:
                        break
        return 1.0


class ClockConnectionErrorRetryHandler(_ClockWait, ConnectionErrorRetryHandler):
    def __init__(self, clock: Clock, max_retry_count: int = 4) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.clock = clock


class ClockServerErrorRetryHandler(_ClockWait, ServerErrorRetryHandler):
    def __init__(self, clock: Clock, max_retry_count: int = 4) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.clock = clock


def clock_retry_handlers(clock: Clock, max_retry_count: int = 2) -> list[RetryHandler]:
    """Connection, server-error and rate-limit retries, all waiting on `clock`."""
    return [
        ClockConnectionErrorRetryHandler(clock, max_retry_count),
        ClockServerErrorRetryHandler(clock, max_retry_count),
        ClockRateLimitRetryHandler(clock, max_retry_count),
    ]


def retry_handlers(clock: Clock, for_posts: bool = False) -> list[RetryHandler]:
    handlers: list[RetryHandler] = [ClockRateLimitRetryHandler(clock)]
    if not for_posts:
        handlers += [ClockConnectionErrorRetryHandler(clock), ClockServerErrorRetryHandler(clock)]
    return handlers


def make_client(
    token: str, base_url: str, clock: Clock, *, for_posts: bool = False, timeout: int = 10
) -> WebClient:
    """A WebClient for `base_url` (Slack's, or the local stand-in's) with clock-aware retries."""
    return WebClient(
        token=token, base_url=base_url, timeout=timeout, retry_handlers=retry_handlers(clock, for_posts)
    )


class ClientSource(Protocol):
    """Where an adapter gets its WebClient for each call: one token, or its workspace's current one."""

    def client(self, *, for_posts: bool = False) -> WebClient: ...


class FixedClients:
    """Single-workspace mode: the bot token from the environment, two clients made once."""

    def __init__(self, token: str, base_url: str, clock: Clock) -> None:
        self._reads = make_client(token, base_url, clock)
        self._posts = make_client(token, base_url, clock, for_posts=True)

    def client(self, *, for_posts: bool = False) -> WebClient:
        return self._posts if for_posts else self._reads
