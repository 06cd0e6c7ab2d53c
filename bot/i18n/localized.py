"""Values a cue's context carries that each reader sees in their own language: a title the schedule
gives per language, a word of the bot's own (a discussion's default title), a duration.

The planner and the live controls stay language-free: they put these values in a cue's context or
a reply, and each language writes them (`shown`), so one plan serves English, French and Spanish
alike. A `Phrase` is a whole sentence of the catalogue with its values, said later in the reader's
language (a control's reply to a moderator, its line in backstage).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.agenda.model import DISCUSSION, Translations, in_language
from bot.chat.markup import compose
from bot.chat.message import Inline, Inlines
from bot.i18n.words import Words


@dataclass(frozen=True)
class Localized:
    """A text as written in each language: `text` (the webinar's language), `translations` the
    others the schedule gives; `word`: `text` is one of the catalogue's words, translated."""

    text: str
    translations: Translations = ()
    word: bool = False

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    def in_language(self, code: str) -> str:
        return in_language(self.text, self.translations, code)


@dataclass(frozen=True)
class Duration:
    """A length of time, written by each language (`5 min`; `short=False`: `5 minutes`, `7 jours`)."""

    seconds: float
    short: bool = True

    @classmethod
    def of(cls, delta: timedelta, short: bool = True) -> Duration:
        return cls(delta.total_seconds(), short)

    def __bool__(self) -> bool:
        return self.seconds != 0

    def __str__(self) -> str:
        from bot.agenda.durations import format_duration

        return format_duration(timedelta(seconds=self.seconds))


def title(text: str, translations: Translations = ()) -> Localized:
    """A schedule's title; the default discussion title is the bot's own word, so it is translated."""
    return Localized(text, translations, word=text == DISCUSSION and not translations)


@dataclass(frozen=True)
class Phrase:
    """A sentence of the catalogue (`text`, its msgid, marked with `N_` where it is written) and the
    values for its `{placeholders}`: titles, durations, other phrases, names."""

    text: str
    values: tuple[tuple[str, object], ...] = ()
    plural: str | None = None  # the plural msgid, chosen by `count`
    count: int = 1

    @classmethod
    def of(cls, message: str, /, **values: object) -> Phrase:
        return cls(message, tuple(values.items()))

    @classmethod
    def counted(cls, forms: tuple[str, str], count: int, /, **values: object) -> Phrase:
        """A phrase with a singular and a plural (marked with `NP_`); `{count}` is the count."""
        return cls(forms[0], tuple({**values, "count": count}.items()), forms[1], count)

    def template(self, w: Words) -> str:
        return w.plural(self.text, self.plural, self.count) if self.plural else w(self.text)

    def inlines(self, w: Words, **more: Inlines | Inline | str) -> Inlines:
        """The phrase in `w`'s language as message runs; `more` fills placeholders the caller knows
        (the moderator's mention for `{who}`)."""
        values: dict[str, object] = {key: shown(value, w) for key, value in self.values}
        values.update(more)
        return compose(self.template(w), **values)

    def string(self, w: Words) -> str:
        """The phrase as plain text in `w`'s language."""
        values = _Known({key: shown(value, w) for key, value in self.values})
        return self.template(w).format_map(values)

    def __str__(self) -> str:
        return self.string(Words("en"))


class _Known(dict[str, object]):
    """Placeholders a phrase has no value for (`{who}`, filled by whoever shows it) stay as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def shown(value: object, w: Words) -> object:
    """A value as `w`'s language writes it: a title in its language, a word of the catalogue
    translated, a duration in words, a phrase said; anything else as it is."""
    if isinstance(value, Localized):
        return w(value.text) if value.word else value.in_language(w.code)
    if isinstance(value, Duration):
        return w.duration(value.seconds, short=value.short)
    if isinstance(value, Phrase):
        return value.string(w)
    return value


def to_json(value: object) -> object:
    """A context as JSON (a stored change notice), its localized values tagged so `from_json` can
    bring them back."""
    if isinstance(value, Localized):
        pairs = [list(p) for p in value.translations]
        return {"$localized": value.text, "translations": pairs, "word": value.word}
    if isinstance(value, Duration):
        return {"$duration": value.seconds, "short": value.short}
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def from_json(value: object) -> object:
    if isinstance(value, dict):
        if "$localized" in value:
            pairs = tuple((str(c), str(t)) for c, t in value.get("translations") or ())
            return Localized(str(value["$localized"]), pairs, bool(value.get("word")))
        if "$duration" in value:
            return Duration(float(value["$duration"]), bool(value.get("short", True)))
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value
