"""What people are called: looked up from the chat platform off the listeners' threads, kept in the
store, and never shown as a raw id where the person can be looked up.

A burst of new askers must not hold their acknowledgements behind the platform's lookup limits, so
`learn` only queues a lookup; `ensure` looks names up at once, for a message about to show them
(the discussion digest). Because the store joins names to questions when they are read, a name that
arrives after the question still shows everywhere.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from bot.chat.port import ChatError, ChatPort
from bot.clock import Clock
from bot.store.names import NameStore

log = logging.getLogger(__name__)
PARALLEL_LOOKUPS = 5  # a digest's ten names in two round trips, well inside Tier 4's bursts


class NameBook:
    def __init__(self, chat: ChatPort, store: NameStore, clock: Clock, interval: float = 0.7) -> None:
        self.chat = chat
        self.store = store
        self.clock = clock
        self.interval = interval  # transport seconds; Slack's users.info is Tier 4 (100+ per minute)
        self._names: dict[str, str] = store.all()
        self._asked: set[str] = set()
        self._locales: dict[str, str | None] = {}  # a person's chat locale, once looked up
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="name-lookups", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)

    def profile(self, person: str) -> tuple[str | None, str | None]:
        """A person's (locale, time zone) from their chat profile; (None, None) when it cannot be read."""
        try:
            found = self.chat.find_person(person)
        except ChatError:
            return None, None
        with self._lock:
            self._locales[person] = found.locale if found is not None else None
        return (found.locale, found.timezone) if found is not None else (None, None)

    def locale(self, person: str, look_up: bool = True) -> str | None:
        """A person's chat locale (`fr-FR`): looked up now (`look_up`), or only if already known, and
        then soon (for a reply on a busy path, which must not wait on the platform)."""
        with self._lock:
            if person in self._locales:
                return self._locales[person]
        if look_up:
            return self.profile(person)[0]
        with self._lock:
            if person in self._asked:
                return None
            self._asked.add(person)
        self._queue.put(person)
        return None

    def known(self, person: str) -> str | None:
        with self._lock:
            return self._names.get(person)

    def name(self, person: str) -> str:
        """The name if known; otherwise the id for now (and the name is looked up soon)."""
        self.learn(person)
        return self.known(person) or person

    def learn(self, person: str) -> None:
        """Look this person's name up soon, unless it is known or asked for already."""
        with self._lock:
            if person in self._names or person in self._asked or not person:
                return
            self._asked.add(person)
        self._queue.put(person)

    def ensure(self, people: Iterable[str]) -> None:
        """Look up, now and side by side, every name not yet known (for a message about to show them)."""
        unknown = list(dict.fromkeys(p for p in people if self.known(p) is None))
        if len(unknown) <= 1:
            for person in unknown:
                self._lookup(person)
            return
        with ThreadPoolExecutor(max_workers=min(len(unknown), PARALLEL_LOOKUPS)) as pool:
            list(pool.map(self._lookup, unknown))

    def resolve_now(self) -> None:
        """Look up everything queued so far, in this thread (tests)."""
        while True:
            try:
                person = self._queue.get_nowait()
            except queue.Empty:
                return
            if person is not None and (self.known(person) is None or person not in self._locales):
                self._lookup(person)

    def _lookup(self, person: str) -> None:
        try:
            found = self.chat.find_person(person)
        except ChatError as exc:
            log.info("cannot look up %s: %s", person, exc.reason)
            return
        with self._lock:
            self._locales[person] = found.locale if found is not None else None
        if found is None or not found.name or found.name == person or self.known(person) == found.name:
            return
        with self._lock:
            self._names[person] = found.name
        try:
            self.store.save(person, found.name, self.clock.now())
        except Exception:
            log.exception("recording the name of %s failed", person)

    def _loop(self) -> None:
        pause = threading.Event()
        while True:
            person = self._queue.get()
            if person is None:
                return
            with self._lock:
                wanted = person not in self._names or person not in self._locales
            if wanted:
                self._lookup(person)
                pause.wait(self.clock.real_seconds(self.interval))  # the platform's lookup limits
