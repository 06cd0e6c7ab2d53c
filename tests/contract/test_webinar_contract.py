"""The contract every chat adapter passes unchanged: what participants, speakers and moderators see
when the seed webinar runs, steered and questioned, through the chat port."""

from __future__ import annotations

from datetime import timedelta

from e2e.harness import cest

from bot.questions.model import QuestionStatus
from bot.timeline.cue import audience_speaker
from contract.platform import Platform, Seen

END = cest("17:16")
S1 = "extension-social-protection-thematic/transition-informal-formal-economy"


def texts(seen: list[Seen]) -> list[str]:
    return [s.text for s in seen]


def test_every_cue_reaches_its_audience_once_and_on_time(platform: Platform) -> None:
    bot = platform.start_bot()
    cues = bot.webinar.session.plan()
    platform.run_until(bot, END)
    receipts = platform.receipts()
    for cue in cues:
        assert receipts.get(cue.id) == [cue.at], cue.id
    keys_in = {
        audience: {s.key for s in platform.seen(platform.room(audience))}
        for audience in ("announcements", "questions", "backstage")
    }
    for cue in cues:
        speaker = audience_speaker(cue.audience)
        if speaker is None:
            assert cue.id in keys_in[cue.audience], cue.id
        else:
            assert cue.id in {s.key for s in platform.direct(platform.person(speaker))}, cue.id


def test_a_speaker_gets_the_warning_and_the_end_signal_when_their_slot_ends(platform: Platform) -> None:
    bot = platform.start_bot()
    behrendt = platform.person("behrendt")
    platform.run_until(bot, cest("14:14"))
    assert any("1 min left" in t for t in texts(platform.direct(behrendt)))
    assert not any("Time's up" in t for t in texts(platform.direct(behrendt)))
    platform.run_until(bot, cest("14:15"))
    assert any("Time's up" in t for t in texts(platform.direct(behrendt)))
    assert any(
        "Time's up for @Christina Behrendt" in t for t in texts(platform.seen(platform.room("backstage")))
    )


def test_each_thematic_session_gets_its_own_numbered_question_thread(platform: Platform) -> None:
    bot = platform.start_bot()
    platform.run_until(bot, END)
    openings = [
        s for s in platform.seen(platform.room("questions")) if (s.key or "").startswith("thread_open:")
    ]
    sessions = list(bot.webinar.session.agenda.sessions())
    assert len(openings) == len(sessions) == 8
    numbers = [s.text.split("Questions for session ", 1)[1].split(":", 1)[0] for s in openings]
    assert numbers == [str(n) for n in range(1, 9)]  # one numbering, the one /webinar questions N uses


def test_a_question_is_filed_in_its_sessions_thread_and_votes_rank_it_in_the_digest(
    platform: Platform,
) -> None:
    bot = platform.start_bot()
    platform.run_until(bot, cest("14:11"))
    questions = platform.room("questions")
    thread = next(s for s in platform.seen(questions) if (s.key or "").startswith(f"thread_open:{S1}"))
    asker, quiet = platform.person("participant05"), platform.person("participant06")
    asker.says(questions, "What about pensions for informal workers?")
    quiet.replies(questions, thread.id, "And domestic workers?")
    bot.tick()
    copy = next(s for s in platform.seen(questions) if "pensions for informal workers" in s.text)
    assert copy.thread == thread.id and "@" in copy.text  # in the session's thread, with who asked
    assert any("Thanks! Your question is in the thread" in t for t in asker.private())
    for voter in ("participant07", "participant08"):
        platform.person(voter).reacts(questions, copy.id)
    asker.reacts(questions, copy.id)  # the author's own vote does not count
    platform.run_until(bot, cest("14:20"))
    digest = next(
        s for s in platform.seen(platform.room("backstage")) if (s.key or "").startswith("discussion_start:")
    )
    assert digest.text.index("pensions") < digest.text.index("domestic workers")
    assert "2 " in digest.text.split("pensions", 1)[1].split("\n", 2)[1]  # two votes
    assert "question_answered" in digest.buttons


