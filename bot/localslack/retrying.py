"""slack_sdk's retry handlers, waiting through a Clock instead of `time.sleep`.

With a ManualClock the wait advances virtual time at once, so a test of 429/5xx recovery runs in
microseconds and the stand-in's rate-limit buckets (counted on the same clock) refill exactly.
"""

from __future__ import annotations

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


class ClockRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Waits exactly `Retry-After` seconds of the clock's transport time, then retries."""

    def __init__(self, clock: Clock, max_retry_count: int = 1) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.clock = clock

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error or RuntimeError("rate-limit retry without a response")
        retry_after = 1.0
        for name, values in response.headers.items():
            if name.lower() == "retry-after" and values:
                retry_after = float(values[0])
        state.next_attempt_requested = True
        self.clock.sleep(retry_after)
        state.increment_current_attempt()


class _ClockBackoff(RetryHandler):
    clock: Clock

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        self.clock.sleep(self.interval_calculator.calculate_sleep_duration(state.current_attempt))
        state.increment_current_attempt()


class ClockServerErrorRetryHandler(_ClockBackoff, ServerErrorRetryHandler):
    """Retries 500 and 503 answers with slack_sdk's back-off, slept on the clock."""

    def __init__(self, clock: Clock, max_retry_count: int = 1) -> None:
        ServerErrorRetryHandler.__init__(self, max_retry_count=max_retry_count)
        self.clock = clock


class ClockConnectionErrorRetryHandler(_ClockBackoff, ConnectionErrorRetryHandler):
    """Retries reset or dropped connections with slack_sdk's back-off, slept on the clock."""

    def __init__(self, clock: Clock, max_retry_count: int = 1) -> None:
        ConnectionErrorRetryHandler.__init__(self, max_retry_count=max_retry_count)
        self.clock = clock


def clock_retry_handlers(clock: Clock, max_retry_count: int = 2) -> list[RetryHandler]:
    """Connection, server-error and rate-limit retries, all waiting on `clock`."""
    return [
        ClockConnectionErrorRetryHandler(clock, max_retry_count),
        ClockServerErrorRetryHandler(clock, max_retry_count),
        ClockRateLimitRetryHandler(clock, max_retry_count),
    ]
