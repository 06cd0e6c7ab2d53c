"""The catalogues of short strings (buttons, form labels, replies, the panel, the report's headings):
gettext `.po` files under `bot/locale/<language>/LC_MESSAGES/bot.po`, compiled with Babel when they
are loaded, so a translator edits one text file and there is no build step to forget.

English is the source language: its msgids are the English strings, so English needs no catalogue.
"""

from __future__ import annotations

import gettext
import io
import threading
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n.languages import CODES, DEFAULT
from bot.i18n.words import Words

DOMAIN = "bot"


def locale_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "locale"


def po_path(code: str, folder: Path | None = None) -> Path:
    return (folder or locale_dir()) / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_translations(code: str, folder: Path | None = None) -> gettext.NullTranslations:
    """The compiled catalogue of `code`; English (and a language without a catalogue) is the identity."""
    path = po_path(code, folder)
    if code == DEFAULT or not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as stream:
        catalog = read_po(stream, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


class Catalogs:
    """Each language's `Words`, loaded once per process part that holds this object."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._words: dict[str, Words] = {}
        self._lock = threading.Lock()

    def words(self, code: str) -> Words:
        code = code if code in CODES else DEFAULT
        with self._lock:
            found = self._words.get(code)
            if found is None:
                found = self._words[code] = Words(code, load_translations(code, self.folder))
            return found
