"""Every message, button, form and reply, rendered in every language the bot speaks.

The seed-like webinar below gives every title in English, French and Spanish and nothing else in
English, so any English word in a French or Spanish rendering is one the bot left untranslated: a
missing template, a missing catalogue entry, or a sentence written in code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.agenda.load import load_schedule
from bot.agenda.model import Agenda
from bot.chat.message import Mention, Message, plain
from bot.i18n.catalogs import Catalogs, po_path
from bot.i18n.languages import CODES
from bot.i18n.localized import Phrase
from bot.i18n.words import Words
from bot.kinds import KIND_NAMES, Kind
from bot.messages.cues import render_cue
from bot.messages.render import Renderer, default_templates_dir
from bot.people import views as people_views
from bot.people.registrants import Attendee, Registrant
from bot.people.state import PeopleState
from bot.questions import views as question_views
from bot.questions.model import FORMER, Question, QuestionStatus, SessionInfo, WebinarInfo
from bot.questions.report import markdown
from bot.runtime.controls import ControlError, apply_control, parse_control
from bot.runtime.live import LiveState
from bot.store.people import ConnectionRequest
from bot.timeline.adjustments import NO_ADJUSTMENTS
from bot.timeline.changes import Told, notices_for_change
from bot.timeline.cue import Cue
from bot.timeline.planner import plan
from bot.timeline.units import place_units

OTHERS = tuple(code for code in CODES if code != "en")
# Phrases the bot says in English; none may be left in a French or Spanish message.
ENGLISH = (
    "time's up",
    "you're on",
    "please",
    "thank you",
    "thanks",
    "register",
    "reply in this thread",
    "change of plan",
    "is starting",
    " left",
    "next:",
    "connection guide",
    "your slot",
    "ahead of the plan",
    "off the programme",
    "ask your questions",
    "reminder",
    "registration",
    "to be confirmed",
    "checked in",
    "taking care",
    "resolved",
    "confirmed",
    "decline",
    "the moderators",
    " the ",
    " and ",
    " with ",
    " your ",
    " you ",
    " is ",
    " are ",
    " until ",
    " now",
    "questions go",
    "how to connect",
    "session ",
    "anonymous",
    "former participant",
    "hour",
    "day",
)

SCHEDULE = """\
title:
  en: Social protection for all
  fr: La protection sociale pour tous
  es: Protección social para todos
timezone: Europe/Zurich
date: 2018-10-23
language: en
languages: [en, fr, es]
connection:
  platform: WebEx
  url: https://example.org/j
  guide_url: https://example.org/g
  details: WebEx 2.0
registration:
  open: true
  closes_before: 1d
  modes: [online, in_person]
  venue: "OIT, 4 route des Morillons, Genève"
  requirements: "0,5 Mbps"
  contacts: [org@example.org]
reminders:
  - {before: 7d, template: connection_guide}
  - {before: 7d, template: connection_guide, to: online}
  - {before: 30m, template: connect_now}
  - {before: 30m, template: connect_now, to: online}
  - {before: 1d, template: venue, to: in_person}
  - {at: "2018-10-22 09:00", template: reminder, to: registrants}
  - {before: 2h, template: reminder, to: speakers}
channels: {announcements: webinar, questions: webinar-questions, backstage: webinar-backstage}
moderators: [mod]
speakers:
  mod: {name: Maria Ortiz, slack: U0MOD}
  ana: {name: Ana Tembo, role: COTU-K, slack: U0ANA}
  ben: {name: Ben Otieno, slack: U0BEN, confirmed: false}
agenda:
  - time: "14:00-14:10"
    title: {en: Opening, fr: Ouverture, es: Apertura}
    speakers: [mod, ben]
  - time: "14:10-14:45"
    title: {en: Social protection floors, fr: Socles de protection sociale, es: Pisos de protección social}
    sessions:
      - title: {en: Gender gaps, fr: Écarts entre les sexes, es: Brechas de género}
        slots:
          - {speaker: ana, minutes: 5}
          - {speaker: ben, minutes: 5}
          - {discussion: 10}
          - {title: {en: Coffee, fr: Café, es: Café}, minutes: 5}
  - time: "14:45-15:00"
    title: {en: Closing, fr: Clôture, es: Clausura}
