"""Every write to Slack goes through here: priorities, pacing, retries, and no duplicate posts.

* **Priorities.** Cues go ahead of replies, replies ahead of question copies, copies ahead of the
  control panel: a burst of questions never delays a speaker's "time's up".
* **Pacing.** Slack allows about one message per second per channel with short bursts; a token
  bucket per channel (and one for `chat.update`) keeps the bot inside that, so it does not provoke
  429s in the first place. A 429 that still comes is waited out (`Retry-After`) by slack_sdk's
  handler on the injected clock.
* **No duplicates.** A post that carries a key (a cue id) is sent with that key in its message
  metadata. When the connection breaks or Slack answers 5xx, nobody knows whether the message
  exists, so before trying again the sender looks for the key in the channel's recent history.
  It retries, with back-off, until the post is found or made: an outage delays cues but loses none.

Tests call `drain()` and the sender works in the calling thread, pacing on the clock (a ManualClock
lets the time pass at once); the bot calls `start()` and a worker thread does the same.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import Clock

log = logging.getLogger(__name__)

METADATA_EVENT = "webinar_bot_post"
POSTING_METHODS = frozenset({"chat.postMessage"})
PERMANENT_ERRORS_HINTS = {
    "channel_not_found": "the channel does not exist (or the bot cannot see it)",
    "not_in_channel": "the bot is not a member of the channel",
    "is_archived": "the channel is archived",
    "msg_too_long": "the message is too long",
    "invalid_blocks": "the message's blocks are invalid",
    "invalid_auth": "the bot token was refused",
    "missing_scope": "the app lacks a scope: see manifest.yaml",
}


class Priority(IntEnum):
    CUE = 0
    REPLY = 1
    QUESTION = 2
    PANEL = 3


@dataclass(frozen=True)
class Result:
    ok: bool
    data: dict[str, Any]
    error: str | None = None
    attempts: int = 1
    reconciled: bool = False  # found already posted after an ambiguous failure

    @property
    def ts(self) -> str | None:
        value = self.data.get("ts")
        return str(value) if value else None

    @property
    def channel(self) -> str | None:
        value = self.data.get("channel")
        return str(value) if value else None


@dataclass
class Post:
    """One Web API write. `key` makes a post findable (and so never doubled); `coalesce` lets a newer
    write replace a queued older one (the control panel's updates)."""

    method: str
    args: dict[str, Any]
    priority: Priority = Priority.REPLY
    key: str | None = None
    coalesce: str | None = None
    on_done: Callable[[Result], None] | None = None
    reconcile_first: bool = False  # e.g. after a restart, with the cue claimed but not confirmed
    attempts: int = 0
    not_before: float = 0.0
    seq: int = 0

    @property
    def channel(self) -> str:
        return str(self.args.get("channel", ""))


@dataclass
class TokenBucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float | None = None  # full at first use
    stamp: float = 0.0

    def ready_at(self, now: float, reserve: float = 0.0) -> float:
        """When a token is free, keeping `reserve` tokens back (for more urgent posts)."""
        needed = 1 + reserve
        tokens = self._refill(now)
        return now if tokens >= needed else now + (needed - tokens) / self.rate

    def take(self, now: float) -> None:
        self.tokens = self._refill(now) - 1

    def _refill(self, now: float) -> float:
        if self.tokens is None:
            self.tokens, self.stamp = self.capacity, now
        else:
            self.tokens = min(self.capacity, self.tokens + max(now - self.stamp, 0.0) * self.rate)
            self.stamp = max(self.stamp, now)
        return self.tokens


# Slack's published minimums per method (posting: about 1 per second per channel, short bursts; Tier 3:
# 50+ per minute; Tier 4: 100+ per minute), each kept a little inside, with a short burst.
METHOD_RATES: dict[str, tuple[float, float]] = {  # method -> (per second, burst)
    "chat.update": (0.8, 8.0),
    "chat.delete": (0.8, 8.0),
    "reactions.add": (0.8, 8.0),
    "chat.postEphemeral": (1.5, 20.0),
    "views.publish": (1.5, 20.0),
}


@dataclass
class Pacer:
    """Token buckets: one per channel for posts, one per method for the rest of Slack's tiers."""

    post_rate: float = 1.0
    post_burst: float = 4.0
    cue_reserve: float = 2.0  # a busy channel (question copies) always leaves a cue room for its burst
    rates: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(METHOD_RATES))
    buckets: dict[str, TokenBucket] = field(default_factory=dict)
    held: dict[str, float] = field(default_factory=dict)

    def key(self, post: Post) -> str | None:
        if post.method in POSTING_METHODS:
            return f"post:{post.channel}"
        if post.method in self.rates:
            return f"method:{post.method}"
        return None

    def _bucket(self, key: str) -> TokenBucket:
        if key not in self.buckets:
            if key.startswith("post:"):
                self.buckets[key] = TokenBucket(self.post_rate, self.post_burst)
            else:
                rate, burst = self.rates[key.removeprefix("method:")]
                self.buckets[key] = TokenBucket(rate, burst)
        return self.buckets[key]

    def ready_at(self, post: Post, now: float) -> float:
        key = self.key(post)
        if key is None:
            return now
        reserve = self.cue_reserve if key.startswith("post:") and post.priority is not Priority.CUE else 0.0
        return max(self._bucket(key).ready_at(now, reserve), self.held.get(key, now))

    def hold(self, post: Post, until: float) -> None:
        """Keep the channel's later posts behind one that must wait (a 429, a retry): order holds."""
        key = self.key(post)
        if key is not None:
            self.held[key] = max(self.held.get(key, until), until)

    def take(self, post: Post, now: float) -> None:
        key = self.key(post)
        if key is not None:
            self._bucket(key).take(now)


