"""Stable keys from titles: the identity of items, sessions and slots across runs and edits."""

from __future__ import annotations

import re
import unicodedata

_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "its",
        "their",
        "our",
        "your",
        "et",
        "le",
        "la",
        "les",
        "des",
        "du",
        "de",
        "el",
        "los",
        "las",
        "y",
        "en",
    ]
)
_MAX = 40
_WORDS = 4


def slugify(text: str, fallback: str = "item") -> str:
    """`"The transition from the informal to the formal economy"` -> `transition-informal-formal-economy`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    meaningful = [w for w in words if w not in _STOP] or words
    slug = ""
    for word in meaningful[:_WORDS]:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > _MAX:
            break
        slug = candidate
    return slug or (meaningful[0][:_MAX] if meaningful else fallback)


class KeyMaker:
    """Hands out keys unique within one scope: `discussion`, `discussion-2`, ...

    Each wanted key remembers the next suffix to try, so a hundred slots of one speaker cost a
    hundred steps rather than five thousand (the keys are the same as when counting from 2 each
    time: a key once taken stays taken, so no smaller suffix is ever free again).
    """

    def __init__(self) -> None:
        self._used: set[str] = set()
        self._next: dict[str, int] = {}

    def take(self, wanted: str) -> str:
        key = wanted
        n = self._next.get(wanted, 2)
        while key in self._used:
            key = f"{wanted}-{n}"
            n += 1
        self._next[wanted] = n
        self._used.add(key)
        return key

    def __contains__(self, key: str) -> bool:
        return key in self._used