"""
START = datetime(2018, 10, 23, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def agenda(tmp_path_factory: pytest.TempPathFactory) -> Agenda:
    path = tmp_path_factory.mktemp("i18n") / "webinar.yaml"
    path.write_text(SCHEDULE, encoding="utf-8")
    result = load_schedule(path)
    assert result.agenda is not None, [str(p) for p in result.problems]
    return result.agenda


def english_in(text: str) -> list[str]:
    """The English phrases in `text`, once commands, cue kinds, addresses and emoji are set aside
    (they are the same in every language)."""
    lowered = f" {text.lower()} "
    lowered = re.sub(
        r"`[^`]*`|https?://\S+|[\w.+-]+@[\w.-]+|:[a-z0-9_+-]+:|/(webinar|ask)( [a-z]+)?", " ", lowered
    )
    lowered = re.sub(r"\b(" + "|".join(KIND_NAMES) + r")\b", " ", lowered)
    return [phrase for phrase in ENGLISH if phrase in lowered]


def every_cue(agenda: Agenda) -> Iterator[Cue]:
    """The plan, with registrants of both modes, a speaker to be confirmed, a steered overrun and
    each kind of change notice (a delay, a skip, a speaker moved), so every template renders."""
    people = PeopleState(
        (
            Attendee("r1", "online", START - timedelta(days=30), "fr"),
            Attendee("r2", "in_person", START - timedelta(days=30), "es"),
        )
    )
    yield from plan(agenda, people=people)
    placement = place_units(agenda, NO_ADJUSTMENTS)
    ana = next(u for u in placement.units if u.unit.speaker == "ana")
    steered = NO_ADJUSTMENTS.with_start(ana.key, ana.start)
    yield from plan(agenda, steered, people=people)
    late = steered.with_delay(ana.start, timedelta(minutes=7))
    notices, _ = notices_for_change(
        agenda, place_units(agenda, steered), place_units(agenda, late), ana.start, Told(), ()
    )
    ben = next(u for u in placement.units if u.unit.speaker == "ben")
    skipped = late.with_skip(ben.key)
    more, _ = notices_for_change(
        agenda, place_units(agenda, late), place_units(agenda, skipped), ana.start, Told(), notices
    )
    yield from plan(agenda, skipped, more, people)


def rendered(renderer: Renderer, cue: Cue) -> str:
    extra = {
        "channel_ids": {"questions": "C0Q"},
        "sent_ts": int(cue.at.timestamp()),
        "registrant": {
            "name": "Ana",
            "title": "Secrétaire",
            "organisation": "COTU-K",
            "phone": "+254 700",
            "mode": "in_person" if "r2" in cue.audience else "online",
            "language": "fr",
            "language_name": "Français",
            "timezone": "Africa/Nairobi",
            "source": "import" if "r2" in cue.audience else "chat",
            "confirmed": "r2" in cue.audience,
        },
    }
    message = render_cue(renderer, cue, extra)
    return message.plain + "\n" + "\n".join(plain(s.text) for s in message.sections)


def test_every_template_exists_in_every_language() -> None:
    folder = default_templates_dir()
    english = {p.name for p in (folder / "en").glob("*.j2")}
    for code in OTHERS:
        assert {p.name for p in (folder / code).glob("*.j2")} == english, code


@pytest.mark.parametrize("code", OTHERS)
def test_every_cue_of_the_webinar_is_written_in_french_and_spanish(agenda: Agenda, code: str) -> None:
    renderer = Renderer(language=code, strict=True)
    english = Renderer(language="en", strict=True)
    kinds, templates = set(), set()
    for cue in every_cue(agenda):
        text = rendered(renderer, cue)
        kinds.add(cue.kind)
        templates.add(cue.template)
        assert text.strip(), cue.id
        assert english_in(text) == [], (cue.id, text)
        assert "{" not in text and "}" not in text, (cue.id, text)
        if cue.template != "panel":
            assert text != rendered(english, cue), cue.id
    assert kinds == set(Kind)  # every kind of cue, so every template but the panel's
    assert templates | {"panel"} == renderer.names()


def test_titles_are_shown_in_the_readers_language(agenda: Agenda) -> None:
    start = next(c for c in plan(agenda) if c.kind.value == "item_start" and "opening" in c.id)
    assert "Ouverture (" in render_cue(Renderer(language="fr"), start).plain
    assert "Apertura (" in render_cue(Renderer(language="es"), start).plain
    assert "Opening (" in render_cue(Renderer(language="en"), start).plain


def test_times_dates_and_durations_are_written_the_way_each_language_writes_them() -> None:
    at = datetime(2018, 10, 23, 12, 30, tzinfo=UTC)
    from zoneinfo import ZoneInfo

    zurich = ZoneInfo("Europe/Zurich")
    catalogs = Catalogs()
    fr, es, en = catalogs.words("fr"), catalogs.words("es"), catalogs.words("en")
    assert fr.time(at, zurich) == "14 h 30 CEST"
    assert fr.date(at, zurich) == "23 octobre 2018"
    assert es.duration(timedelta(minutes=5)) == "5 minutos"
    assert en.duration(timedelta(minutes=90)) == "1 hour and 30 minutes"
    assert fr.duration(timedelta(minutes=90)).replace("\xa0", " ") == "1 heure et 30 minutes"
    assert es.date(at, zurich) == "23 de octubre de 2018"


PANEL_CONTEXTS = (
    {"phase": "before", "starts_in": 600, "start_ts": 1540296000, "behind_seconds": 0},
    {"phase": "ended", "behind_seconds": 0},
    {"phase": "paused", "paused_for": 120, "behind_seconds": 0},
    {"phase": "between", "block": "Pause", "behind_seconds": 0},
)


@pytest.mark.parametrize("code", OTHERS)
def test_the_panel_reads_in_each_language(code: str) -> None:
    from bot.i18n.localized import Duration

    renderer = Renderer(language=code)
    unit = {
        "label": "Ana Tembo",
        "speaker": {"name": "Ana Tembo"},
        "session": "x",
        "end_ts": 1540296300,
        "start_ts": 1540296000,
        "length": Duration(300),
    }
    people = {
        "registered": 3,
        "online": 2,
        "in_person": 1,
        "confirmed": 1,
        "checked_in": 1,
        "open_requests": 2,
        "requests": [{"who": "", "missing": "caméra"}, {"who": "Ana", "missing": "micro"}],
        "speakers": [
            {"name": "Ben", "answer": a, "at_ts": 1540296000} for a in ("declined", "confirmed", None)
        ],
    }
    statuses = [
        *PANEL_CONTEXTS,
        {
            "phase": "running",
            "current": unit,
            "next": unit,
            "time_left": Duration(60),
            "behind_seconds": 400,
            "behind": Duration(400),
            "buffer_left": Duration(60),
            "spills": Duration(340),
            "muted": ["standby"],
        },
        {
            "phase": "overrun",
            "current": unit,
            "overrun": Duration(90),
            "behind_seconds": -100,
            "ahead": Duration(100),
        },
        {
            "phase": "running",
            "current": unit,
            "time_left": Duration(60),
            "behind_seconds": 0,
            "buffer_left": Duration(60),
        },
    ]
    for status in statuses:
        context = {
            "webinar": {"title": "Titre", "timezone": "Europe/Zurich"},
            "status": status,
            "people": people,
        }
        text = renderer.render("panel", context).plain
        assert english_in(text) == [], text


def registrant(mode: str = "online") -> Registrant:
    return Registrant(
        "r1",
        "Ana Tembo",
        mode,
        START - timedelta(days=10),
        title="Secrétaire",
        organisation="COTU-K",
        email="ana@example.org",
        phone="+254 700",
        language="fr",
        timezone="Africa/Nairobi",
        person="U0ANA",
    )


def question(**changes: object) -> Question:
    asked = Question(
        1,
        "s",
        "¿Cuándo?",
        "U0ANA",
        "Ana",
        False,
        "reply",
        None,
        None,
        datetime(2018, 10, 23, 12, tzinfo=UTC),
        QuestionStatus.OPEN,
        None,
        3,
    )
    return replace(asked, **changes)  # type: ignore[arg-type]


def views_in(w: Words, agenda: Agenda) -> Iterator[Message]:
    """Every message the views build, for one reader."""
    assert agenda.registration is not None
    person = registrant()
    request = ConnectionRequest(7, "U0ANA", "r1", "caméra", "Nairobi", "open", "U0MOD", START)
    handler = Mention("Maria", "U0MOD")
    yield people_views.closed("Titre", ["org@example.org"], w)
    yield people_views.closed("Titre", [], w)
    yield people_views.welcome(["Titre"], [()], [w])
    yield people_views.updated(person, w)
    yield people_views.updated(replace(person, mode="in_person"), w)
    yield people_views.cancelled(w)
    yield people_views.confirmed(w)
    yield people_views.forgotten(w, True)
    yield people_views.forgotten(w, False, "Ana")
    for status in ("open", "in_hand", "resolved"):
        yield people_views.help_request(replace(request, status=status), person, handler, w)
        yield people_views.help_request(replace(request, status=status), None, None, w)
    yield people_views.help_received(w)
    yield people_views.help_update("in_hand", w)
    yield people_views.help_update("resolved", w)
    yield people_views.speaker_thanks("confirmed", w)
    yield people_views.speaker_thanks("declined", w)
    yield people_views.declined_alert(handler, "ben", w)
    yield people_views.confirmed_note(handler, w)
    yield people_views.here_thanks(w)
    yield Message(
        people_views.counts(
            {"registered": 2, "online": 1, "in_person": 1, "confirmed": 1, "checked_in": 0}, 1, w
        )
    )
    asked = question()
    yield question_views.thread_opening(["Titre"], "+1", [w])
    yield question_views.copy(asked, w)
    yield question_views.copy(question(anonymous=True), w)
    yield question_views.where_it_went("Séance", None, False, w)
    yield question_views.where_it_went("Séance", "https://example.org", True, w)
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Zurich")
    heading = question_views.digest_heading("Séance", w)
    listed = [asked, question(id=2, author_name=FORMER, status=QuestionStatus.ANSWERED, pinned_for="s")]
    yield question_views.digest(heading, "s", listed, 30, "+1", zone, w)
    yield question_views.digest(heading, "s", [], 0, "+1", zone, w)
    yield question_views.home_for_participant("Titre", (), "+1", w)
    yield question_views.home_for_moderator([], w)
    yield question_views.reveal(None, 3, w)
    yield question_views.reveal(asked, 1, w)
    yield question_views.reveal(question(anonymous=True), 1, w)


def texts_of(message: Message) -> list[str]:
    found = [message.plain, *(plain(s.text) for s in message.sections)]
    found += [b.label for b in message.buttons]
    found += [b.label for s in message.sections for b in s.buttons]
    return found


@pytest.mark.parametrize("code", OTHERS)
def test_every_reply_button_and_form_is_in_the_readers_language(agenda: Agenda, code: str) -> None:
    w = Catalogs().words(code)
    assert agenda.registration is not None
    seen = 0
    for message in views_in(w, agenda):
        for text in texts_of(message):
            assert english_in(text) == [], text
            seen += 1
    forms = [
        people_views.registration_form(w, agenda.registration, None, code, "Europe/Zurich", {}),
        people_views.help_form({}, w),
        question_views.ask_form({"s": "Séance 1"}, "s", "", {}, w),
    ]
    for form in forms:
        labels = [form.title, form.submit, form.cancel] + [f.label for f in form.fields]
        for label in labels:
            assert english_in(label) == [], label
    from bot.people.registrants import Details

    problems = Details("", "boat", organisation="x" * 5000, email="nope", phone="abc").problems(
        ("online", "in_person"), w
    )
    assert len(problems) == 5
    for message in problems.values():
        assert english_in(message) == [], message
    assert seen > 60


@pytest.mark.parametrize("code", OTHERS)
def test_every_control_reply_and_backstage_line_is_in_the_readers_language(agenda: Agenda, code: str) -> None:
    w = Catalogs().words(code)
    state = LiveState()
    placement = place_units(agenda, NO_ADJUSTMENTS)
    now = placement.start
    said: list[Phrase] = []
    for text in (
        "start",
        "next",
        "delay 5",
        "extend 2",
        "pause",
        "resume",
        "skip",
        "mute standby",
        "unmute standby",
        "next",
        "next",
    ):
        try:
            outcome = apply_control(agenda, state, parse_control(text), now)
        except ControlError as exc:
            said.append(exc.phrase)
            continue
        state = outcome.state
        said += [outcome.reply, *([outcome.log] if outcome.log else [])]
        now += timedelta(minutes=3)
    for text in ("dance", "delay", "delay soon", "delay 900", "mute nothing", "start 99", "start zzz"):
        with pytest.raises(ControlError) as caught:
            parse_control(text) if not text.startswith("start") else apply_control(
                agenda, state, parse_control(text), now
            )
        said.append(caught.value.phrase)
    for phrase in said:
        text = plain(phrase.inlines(w, who="Maria"))
        assert english_in(text) == [], (phrase.text, text)
        assert "{" not in text, text
    assert len(said) > 15


@pytest.mark.parametrize("code", OTHERS)
def test_the_report_for_the_minutes_is_in_the_webinars_language(code: str) -> None:
    w = Catalogs().words(code)
    info = WebinarInfo("k", "Titre", "Europe/Zurich", "2018-10-23", code)
    answered = question(author_name=FORMER, status=QuestionStatus.ANSWERED)
    anonymous = question(id=2, anonymous=True)
    figures = {
        "registered": 3,
        "online": 2,
        "in_person": 1,
        "confirmed": 1,
        "checked_in": 1,
        "connection_requests": 1,
        "open_requests": 0,
    }
    sessions = [SessionInfo("s", 1, 0, "Séance", "Bloc")]
    asked = [
        answered,
        anonymous,
        question(id=3, session_key="general"),
        question(id=4, status=QuestionStatus.HIDDEN),
    ]
    report = markdown(info, sessions, asked, figures, w)
    assert english_in(report.replace("Titre", "")) == [], report
    assert ("octobre" if code == "fr" else "octubre") in report


@pytest.mark.parametrize("code", OTHERS)
def test_the_catalogue_translates_every_entry_keeping_its_placeholders(code: str) -> None:
    with po_path(code).open("rb") as stream:
        catalog = read_po(stream, locale=code)
    with (po_path(code).parents[2] / "bot.pot").open("rb") as stream:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(stream) if m.id}
    given = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    assert sorted(template - set(given)) == []  # a missing key
    for msgid, entry in given.items():
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        assert all(strings), f"{code}: {msgid!r} is not translated"
        wanted = set(re.findall(r"\{(\w+)\}", " ".join(ids)))
        for string in strings:
            assert set(re.findall(r"\{(\w+)\}", string)) == wanted, (code, msgid, string)


def test_a_language_without_a_catalogue_falls_back_to_english(tmp_path: Path) -> None:
    words = Catalogs(tmp_path).words("fr")
    assert words("Register") == "Register" and words.time(START) == "12 h 00"