class SlackSender:
    def __init__(
        self,
        client: WebClient,
        clock: Clock,
        pacer: Pacer | None = None,
        max_backoff: float = 30.0,
        workers: int = 4,
    ) -> None:
        self.client = client
        self.clock = clock
        self.pacer = pacer or Pacer()
        self.max_backoff = max_backoff
        self._queue: list[tuple[int, int, Post]] = []
        self._coalesced: dict[str, Post] = {}
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self.workers = workers
        self._running = False
        self._busy = 0
        self._in_flight: set[str] = set()  # pacing keys (channels) with a post under way: order holds
        self.sent = 0
        self.failures: list[tuple[Post, str]] = []

    # -- queue ------------------------------------------------------------------------------

    def submit(self, post: Post) -> None:
        with self._cond:
            if post.coalesce is not None:
                older = self._coalesced.get(post.coalesce)
                if older is not None and older.attempts == 0:
                    older.args = post.args
                    older.on_done = post.on_done
                    return
                self._coalesced[post.coalesce] = post
            post.seq = next(self._seq)
            heapq.heappush(self._queue, (int(post.priority), post.seq, post))
            self._cond.notify_all()

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + self._busy

    def _take_ready(self) -> tuple[Post | None, float | None]:
        """The most urgent post that pacing allows now, or when the next one will be allowed."""
        now = self.clock.monotonic()
        waiting: list[tuple[int, int, Post]] = []
        chosen: Post | None = None
        earliest: float | None = None
        while self._queue:
            entry = heapq.heappop(self._queue)
            post = entry[2]
            lane = self.pacer.key(post)
            if lane is not None and lane in self._in_flight:
                waiting.append(entry)  # behind a post to the same channel: wait for it to finish
                continue
            ready = max(post.not_before, self.pacer.ready_at(post, now))
            if ready <= now:
                chosen = post
                break
            earliest = ready if earliest is None else min(earliest, ready)
            waiting.append(entry)
        for entry in waiting:
            heapq.heappush(self._queue, entry)
        if chosen is not None:
            if chosen.coalesce is not None and self._coalesced.get(chosen.coalesce) is chosen:
                del self._coalesced[chosen.coalesce]
            self.pacer.take(chosen, now)
            self._busy += 1
            lane = self.pacer.key(chosen)
            if lane is not None:
                self._in_flight.add(lane)
        return chosen, earliest

    # -- running ----------------------------------------------------------------------------

    def drain(self, limit: int = 100_000) -> int:
        """Send everything queued, in this thread; waits for pacing on the clock. How many were done."""
        done = 0
        while done < limit:
            with self._cond:
                post, earliest = self._take_ready()
                if post is None and earliest is None:
                    return done
            if post is None:
                assert earliest is not None
                self.clock.sleep(max(earliest - self.clock.monotonic(), 0.001))
                continue
            self._execute(post)
            done += 1
        return done

    def start(self) -> None:
        """Worker threads: posts to different channels go out side by side, each channel in order."""
        with self._cond:
            if self._running:
                return
            self._running = True
        for n in range(self.workers):
            thread = threading.Thread(target=self._loop, name=f"slack-sender-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Let the workers finish what is queued (within `timeout` seconds), then stop them."""
        with self._cond:
            deadline_reached = not self._cond.wait_for(lambda: not self._queue and not self._busy, timeout)
            self._running = False
            self._cond.notify_all()
        if deadline_reached:
            log.warning("stopping with %d Slack posts unsent", len(self._queue))
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def abandon(self) -> None:
        """Stop at once, leaving the queue unsent (a crash)."""
        with self._cond:
            self._running = False
            self._queue.clear()
            self._cond.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cond:
                if not self._running:
                    return
                post, earliest = self._take_ready()
                if post is None:
                    # Transport time: for the real and scaled clocks, these are real seconds.
                    timeout = None if earliest is None else max(earliest - self.clock.monotonic(), 0.001)
                    self._cond.wait(timeout)
                    continue
            self._execute(post)

    # -- one post ---------------------------------------------------------------------------

    def _release(self, post: Post) -> None:
        lane = self.pacer.key(post)
        if lane is not None:
            self._in_flight.discard(lane)
        self._busy -= 1
        self._cond.notify_all()

    def _requeue(self, post: Post, delay: float) -> None:
        """Put a post back where it was in the queue, not to be tried before `delay` has passed."""
        with self._cond:
            self._release(post)
            post.not_before = self.clock.monotonic() + delay
            self.pacer.hold(post, post.not_before)
            heapq.heappush(self._queue, (int(post.priority), post.seq, post))
            self._cond.notify_all()

    def _finish(self, post: Post, result: Result) -> None:
        if post.on_done is not None:
            try:
                post.on_done(result)
            except Exception:
                log.exception("callback after %s failed", post.method)
        with self._cond:
            self._release(post)
        if result.ok:
            self.sent += 1
        else:
            self.failures.append((post, result.error or "error"))

    def _backoff(self, post: Post) -> float:
        return float(min(0.5 * 2 ** min(post.attempts - 1, 10), self.max_backoff))

    def _execute(self, post: Post) -> None:
        post.attempts += 1
        if post.key is not None and post.reconcile_first:
            found = self._find(post)
            if found is None:  # history unreadable: try again later, never post blind
                self._requeue(post, self._backoff(post))
                return
            if found:
                self._finish(
                    post,
                    Result(
                        True,
                        {"ok": True, "channel": post.channel, "ts": found},
                        attempts=post.attempts,
                        reconciled=True,
                    ),
                )
                return
            post.reconcile_first = False
        args = dict(post.args)
        if post.key is not None and post.method in POSTING_METHODS:
            args["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": post.key}}
        try:
            response = self.client.api_call(post.method, json=args)
            data = response.data if isinstance(response.data, dict) else {}
            self._finish(post, Result(True, data, attempts=post.attempts))
        except SlackApiError as exc:
            self._api_error(post, exc)
        except (URLError, OSError, TimeoutError) as exc:
            log.warning("%s to %s failed (%s); will retry", post.method, post.channel, exc.__class__.__name__)
            self._ambiguous(post)

    def _api_error(self, post: Post, exc: SlackApiError) -> None:
        status = getattr(exc.response, "status_code", 200)
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        error = str(data.get("error") or f"http_{status}")
        if status >= 500:
            log.warning("%s to %s: Slack answered %s; will retry", post.method, post.channel, status)
            self._ambiguous(post)
            return
        if status == 429 or error == "ratelimited":
            retry_after = _retry_after(exc)
            self._requeue(post, retry_after)
            return
        if error == "not_in_channel" and post.method in POSTING_METHODS and post.attempts <= 2:
            try:
                self.client.conversations_join(channel=post.channel)
            except SlackApiError:
                pass
            else:
                self._requeue(post, 0.0)
                return
        hint = PERMANENT_ERRORS_HINTS.get(error, "")
        log.error("%s to %s failed: %s%s", post.method, post.channel, error, f" ({hint})" if hint else "")
        self._finish(post, Result(False, data, error, post.attempts))

    def _ambiguous(self, post: Post) -> None:
        """The write may or may not have happened: a keyed post is looked for before the next try."""
        if post.key is not None and post.method in POSTING_METHODS:
            post.reconcile_first = True
        self._requeue(post, self._backoff(post))

    def _find(self, post: Post) -> str | None:
        """The ts of an earlier attempt of `post` if Slack has it, "" if not, None if unknown."""
        channel = post.channel
        thread_ts = post.args.get("thread_ts")
        try:
            if thread_ts:
                response = self.client.conversations_replies(
                    channel=channel, ts=str(thread_ts), limit=200, include_all_metadata=True
                )
            else:
                response = self.client.conversations_history(
                    channel=channel, limit=100, include_all_metadata=True
                )
        except (SlackApiError, URLError, OSError, TimeoutError) as exc:
            log.warning(
                "cannot read the history of %s to check for a post (%s)", channel, exc.__class__.__name__
            )
            return None
        data = response.data if isinstance(response.data, dict) else {}
        for message in data.get("messages", []):
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("key") == post.key:
                return str(message.get("ts"))
        return ""


def _retry_after(exc: SlackApiError) -> float:
    headers = getattr(exc.response, "headers", {}) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(float(raw), 0.0)
            except (TypeError, ValueError):
                break
    return 1.0
