"""Slack-shaped identifiers and message timestamps, minted per stand-in instance.

Slack ids carry a one-letter kind (`U` user, `C` channel, `D` IM, `V` view, `F` file, `Ev` event) and
message `ts` values are `"<epoch seconds>.<6 digits>"`, unique and increasing within a conversation.
The stand-in derives `ts` from agenda time so the bot's clock and the messages agree.
"""

from __future__ import annotations

import itertools
import secrets
import string
import threading
from datetime import UTC, datetime

_ALPHABET = string.digits + string.ascii_uppercase


def _base36(n: int, width: int) -> str:
    digits = []
    while n:
        n, r = divmod(n, 36)
        digits.append(_ALPHABET[r])
    return "".join(reversed(digits)).rjust(width, "0")


def ts_to_datetime(ts: str) -> datetime:
    """The agenda instant a Slack `ts` names."""
    seconds, _, micros = ts.partition(".")
    return datetime.fromtimestamp(int(seconds), UTC).replace(microsecond=int(micros[:6].ljust(6, "0")))


def ts_key(ts: str) -> tuple[int, int]:
    """A sortable key for a `ts` string (string order breaks when the seconds change width)."""
    seconds, _, micros = ts.partition(".")
    return int(seconds), int(micros.ljust(6, "0")[:6])


def is_ts(value: str) -> bool:
    seconds, dot, micros = value.partition(".")
    return bool(dot) and seconds.isdigit() and micros.isdigit() and len(micros) == 6


class IdFactory:
    """Mints ids and timestamps; thread-safe, one per stand-in."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._salt = secrets.randbelow(36**3)
        self._last_ts: tuple[int, int] = (0, 0)

    def new(self, prefix: str) -> str:
        """A fresh id such as `C0A1B2C3D` (prefix + 8 base-36 characters)."""
        with self._lock:
            n = next(self._counter)
        return prefix + _base36(self._salt, 3) + _base36(n, 5)

    def event_id(self) -> str:
        return self.new("Ev")

    def ts(self, when: datetime) -> str:
        """A message ts for agenda instant `when`, bumped by a microsecond past the last one minted."""
        epoch = when.astimezone(UTC).timestamp()
        seconds = int(epoch)
        micros = round((epoch - seconds) * 1_000_000)
        if micros >= 1_000_000:
            seconds, micros = seconds + 1, micros - 1_000_000
        with self._lock:
            if (seconds, micros) <= self._last_ts:
                seconds, micros = self._last_ts
                micros += 1
                if micros >= 1_000_000:
                    seconds, micros = seconds + 1, 0
            self._last_ts = (seconds, micros)
        return f"{seconds}.{micros:06d}"

    def secret(self, nbytes: int = 16) -> str:
        return secrets.token_hex(nbytes)
