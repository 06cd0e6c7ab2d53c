"""Languages end to end through the stand-in: each reader in theirs, announcements in all three.

The seed webinar lists `languages: [en, fr, es]` and gives its titles in each."""

from __future__ import annotations

from datetime import timedelta

from e2e.harness import MODERATOR, Harness, cest
from e2e.test_people import ims_of, register_in_chat

from bot.i18n.catalogs import Catalogs
from bot.localslack.workspace import Message


def texts(messages: list[Message]) -> list[str]:
    return [m.text + " " + str(m.blocks) for m in messages]


def test_an_announcement_carries_english_french_and_spanish_in_one_message(harness: Harness) -> None:
    bot = harness.start_bot()
    harness.run_until(bot, cest("14:00") + timedelta(seconds=5))
    starts = [t for t in texts(harness.posts(harness.channel("sp-webinar"))) if "Welcoming remarks" in t]
    assert len(starts) == 1  # one message, not three
    assert "Allocutions de bienvenue" in starts[0]  # the item's French title, from the schedule
    assert "Palabras de bienvenida" in starts[0]  # and its Spanish one
    assert starts[0].index("Welcoming remarks") < starts[0].index("Allocutions de bienvenue")


def test_backstage_stays_in_the_webinars_language(harness: Harness) -> None:
    bot = harness.start_bot()
    harness.run_until(bot, cest("14:00") + timedelta(seconds=5))
    backstage = texts(harness.posts(harness.channel("sp-webinar-backstage")))
    assert any("webinar-bot is running" in t for t in backstage)
    assert not any("bienvenida" in t.lower() for t in backstage)


def test_a_registrant_who_chose_french_gets_their_messages_in_french(harness: Harness) -> None:
    bot = harness.start_bot()
    register_in_chat(harness, bot, "participant05", mode="online", language="fr")
    person = harness.slack.user("participant05")
    harness.run_until(bot, cest("14:00") - timedelta(minutes=29))
    dm = ims_of(harness, person.id)[0]
    said = " ".join(texts(harness.posts(dm)))
    french = Catalogs().words("fr")
    assert french("Cancel my registration") in said  # the confirmation's button
    assert "Please start connecting" not in said and "Cancel my registration" not in said


def test_a_spanish_speakers_reply_follows_their_slack_locale(harness: Harness) -> None:
    person = harness.slack.user("participant07")
    person.user.locale = "es-419"
    bot = harness.start_bot()
    harness.run_until(bot, cest("14:20"))
    person.slash("/ask", "¿Cómo se financia el piso de protección social?", channel="sp-webinar-questions")
    bot.tick()
    replies = [e.text for e in person.ephemerals()]
    spanish = Catalogs().words("es")
    assert (
        replies
        and spanish(
            ":white_check_mark: Thanks! Your question is in the thread {place}. Others can vote for it."
        ).split("{place}")[0]
        in replies[-1]
    )


def test_a_french_speaker_is_cued_in_french_and_the_moderators_read_english(harness: Harness) -> None:
    behrendt = harness.slack.user("behrendt")
    behrendt.user.locale = "fr-CH"
    bot = harness.start_bot()
    harness.run_until(bot, cest("14:14"))
    said = " ".join(texts(harness.posts(ims_of(harness, behrendt.id)[0])))
    assert "You're on next" not in said and "Time's up" not in said
    assert "Transition de l'économie informelle" in said or "économie" in said
    harness.run_until(bot, cest("14:16"))
    backstage = texts(harness.posts(harness.channel("sp-webinar-backstage")))
    assert any(f"Time's up for <@{behrendt.id}>" in t for t in backstage)


def test_a_moderators_own_replies_follow_their_language_and_backstage_does_not(harness: Harness) -> None:
    moderator = harness.slack.user(MODERATOR)
    moderator.user.locale = "es-ES"
    bot = harness.start_bot()
    harness.run_until(bot, cest("14:14"))
    moderator.slash("/webinar", "status", channel="sp-webinar-backstage")
    bot.tick()
    assert moderator.ephemerals()[-1].text.startswith("*En directo:")
    panel = [t for t in texts(harness.posts(harness.channel("sp-webinar-backstage"))) if "Live:" in t]
    assert panel  # the panel everyone in backstage reads stays in the webinar's language


def test_a_registrant_who_chose_no_language_is_written_to_in_their_profiles(harness: Harness) -> None:
    from e2e.harness import WEEK_BEFORE
    from e2e.test_people import add_people

    from bot.people.registrants import Details
    from bot.store import create_schema, make_engine
    from bot.store.people import RegistrantStore

    english, french, spanish = add_people(harness, 3)  # profiles en-US, fr-FR, es-ES
    engine = make_engine(harness.database_url)
    create_schema(engine)
    store = RegistrantStore(engine, "social-protection-freedom-justice-2018-10-23")
    for user in (english, french, spanish):  # the organisers' list had no language column
        store.save(Details(user.real_name, "online", email=user.email), WEEK_BEFORE, source="import")
    bot = harness.start_bot()
    harness.run_until(bot, cest("13:31"))
    connect = {
        user.name: " ".join(texts(harness.posts(ims_of(harness, user.id)[0])))
        for user in (english, french, spanish)
    }
    assert "Please start connecting now" in connect["registrant00"]
    assert "Merci de vous connecter dès maintenant" in connect["registrant01"]
    assert "Le rogamos que empiece a conectarse ya" in connect["registrant02"]
