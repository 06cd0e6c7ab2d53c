"""Schedule keys for languages: `language`, `languages`, and titles given per language."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.agenda.load import load_schedule

Write = Callable[..., Path]

BODY = """\
languages: [en, fr, es]
agenda:
  - time: "14:00-14:30"
    title: {en: Opening, fr: Ouverture, es: Apertura}
    sessions:
      - title: {en: Gender gaps, fr: Écarts entre les sexes}
        slots:
          - {speaker: ana, minutes: 5}
  - time: "14:30-15:00"
    title: Closing
"""


def test_a_title_per_language_is_read_with_the_webinars_language_first(write_schedule: Write) -> None:
    result = load_schedule(write_schedule(BODY))
    assert result.agenda is not None
    opening = result.agenda.items[0]
    assert opening.title == "Opening"
    assert dict(opening.title_l10n) == {"en": "Opening", "fr": "Ouverture", "es": "Apertura"}
    assert result.agenda.settings.channel_languages == ("en", "fr", "es")


def test_a_key_stays_the_same_whether_the_title_is_given_once_or_per_language(write_schedule: Write) -> None:
    plain = load_schedule(
        write_schedule(BODY.replace("{en: Opening, fr: Ouverture, es: Apertura}", "Opening"))
    )
    per_language = load_schedule(write_schedule(BODY))
    assert plain.agenda is not None and per_language.agenda is not None
    assert plain.agenda.items[0].key == per_language.agenda.items[0].key


def test_check_warns_where_a_title_is_missing_in_one_of_the_languages(write_schedule: Write) -> None:
    warnings = [p.message for p in load_schedule(write_schedule(BODY)).problems if not p.is_error]
    assert any("no title in es" in w and "Gender gaps" in w for w in warnings)
    assert any("no title in fr, es" in w and "Closing" in w for w in warnings)
    assert not any("Opening" in w and "no title" in w for w in warnings)


def test_an_unknown_language_is_an_error_naming_the_ones_the_bot_speaks(write_schedule: Write) -> None:
    problems = load_schedule(write_schedule("language: de\n" + BODY)).problems
    assert any(p.is_error and "language 'de'" in p.message and "en, fr, es" in p.message for p in problems)
    problems = load_schedule(write_schedule(BODY.replace("[en, fr, es]", "[en, pt]"))).problems
    assert any(p.is_error and "not pt" in p.message for p in problems)


def test_a_title_in_a_language_the_bot_does_not_speak_is_a_warning(write_schedule: Write) -> None:
    body = BODY.replace("es: Apertura}", "es: Apertura, de: Eröffnung}")
    problems = load_schedule(write_schedule(body)).problems
    assert any(not p.is_error and "title in 'de'" in p.message for p in problems)
