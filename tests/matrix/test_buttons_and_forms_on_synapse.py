"""Buttons and forms on Synapse: what a Slack user does by button or modal, a Matrix user does by a
keycap reaction and a short exchange in their direct room with the bot."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from contract.matrix_platform import MatrixPerson, MatrixPlatform
from e2e.harness import WEEK_BEFORE, cest
from matrix.fixtures import MatrixWorld

from bot.agenda.model import Agenda
from bot.launch import RunningBot
from bot.questions.model import QuestionStatus

TO_BE_CONFIRMED = "pal"


class Platform(MatrixPlatform):
    """The seed webinar with one speaker still to be confirmed (the seed has none)."""

    def _accounts(self, agenda: Agenda) -> Agenda:
        agenda = super()._accounts(agenda)
        speakers = dict(agenda.speakers)
        speakers[TO_BE_CONFIRMED] = dataclasses.replace(speakers[TO_BE_CONFIRMED], confirmed=False)
        return dataclasses.replace(agenda, speakers=speakers)


def person(platform: MatrixPlatform, key: str) -> MatrixPerson:
    found = platform.person(key)
    assert isinstance(found, MatrixPerson)
    return found


def quick(platform: MatrixPlatform, key: str) -> MatrixPerson:
    """Someone who answers a whole form in one go: past Synapse's shipped burst of ten messages a
    test would wait five seconds a message, so their account is exempted, as the bot's is."""
    world = platform.world
    world.synapse.exempt_from_rate_limits(world.admin, world.user_id(key))
    return person(platform, key)


def notices(platform: MatrixPlatform, who: MatrixPerson) -> list[str]:
    return [s.text for s in platform.in_direct(who.id, "m.notice")]


def status(bot: RunningBot, question_id: int) -> QuestionStatus:
    found = bot.webinar.questions.get(question_id)
    assert found is not None
    return found.status


def opens_form(platform: MatrixPlatform, bot: RunningBot, who: MatrixPerson, command: str) -> str:
    """`!webinar register` (or `!ask`) in the announcements room; the form comes to the direct room,
    which the person joins. Returns that room."""
    who.says(platform.room("announcements"), command)
    bot.tick()  # the form goes out through the sender
    return who.joins_direct()


def test_a_participant_registers_through_the_exchange_and_is_written_to_in_french(
    matrix_world: MatrixWorld, tmp_path: Path
) -> None:
    platform = MatrixPlatform(matrix_world, tmp_path)
    try:
        bot = platform.start_bot()
        ana = quick(platform, "participant07")
        room = opens_form(platform, bot, ana, "!webinar register")
        assert "1/7 · Name" in notices(platform, ana)[-1]
        for text in ("Ana Duarte", "-", "CGT", "-", "1", "Français"):
            ana.says(room, text)
        assert "7/7 · My time zone" in notices(platform, ana)[-1]
        ana.says(room, "-")  # keeps Europe/Zurich
        bot.tick()
        [registrant] = [r for r in bot.webinar.people.registrants.all() if r.person == ana.id]
        assert (registrant.name, registrant.organisation, registrant.mode, registrant.language) == (
            "Ana Duarte",
            "CGT",
            "online",
            "fr",
        )
        registered = [s for s in platform.direct(ana) if (s.key or "").startswith("registered:")]
        assert len(registered) == 1 and "Votre inscription est enregistrée" in registered[0].text
        assert "Ana Duarte, CGT" in registered[0].text
        assert not bot.webinar.questions.all()  # the answers were not questions

        platform.run_until(bot, WEEK_BEFORE.replace(hour=14, minute=1))  # the connection guide, a week before
        guide = next(s for s in platform.direct(ana) if (s.key or "").startswith("reminder:"))
        ana.presses(room, guide.id, "connection_help")
        bot.tick()
        asked = notices(platform, ana)[-1]
        assert "1/2 ·" in asked and "What is missing?" not in asked  # in French now: her language
        ana.says(room, "Une caméra")
        ana.says(room, "Dakar, Sénégal")
        bot.tick()
        [request] = bot.webinar.people.requests.open()
        assert (request.person, request.missing, request.location) == (ana.id, "Une caméra", "Dakar, Sénégal")
        assert any("Une caméra" in s.text for s in platform.seen(platform.room("backstage")))

        ana.presses(room, registered[0].id, "register_change")  # the form again, filled in: `-` keeps
        bot.tick()
        assert "1/7 ·" in notices(platform, ana)[-1] and "Ana Duarte" in notices(platform, ana)[-1]
        for text in ("-", "-", "FES", "-", "-", "-", "-"):
            ana.says(room, text)
        [changed] = [r for r in bot.webinar.people.registrants.all() if r.person == ana.id]
        assert (changed.name, changed.organisation, changed.language) == ("Ana Duarte", "FES", "fr")
    finally:
        platform.stop()


