"""Reading a file a user hands the bot: bounded in size, decoded as UTF-8, failures as values.

Every file the bot reads from a user (a schedule, a `--defaults` file, an .ics calendar, a
rehearsal `--script`, the stand-in's `--workspace`) comes through `read_user_text`, so one limit
holds for all of them and no caller can forget it. At most MAX_FILE_BYTES + 1 bytes are read, so a
10 GB file, or /dev/zero, costs no more than a file at the limit, and is refused with a message
that names the limit. It lives outside bot.agenda because the rehearsal and the stand-in read files
too.

MAX_FILE_BYTES is 2 MiB: twice the 1 MB up to which `check` promises an answer in 2 s and 100 MB
(a 1 MB schedule is thousands of items, far past any real webinar), so a big real file has room;
and small enough that the worst file at the limit (the densest YAML, an .ics of thousands of
events) is still read and checked in bounded time and memory: bench/bench_check_large.py measures
both sizes.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import Final

MAX_FILE_BYTES: Final = 2 * 1024 * 1024
# An iCalendar file is parsed by the icalendar package, about twice as slowly per byte as the YAML
# reader (its content-line parser dominates): 1 MiB keeps a calendar at the limit near 2 s.
MAX_CALENDAR_BYTES: Final = 1024 * 1024
_UTF16_32_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


@dataclass(frozen=True)
class Unreadable:
    """Why a file cannot be used, said for its user: `f"{path}: {message}"` reads as a sentence."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


def describe_size(size: int) -> str:
    """`2 MiB (2,097,152 bytes)`: the unit people think in, and the exact figure."""
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MiB ({size:,} bytes)"
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB ({size:,} bytes)"
    return f"{size:,} bytes"


def read_user_text(path: Path, kind: str = "file", limit: int = MAX_FILE_BYTES) -> str | Unreadable:
    """The text of a user's file (UTF-8, with or without a BOM), or why it cannot be read.

    `kind` names the file in messages ("schedule file", "script"). Never raises for what a user can
    get wrong: missing, a directory, unreadable, over `limit` bytes, not UTF-8.
    """
    file = str(path)
    try:
        with path.open("rb") as stream:
            data = stream.read(limit + 1)
    except FileNotFoundError:
        return Unreadable(file, "no such file")
    except IsADirectoryError:
        return Unreadable(file, f"is a directory, not a {kind}")
    except OSError as exc:
        return Unreadable(file, f"cannot be read ({exc.strerror or exc})")
    if len(data) > limit:
        return Unreadable(
            file, f"is larger than {describe_size(limit)}, the most a {kind} may be; it is not read"
        )
    return decode_utf8(file, data)


def decode_utf8(file: str, data: bytes) -> str | Unreadable:
    """UTF-8 text without its BOM; an undecodable byte is reported with its line and column."""
    for bom, name in _UTF16_32_BOMS:
        if data.startswith(bom):
            return Unreadable(
                file, f"is {name} text (it starts with a {name} byte-order mark): save as UTF-8"
            )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = data[exc.start]
        return Unreadable(
            file,
            f"is not UTF-8 text: byte 0x{byte:02x} at line {line}, column {column} cannot be decoded "
            "(save the file as UTF-8)",
            line,
        )
