"""The languages the bot speaks, each with how it writes times and durations: the one table a
translator extends (with a catalogue and a folder of templates) to add a language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Language:
    """One language the bot speaks.

    `locale` is the Babel locale whose dates, lists and units it uses: the ILO's English is British
    (14:30, 23 October 2018). `time_pattern` is the CLDR pattern for a clock time where the locale's
    own short form is not how the language is written in running text (French: `14 h 30`).
    """

    code: str
    name: str  # in the language itself, as a reader picks it from a list
    locale: str
    time_pattern: str


LANGUAGES: Final[tuple[Language, ...]] = (
    Language("en", "English", "en_GB", "HH:mm"),
    Language("fr", "Français", "fr_FR", "HH 'h' mm"),
    Language("es", "Español", "es_ES", "H:mm"),
)
CODES: Final[tuple[str, ...]] = tuple(language.code for language in LANGUAGES)
DEFAULT: Final = "en"

_NAMES: Final[dict[str, str]] = {
    "english": "en",
    "anglais": "en",
    "inglés": "en",
    "ingles": "en",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "francés": "fr",
    "frances": "fr",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "espagnol": "es",
}


def language(code: str) -> Language:
    """The language for `code` (one of CODES); English for anything else."""
    for found in LANGUAGES:
        if found.code == code:
            return found
    return LANGUAGES[0]


def language_of(text: str | None) -> str | None:
    """`en`, `fr` or `es` from a code, a chat locale (`fr-FR`, `fr-CA`, `es-419`, `es_ES`) or a name
    ("French", "español"); None for a language the bot does not speak."""
    if not text:
        return None
    word = text.strip().lower().replace("_", "-")
    if word in _NAMES:
        return _NAMES[word]
    base = word.split("-", 1)[0]
    return base if base in CODES else None