def test_a_wrong_answer_is_asked_again_a_command_waits_and_cancel_stops_the_form(
    matrix_world: MatrixWorld, tmp_path: Path
) -> None:
    platform = MatrixPlatform(matrix_world, tmp_path)
    try:
        bot = platform.start_bot()
        bo = quick(platform, "participant08")
        room = opens_form(platform, bot, bo, "!webinar register")
        for text in ("Bo", "-", "-", "-"):
            bo.says(room, text)
        bo.says(room, "seven")
        assert "Please answer with a number from 1 to 2." in notices(platform, bo)[-1]
        assert "5/7 · How will you take part?" in notices(platform, bo)[-1]
        bo.says(room, "!webinar status")
        assert "You are filling in Register" in notices(platform, bo)[-1]
        bo.says(room, "cancel")
        assert "Cancelled: Register was not sent." in notices(platform, bo)[-1]
        bot.tick()
        assert [r for r in bot.webinar.people.registrants.all() if r.person == bo.id] == []
        bo.says(room, "2")  # after the form, a message in the direct room is nothing
        assert not bot.webinar.questions.all()
    finally:
        platform.stop()


def test_ask_alone_opens_the_question_form_and_an_anonymous_question_is_filed(
    matrix_world: MatrixWorld, tmp_path: Path
) -> None:
    platform = MatrixPlatform(matrix_world, tmp_path)
    try:
        bot = platform.start_bot()
        platform.run_until(bot, cest("14:11"))
        cy = person(platform, "participant10")
        room = opens_form(platform, bot, cy, "!ask")
        assert "1/3 · Session" in notices(platform, cy)[-1]
        for text in ("-", "Who pays for the informal economy?", "1"):
            cy.says(room, text)
        bot.tick()
        [question] = bot.webinar.questions.all()
        assert question.text == "Who pays for the informal economy?" and question.anonymous
        assert any("Thanks! Your question is in the thread" in t for t in notices(platform, cy))
    finally:
        platform.stop()


def test_a_moderator_presses_by_reaction_others_are_refused_and_a_restart_keeps_the_numbers(
    matrix_world: MatrixWorld, tmp_path: Path
) -> None:
    platform = MatrixPlatform(matrix_world, tmp_path)
    try:
        bot = platform.start_bot()
        platform.run_until(bot, cest("14:11"))
        questions, backstage = platform.room("questions"), platform.room("backstage")
        person(platform, "participant05").says(questions, "What about pensions for informal workers?")
        person(platform, "participant06").says(questions, "And domestic workers?")
        bot.tick()
        platform.run_until(bot, cest("14:20"))
        digest = next(s for s in platform.seen(backstage) if (s.key or "").startswith("discussion_start:"))
        assert "1️⃣ Answered · 2️⃣ Hide · 3️⃣ Pin to next discussion" in digest.text
        pensions, domestic = sorted(bot.webinar.questions.all(), key=lambda q: q.id)

        stranger = person(platform, "participant09")
        matrix_world.people["ortiz"].invite(backstage, stranger.id)
        stranger.user.join(backstage)
        stranger.reacts(backstage, digest.id, "1️⃣")
        bot.tick()
        assert "only the webinar's moderators" in stranger.private()[-1]
        assert status(bot, pensions.id) is QuestionStatus.OPEN

        ortiz = person(platform, "ortiz")
        ortiz.reacts(backstage, digest.id, "2️⃣")  # Hide the first: the digest is edited, the second moves up
        bot.tick()
        assert status(bot, pensions.id) is QuestionStatus.HIDDEN
        edited = next(s for s in platform.seen(backstage) if s.id == digest.id)
        assert "pensions" not in edited.text and edited.text.index("domestic") < edited.text.index("1️⃣")

        bot = platform.crash(bot)  # the numbers are read back from the homeserver, latest edit included
        ortiz.reacts(backstage, digest.id, "1️⃣")
        bot.tick()
        assert status(bot, domestic.id) is QuestionStatus.ANSWERED
        assert status(bot, pensions.id) is QuestionStatus.HIDDEN
        ortiz.reacts(backstage, digest.id, "👍")  # a vote stays a vote, nothing pressed
        assert status(bot, domestic.id) is QuestionStatus.ANSWERED
    finally:
        platform.stop()


def test_a_speaker_confirms_and_checks_in_by_reaction_across_a_restart(
    matrix_world: MatrixWorld, tmp_path: Path
) -> None:
    platform = Platform(matrix_world, tmp_path)
    try:
        bot = platform.start_bot()
        platform.run_until(bot, WEEK_BEFORE.replace(hour=14, minute=1))
        pal = person(platform, TO_BE_CONFIRMED)
        room = pal.joins_direct()
        ask = next(s for s in platform.direct(pal) if (s.key or "").startswith("confirm_request:"))
        assert "1️⃣ Confirm · 2️⃣ Decline" in ask.text
        pal.presses(room, ask.id, "speaker_confirm")
        assert bot.webinar.people.answers.all()[TO_BE_CONFIRMED].answer == "confirmed"
        keycaps = [e for e in pal.user.events(room, sender=pal.id) if e["type"] == "m.reaction"]
        assert keycaps and all(not e["content"] for e in keycaps)  # taken back: it can be pressed again
        bot.tick()
        assert any("confirmed" in s.text for s in platform.seen(platform.room("backstage")))

        platform.run_until(bot, cest("13:51"))  # Christina Behrendt speaks first, at 14:10
        behrendt = person(platform, "behrendt")
        room = behrendt.joins_direct()
        checkin = next(s for s in platform.direct(behrendt) if (s.key or "").startswith("checkin:"))
        bot = platform.crash(bot)  # the number is read back from the homeserver
        behrendt.presses(room, checkin.id, "speaker_here")
        assert bot.webinar.people.answers.all()["behrendt"].checked_in_at is not None
        bot.tick()
        assert behrendt.private()  # thanked
    finally:
        platform.stop()