def test_a_moderators_delay_moves_every_later_cue_and_participants_hear_of_it(platform: Platform) -> None:
    bot = platform.start_bot()
    before = {c.id: c.at for c in bot.webinar.session.plan()}
    platform.run_until(bot, cest("14:32"))
    reply = platform.person("ortiz").command(platform.room("backstage"), "webinar", "delay 7")
    assert "7 min" in reply
    bot.tick()
    after = {c.id: c.at for c in bot.webinar.session.plan()}
    later = [cue_id for cue_id, at in before.items() if at > cest("14:32")]
    assert later and all(after[cue_id] - before[cue_id] == timedelta(minutes=7) for cue_id in later)
    assert any("delayed the session by 7 min" in t for t in texts(platform.seen(platform.room("backstage"))))
    news = [
        s
        for s in platform.seen(platform.room("announcements"))
        if (s.key or "").startswith("schedule_change:")
    ]
    assert (
        len(news) == 1 and "running 7 min late" in news[0].text and "14:42" in news[0].text
    )  # the next speaker, 7 min on


def test_a_participant_cannot_steer(platform: Platform) -> None:
    bot = platform.start_bot()
    platform.run_until(bot, cest("14:05"))
    reply = platform.person("participant03").command(platform.room("announcements"), "webinar", "next")
    assert "only the webinar's moderators" in reply
    assert bot.webinar.session.state.adjustments == type(bot.webinar.session.state.adjustments)()


def test_a_skipped_speakers_successor_is_told_at_once_and_the_skipped_cues_are_withdrawn(
    platform: Platform,
) -> None:
    bot = platform.start_bot()
    platform.run_until(bot, cest("14:49"))
    astor = platform.person("astor")
    before = len(platform.direct(astor))
    platform.person("ortiz").command(platform.room("backstage"), "webinar", "skip ortiz")
    bot.tick()
    told = texts(platform.direct(astor))[before:]
    assert any("You're on next" in t and "14:50" in t for t in told), told  # her standby was due at 14:45
    backstage = texts(platform.seen(platform.room("backstage")))
    assert any("skipped Isabel Ortiz" in t and "withdrawn" in t for t in backstage)
    platform.run_until(bot, END)
    withdrawn = [e for e in bot.webinar.outbox.entries() if e.status.value == "void"]
    assert withdrawn and all("ortiz" in e.cue_id for e in withdrawn)
    receipts = platform.receipts()
    assert all(len(receipts.get(c.id, [])) == 1 for c in bot.webinar.session.plan())


def test_a_crash_and_restart_repeats_nothing_and_loses_nothing(platform: Platform) -> None:
    bot = platform.start_bot()
    cues = bot.webinar.session.plan()
    platform.run_until(bot, cest("14:39:59"))
    platform.clock.set(cest("14:40"))
    assert bot.webinar.runner.scheduler.run_due() > 0  # claimed, not yet sent
    restarted = platform.crash(bot)
    platform.run_until(restarted, END)
    receipts = platform.receipts()
    for cue in cues:
        times = receipts.get(cue.id, [])
        assert len(times) == 1, cue.id
        assert timedelta(0) <= times[0] - cue.at <= timedelta(seconds=1), cue.id


def test_nothing_in_a_question_pings_anyone(platform: Platform) -> None:
    bot = platform.start_bot()
    platform.run_until(bot, cest("14:11"))
    questions = platform.room("questions")
    platform.person("participant09").says(questions, "@channel @room <!channel> <b>hi</b> {{ 7 * 7 }}")
    bot.tick()
    copy = next(s for s in platform.seen(questions) if "{{ 7 * 7 }}" in s.text)
    assert "<!channel>" in copy.text and "<b>hi</b>" in copy.text  # shown literally, as typed
    stored = bot.webinar.questions.all()
    assert [q.text for q in stored] == ["@channel @room <!channel> <b>hi</b> {{ 7 * 7 }}"]


def test_a_moderator_marks_a_question_answered_with_the_digests_button(platform: Platform) -> None:
    bot = platform.start_bot()
    platform.run_until(bot, cest("14:11"))
    platform.person("participant05").says(platform.room("questions"), "Who pays for it?")
    bot.tick()
    platform.run_until(bot, cest("14:20"))
    backstage = platform.room("backstage")
    digest = next(s for s in platform.seen(backstage) if (s.key or "").startswith("discussion_start:"))
    platform.person("ortiz").presses(backstage, digest.id, "question_answered")
    bot.tick()
    [question] = bot.webinar.questions.all()
    assert question.status is QuestionStatus.ANSWERED
