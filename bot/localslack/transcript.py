"""The record of a session: every Web API call the bot made and every event or action delivered to it.

Each entry carries agenda time (`clock.now()`), transport time (`clock.monotonic()`) and wall time, and is
written as one JSON line the moment it happens when a path is given, so a crashed rehearsal still leaves
its transcript. Tokens never reach it: `token` arguments are dropped and token-shaped values masked.
Tests query it (`calls(method=..., channel=...)`) and wait on it (`wait_for`) instead of sleeping.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from bot.clock import Clock

T = TypeVar("T")
log = logging.getLogger(__name__)
_TOKEN_PREFIXES = ("xoxb-", "xoxp-", "xapp-", "xoxa-", "xoxe-")


def redact(value: Any) -> Any:
    """A copy of `value` with tokens removed (keys named token) or masked (token-shaped strings)."""
    if isinstance(value, Mapping):
        return {
            str(k): redact(v) for k, v in value.items() if str(k).lower() not in ("token", "authorization")
        }
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str) and value.startswith(_TOKEN_PREFIXES):
        return value[:5] + "…"
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


@dataclass(frozen=True)
class Entry:
    seq: int
    kind: str  # "call", "event", "action", "response_url", "upload", "socket"
    name: str  # method, event type, action type
    agenda: str
    transport: float
    wall: float
    channel: str | None = None
    ok: bool | None = None
    error: str | None = None
    status: int | None = None
    args: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, default=str)


class Transcript:
    def __init__(self, clock: Clock, path: Path | None = None) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._entries: list[Entry] = []
        self._version = 0
        self._listeners: list[Callable[[Entry], None]] = []
        self._file: IO[str] | None = path.open("a", encoding="utf-8") if path is not None else None
        self.path = path

    def record(
        self,
        kind: str,
        name: str,
        *,
        channel: str | None = None,
        ok: bool | None = None,
        error: str | None = None,
        status: int | None = None,
        args: Mapping[str, Any] | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> Entry:
        with self._cond:
            entry = Entry(
                seq=len(self._entries) + 1,
                kind=kind,
                name=name,
                agenda=self._clock.now().isoformat(),
                transport=round(self._clock.monotonic(), 6),
                wall=round(time.time(), 6),
                channel=channel,
                ok=ok,
                error=error,
                status=status,
                args=redact(dict(args or {})),
                detail=redact(dict(detail or {})),
            )
            self._entries.append(entry)
            if self._file is not None:
                self._file.write(entry.to_json() + "\n")
                self._file.flush()
            listeners = list(self._listeners)
            self._version += 1
            self._cond.notify_all()
        for listener in listeners:
            try:
                listener(entry)
            except Exception:  # a broken console must not break the API call being recorded
                log.exception("transcript listener failed")
        return entry

    def add_listener(self, listener: Callable[[Entry], None]) -> None:
        """Call `listener` with every entry from now on (the CLI prints them)."""
        with self._cond:
            self._listeners.append(listener)

    def entries(self) -> list[Entry]:
        with self._cond:
            return list(self._entries)

    def calls(
        self, method: str | None = None, channel: str | None = None, ok: bool | None = None
    ) -> list[Entry]:
        """Web API calls the bot made, optionally filtered."""
        return [
            e
            for e in self.entries()
            if e.kind == "call"
            and (method is None or e.name == method)
            and (channel is None or e.channel == channel)
            and (ok is None or e.ok == ok)
        ]

    def events(self, type: str | None = None) -> list[Entry]:
        """Events and interactions delivered (or attempted) to the bot."""
        return [
            e for e in self.entries() if e.kind in ("event", "action") and (type is None or e.name == type)
        ]

    def wait_for(self, condition: Callable[[], T | None], timeout: float = 5.0) -> T:
        """Block until `condition()` returns something truthy (re-checked at every new entry).

        The timeout is only a safety net against a hung test; raises TimeoutError when it is reached.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                version = self._version
            result = condition()  # outside the lock: it may take the workspace's lock
            if result:
                return result
            with self._cond:
                while self._version == version:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeoutError("condition not met within the timeout")
                    self._cond.wait(remaining)

    def notify(self) -> None:
        """Wake `wait_for` callers after a change that made no entry."""
        with self._cond:
            self._version += 1
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            if self._file is not None:
                self._file.close()
                self._file = None
