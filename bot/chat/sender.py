"""Every write to the chat platform goes through here: priorities, pacing, retries, no duplicates.

* **Priorities.** Cues go ahead of replies, replies ahead of question copies, copies ahead of the
  control panel: a burst of questions never delays a speaker's "time's up".
* **Pacing.** The platform says what rate each write counts against (`ChatPort.lane`: Slack allows
  about one message per second per channel, with short bursts); a token bucket per lane keeps the
  bot inside it, so it does not provoke rate limiting in the first place, and writes in one lane go
  out in order, one at a time. A rate limit that still comes is waited out (`retry_after`).
* **No duplicates.** A post that carries a key (a cue id) is made findable by the adapter. When a
  write's fate is unknown (the connection broke, the server answered 5xx), the sender looks for the
  key before trying again, and retries with back-off until the post is found or made: an outage
  delays cues but loses none.

Tests call `drain()` and the sender works in the calling thread, pacing on the clock (a ManualClock
lets the time pass at once); a running bot calls `start()` and worker threads do the same.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from bot.chat.port import (
    ChatError,
    ChatPort,
    DeleteMessage,
    Lane,
    MessageRef,
    OpenForm,
    PostMessage,
    PublishHome,
    React,
    UpdateMessage,
    Upload,
    Whisper,
    Write,
)
from bot.clock import Clock

log = logging.getLogger(__name__)
BOOKKEEPING_PATIENCE = 0.1  # real seconds an answered write's bookkeeping waits for the cues under way


class Priority(IntEnum):
    CUE = 0
    REPLY = 1
    QUESTION = 2
    PANEL = 3


@dataclass(frozen=True)
class Outcome:
    """How a write ended: done (`ref` says where a post went) or refused for good (`error`)."""

    ok: bool
    ref: MessageRef | None = None
    error: str | None = None
    attempts: int = 1
    reconciled: bool = False  # found already made after a write whose fate was unknown


@dataclass
class Outgoing:
    """One write, queued. `key` makes a post findable (and so never doubled); `coalesce` lets a newer
    write replace a queued older one (the control panel's updates)."""

    write: Write
    priority: Priority = Priority.REPLY
    key: str | None = None
    coalesce: str | None = None
    on_done: Callable[[Outcome], None] | None = None
    reconcile_first: bool = False  # e.g. after a restart, with the cue claimed but not confirmed
    prepare: Callable[[Write], Write] | None = None  # completes the write before it is queued
    attempts: int = 0
    not_before: float = 0.0
    seq: int = 0


@dataclass
class TokenBucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float | None = None  # full at first use
    stamp: float = 0.0

    def ready_at(self, now: float, reserve: float = 0.0) -> float:
        """When a token is free, keeping `reserve` tokens back (for more urgent writes)."""
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


class Pacer:
    """Token buckets, one per lane; a busy shared lane always leaves a cue room for its burst.

    Lanes are the platform's (`ChatPort.lane`), and so are their limits: Slack counts a method's calls
    per workspace. Webinars that share a workspace therefore share one pacer (see `bot.serve.fleet`),
    so a hundred control panels keep within one workspace's `chat.update` rate together. Senders on
    several threads may use one pacer: its own lock guards the buckets."""

    def __init__(self, cue_reserve: float = 2.0) -> None:
        self.cue_reserve = cue_reserve
        self.buckets: dict[str, TokenBucket] = {}
        self.held: dict[str, float] = {}
        self._lock = threading.Lock()

    def _bucket(self, lane: Lane) -> TokenBucket:
        bucket = self.buckets.get(lane.key)
        if bucket is None:
            bucket = self.buckets[lane.key] = TokenBucket(lane.rate, lane.burst)
        return bucket

    def ready_at(self, lane: Lane | None, priority: Priority, now: float) -> float:
        if lane is None:
            return now
        reserve = self.cue_reserve if lane.shared_with_cues and priority is not Priority.CUE else 0.0
        with self._lock:
            return max(self._bucket(lane).ready_at(now, reserve), self.held.get(lane.key, now))

    def hold(self, lane: Lane | None, until: float) -> None:
        """Keep the lane's later writes behind one that must wait (a rate limit, a retry): order holds."""
        if lane is not None:
            with self._lock:
                self.held[lane.key] = max(self.held.get(lane.key, until), until)

    def take(self, lane: Lane | None, now: float) -> None:
        if lane is not None:
            with self._lock:
                self._bucket(lane).take(now)


class Sender:
    def __init__(
        self,
        chat: ChatPort,
        clock: Clock,
        pacer: Pacer | None = None,
        max_backoff: float = 30.0,
        workers: int = 6,
    ) -> None:
        self.chat = chat
        self.clock = clock
        self.pacer = pacer or Pacer()
        self.max_backoff = max_backoff
        self.workers = workers
        self._queue: list[tuple[int, int, Outgoing]] = []
        self._coalesced: dict[str, Outgoing] = {}
        self._seq = itertools.count()
        # One lock, a condition per kind of waiter: a write queued wakes one worker, not every
        # thread of the sender (at an instant with five cues, a herd of wake-ups is time taken from
        # the posts themselves).
        lock = threading.Lock()
        self._cond = threading.Condition(lock)  # the workers wait here
        self._prep = threading.Condition(lock)  # the thread that completes writes
        self._books = threading.Condition(lock)  # the bookkeeping thread
        self._quiet = threading.Condition(lock)  # `stop`, for everything to be done
        self._threads: list[threading.Thread] = []
        self._running = False
        self._busy = 0
        self._in_flight: set[str] = set()  # lanes with a write under way: order holds
        self._preparing: list[Outgoing] = []  # writes still being completed (see `send`)
        self._preparer: threading.Thread | None = None
        self._done: list[tuple[Outgoing, Outcome]] = []  # answered writes whose bookkeeping is due
        self._timing = False  # a worker waits for the pacing's next free moment
        self._cues_out = 0  # cue writes being made
        self.sent = 0
        self.failures: list[tuple[Outgoing, str]] = []

    # -- queue ------------------------------------------------------------------------------

    def submit(self, item: Outgoing) -> None:
        with self._cond:
            if item.coalesce is not None:
                older = self._coalesced.get(item.coalesce)
                if older is not None and older.attempts == 0:
                    older.write = item.write
                    older.on_done = item.on_done
                    return
                self._coalesced[item.coalesce] = item
            item.seq = next(self._seq)
            heapq.heappush(self._queue, (int(item.priority), item.seq, item))
            self._cond.notify()

    def send(
        self,
        write: Write,
        priority: Priority = Priority.REPLY,
        *,
        key: str | None = None,
        coalesce: str | None = None,
        on_done: Callable[[Outcome], None] | None = None,
        reconcile_first: bool = False,
        prepare: Callable[[Write], Write] | None = None,
    ) -> None:
        """Queue one write (the usual way in). `prepare` completes it first, on a thread of its own, so
        work that may wait (looking names up for a digest) holds up neither whoever queued it nor the
        writes queued beside it; the write joins the queue when it is complete."""
        item = Outgoing(write, priority, key, coalesce, on_done, reconcile_first, prepare)
        if prepare is None:
            self.submit(item)
            return
        with self._cond:
            self._preparing.append(item)
            self._prep.notify()

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + self._busy + len(self._preparing)

    def _prepare_next(self) -> bool:
        """Complete one waiting write and queue it; False when none was waiting."""
        with self._cond:
            if not self._preparing:
                return False
            item = self._preparing.pop(0)
        prepare, item.prepare = item.prepare, None
        if prepare is not None:
            try:
                item.write = prepare(item.write)
            except Exception:  # a write that cannot be completed goes out as it was queued
                log.exception("completing a %s failed", type(item.write).__name__)
        self.submit(item)
        return True

    def _prepare_loop(self) -> None:
        while True:
            with self._cond:
                while self._running and not self._preparing:
                    self._prep.wait()
                if not self._running:
                    return
            self._prepare_next()

    def _take_ready(self) -> tuple[Outgoing | None, float | None]:
        """The most urgent write that pacing allows now, or when the next one will be allowed."""
        now = self.clock.monotonic()
        waiting: list[tuple[int, int, Outgoing]] = []
        chosen: Outgoing | None = None
        earliest: float | None = None
        while self._queue:
            entry = heapq.heappop(self._queue)
            item = entry[2]
            lane = self.chat.lane(item.write)
            if lane is not None and lane.key in self._in_flight:
                waiting.append(entry)  # behind a write in the same lane: wait for it to finish
                continue
            ready = max(item.not_before, self.pacer.ready_at(lane, item.priority, now))
            if ready <= now:
                chosen = item
                break
            earliest = ready if earliest is None else min(earliest, ready)
            waiting.append(entry)
        for entry in waiting:
            heapq.heappush(self._queue, entry)
        if chosen is not None:
            if chosen.coalesce is not None and self._coalesced.get(chosen.coalesce) is chosen:
                del self._coalesced[chosen.coalesce]
            lane = self.chat.lane(chosen.write)
            self.pacer.take(lane, now)
            self._busy += 1
            self._cues_out += chosen.priority is Priority.CUE
            if lane is not None:
                self._in_flight.add(lane.key)
        return chosen, earliest

    # -- running ----------------------------------------------------------------------------

    def drain(self, limit: int = 100_000) -> int:
        """Send everything queued, in this thread; waits for pacing on the clock. How many were done."""
        done = 0
        while done < limit:
            while self._prepare_next():
                pass
            with self._cond:
                item, earliest = self._take_ready()
                if item is None and earliest is None:
                    return done
            if item is None:
                assert earliest is not None
                self.clock.sleep(max(earliest - self.clock.monotonic(), 0.001))
                continue
            self._execute(item)
            done += 1
        return done

    def start(self) -> None:
        """Worker threads: writes in different lanes go out side by side, each lane in order."""
        with self._cond:
            if self._running:
                return
            self._running = True
        for n in range(self.workers):
            thread = threading.Thread(target=self._loop, name=f"chat-sender-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        self._preparer = threading.Thread(target=self._prepare_loop, name="chat-sender-prepare", daemon=True)
        self._preparer.start()
        self._threads.append(self._preparer)
        bookkeeper = threading.Thread(target=self._bookkeeping_loop, name="chat-sender-done", daemon=True)
        bookkeeper.start()
        self._threads.append(bookkeeper)

    def stop(self, timeout: float = 5.0) -> None:
        """Let the workers finish what is queued (within `timeout` seconds), then stop them."""
        with self._cond:
            deadline_reached = not self._quiet.wait_for(
                lambda: not self._queue and not self._busy and not self._preparing, timeout
            )
            self._running = False
            self._wake_all()
        if deadline_reached:
            log.warning("stopping with %d chat writes unsent", len(self._queue))
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def abandon(self) -> None:
        """Stop at once, leaving the queue unsent and what was answered unrecorded (a crash)."""
        with self._cond:
            self._running = False
            self._queue.clear()
            self._preparing.clear()
            self._done.clear()
            self._wake_all()

    def _loop(self) -> None:
        while True:
            with self._cond:
                if not self._running:
                    return
                item, earliest = self._take_ready()
                if item is None:
                    self._idle(earliest)
                    continue
                if self._queue:
                    self._cond.notify()  # more may be ready: wake one more worker to look
            self._execute(item)

    def _idle(self, earliest: float | None) -> None:
        """Wait (holding the condition) for a write to become ready. Only one worker waits for the
        pacing's next free moment; the others wait to be woken: senders that share a pacer all
        compute the same moment, and a hundred webinars' workers waking at once for one free
        token would be a stall at just the instant a cue may be due."""
        if earliest is None or self._timing:
            self._cond.wait()
            return
        self._timing = True
        try:
            self._cond.wait(self.clock.real_seconds(max(earliest - self.clock.monotonic(), 0.001)))
        finally:
            self._timing = False

    # -- one write --------------------------------------------------------------------------

    def _release_lane(self, item: Outgoing) -> None:
        lane = self.chat.lane(item.write)
        if lane is not None:
            self._in_flight.discard(lane.key)
        self._cues_out -= item.priority is Priority.CUE
        self._cond.notify()  # the lane is free: its next write may go
        self._books.notify()  # the bookkeeping may wait for no more cues

    def _wake_all(self) -> None:
        for waiters in (self._cond, self._prep, self._books, self._quiet):
            waiters.notify_all()

    def _cues_under_way(self) -> bool:
        """A cue is being written, queued ready to go, or completed to be queued (held by the lock)."""
        if self._cues_out:
            return True
        if self._queue and self._queue[0][0] == Priority.CUE:  # the heap's first is a cue if any is
            now = self.clock.monotonic()
            if any(p == Priority.CUE and item.not_before <= now for p, _, item in self._queue):
                return True
        return any(item.priority is Priority.CUE for item in self._preparing)

    def _release(self, item: Outgoing) -> None:
        self._release_lane(item)
        self._busy -= 1

    def _requeue(self, item: Outgoing, delay: float) -> None:
        """Put a write back where it was in the queue, not to be tried before `delay` has passed."""
        with self._cond:
            self._release(item)
            item.not_before = self.clock.monotonic() + delay
            self.pacer.hold(self.chat.lane(item.write), item.not_before)
            heapq.heappush(self._queue, (int(item.priority), item.seq, item))
            self._cond.notify()

    def _finish(self, item: Outgoing, outcome: Outcome) -> None:
        """The platform has answered: the lane's next write may go at once. What follows (the outbox
        marking a cue sent, the listeners) is bookkeeping: a running sender hands it to a thread of its
        own, so the workers only write, and a cue due at the same instant as four others never waits
        behind their bookkeeping. The write counts as pending until its bookkeeping is done."""
        with self._cond:
            self._release_lane(item)
            if self._running:
                self._done.append((item, outcome))
                self._books.notify()
                return
        self._book(item, outcome)

    def _book(self, item: Outgoing, outcome: Outcome) -> None:
        if item.on_done is not None:
            try:
                item.on_done(outcome)
            except Exception:
                log.exception("callback after a %s failed", type(item.write).__name__)
        with self._cond:
            self._busy -= 1
            self._quiet.notify_all()
        if outcome.ok:
            self.sent += 1
        else:
            self.failures.append((item, outcome.error or "error"))

    def _bookkeeping_loop(self) -> None:
        """Runs each answered write's bookkeeping, in the order the answers came, once the cues
        being written have gone (for `BOOKKEEPING_PATIENCE` at most): the interpreter runs one thread
        at a time, and an instant's later cues should not share it with its earlier cues' records."""
        while True:
            with self._cond:
                while not self._done and self._running:
                    self._books.wait()
                if not self._done:
                    return
                until = time.monotonic() + BOOKKEEPING_PATIENCE
                while self._running and self._cues_under_way() and (left := until - time.monotonic()) > 0:
                    self._books.wait(left)
                done, self._done = self._done, []
            for item, outcome in done:
                self._book(item, outcome)

    def _backoff(self, item: Outgoing) -> float:
        return float(min(0.5 * 2 ** min(item.attempts - 1, 10), self.max_backoff))

    def _execute(self, item: Outgoing) -> None:
        item.attempts += 1
        write = item.write
        try:
            if item.key is not None and item.reconcile_first and isinstance(write, PostMessage):
                found = self.chat.find_post(write, item.key)
                if found is not None:
                    self._finish(item, Outcome(True, found, attempts=item.attempts, reconciled=True))
                    return
                item.reconcile_first = False
            ref = self._perform(write, item.key)
        except ChatError as exc:
            self._failed(item, exc)
            return
        except Exception as exc:  # a bug in an adapter must not stop the sender
            log.exception("a %s failed unexpectedly", type(write).__name__)
            self._finish(item, Outcome(False, error=f"unexpected: {exc.__class__.__name__}"))
            return
        self._finish(item, Outcome(True, ref, attempts=item.attempts))

    def _perform(self, write: Write, key: str | None) -> MessageRef | None:
        chat = self.chat
        match write:
            case PostMessage():
                return chat.post(write, key)
            case UpdateMessage():
                chat.update(write)
            case DeleteMessage():
                chat.delete(write)
            case React():
                chat.react(write)
            case Whisper():
                chat.whisper(write)
            case Upload():
                chat.upload(write)
            case OpenForm():
                chat.open_form(write)
            case PublishHome():
                chat.publish_home(write)
        return None

    def _failed(self, item: Outgoing, exc: ChatError) -> None:
        what = type(item.write).__name__
        if exc.retry_after is not None:
            self._requeue(item, exc.retry_after)
            return
        if exc.transient:
            log.warning("a %s failed (%s); will retry", what, exc.reason)
            if exc.ambiguous and item.key is not None and isinstance(item.write, PostMessage):
                item.reconcile_first = True  # it may exist: look before trying again
            self._requeue(item, self._backoff(item))
            return
        hint = f" ({exc.hint})" if exc.hint else ""
        log.error("a %s failed: %s%s", what, exc.reason, hint)
        self._finish(item, Outcome(False, error=exc.reason, attempts=item.attempts))
