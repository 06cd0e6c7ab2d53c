"""Discussion questions end to end: every intake path, votes, the digest, moderation, nothing lost."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from e2e.harness import MODERATOR, Harness, cest

from bot.chat.message import Inlines, Message
from bot.i18n.words import Words
from bot.kinds import Kind
from bot.launch import RunningBot
from bot.questions.model import GENERAL, QuestionStatus

QUESTIONS = "sp-webinar-questions"
S1 = "extension-social-protection-thematic/transition-informal-formal-economy"
S2 = "extension-social-protection-thematic/social-protection-gender-gaps"
S4 = "stocktaking-recent-union-activities/workers-organizations-activities"
HOSTILE = [
    "<!channel> urgent",
    "see <https://evil.example|the agenda>",
    "{{ 7 * 7 }} {% if x %}",
    "A" * 40_001,
]


def thread_of(bot: RunningBot, session: str) -> str:
    found = bot.webinar.questions.thread_for(session)
    assert found is not None, f"no thread for {session}"
    return found.id


def bot_texts(harness: Harness, channel: str = QUESTIONS) -> list[str]:
    return [m.text for m in harness.posts(channel)]


@pytest.fixture
def live(harness: Harness) -> RunningBot:
    bot = harness.start_bot()
    harness.run_until(bot, cest("14:11"))  # session 1's thread is open
    return bot


def test_a_reply_in_a_sessions_thread_is_filed_under_that_session(harness: Harness, live: RunningBot) -> None:
    user = harness.slack.user("participant04")
    user.reply(QUESTIONS, thread_of(live, S1), "How do unions reach informal workers?")
    harness.clock.set(cest("14:45"))  # asked later, still filed under its thread's session
    user.reply(QUESTIONS, thread_of(live, S1), "And domestic workers?")
    assert [(q.session_key, q.source) for q in live.webinar.questions.all()] == [
        (S1, "thread"),
        (S1, "thread"),
    ]


def test_a_top_level_question_is_copied_into_the_running_sessions_thread_and_the_author_told(
    harness: Harness, live: RunningBot
) -> None:
    author = harness.slack.user("participant05")
    author.post(QUESTIONS, "What about pensions for informal workers?")
    live.tick()
    (question,) = live.webinar.questions.all()
    assert question.session_key == S1 and question.copy is not None
    copy = next(
        m
        for m in harness.slack.messages(harness.channel(QUESTIONS))
        if question.copy is not None and m.ts == question.copy.id
    )
    assert copy.thread_ts == thread_of(live, S1)
    assert f"<@{author.id}>" in copy.text and "pensions for informal workers" in copy.text
    told = author.ephemerals()[-1].text
    assert "Session 1: The transition from the informal to the formal economy" in told


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("14:05", GENERAL),  # before the first session
        ("14:29:59", S1),  # the last second of session 1
        ("14:30:00", S2),  # the first of session 2
        ("15:20", S4),  # the buffer at the end of block 1: the next session, whose thread is not open yet
        ("17:05", GENERAL),  # after the last session
    ],
)
def test_questions_between_and_around_sessions_go_where_the_rules_say(
    harness: Harness, at: str, expected: str
) -> None:
    bot = harness.start_bot()
    harness.run_until(bot, cest(at))
    harness.slack.user("participant06").post(QUESTIONS, "A question at " + at)
    bot.tick()
    (question,) = bot.webinar.questions.all()
    assert question.session_key == expected
    assert question.copy is not None  # its thread was opened for it if it was not yet
    harness.run_until(bot, cest("17:16"))
    parents = [m for m in harness.posts(QUESTIONS) if m.thread_ts in (None, m.ts)]
    assert len({m.ts for m in parents}) == len(parents)
    if expected not in (GENERAL,):
        opened = [
            m
            for m in parents
            if (m.metadata or {})
            .get("event_payload", {})
            .get("key", "")
            .startswith(f"thread_open:{expected}")
        ]
        assert len(opened) == 1  # opened early, and not a second time when its session began


def test_ask_files_a_question_and_says_where_it_went(harness: Harness, live: RunningBot) -> None:
    asker = harness.slack.user("participant07")
    result = asker.slash("/ask", "Is C102 ratified widely?", channel="general")
    assert result.acked
    live.tick()
    (question,) = live.webinar.questions.all()
    assert (question.session_key, question.source, question.copy is not None) == (S1, "ask", True)
    assert "Thanks! Your question is in the thread" in asker.ephemerals()[-1].text


def test_ask_alone_opens_a_form_that_can_ask_anonymously(harness: Harness, live: RunningBot) -> None:
    asker = harness.slack.user("participant08")
    asker.slash("/ask", "", channel="sp-webinar")
    live.tick()  # the form opens through the sender, like every write
    modal = asker.modal()
    assert modal is not None and modal.callback_id == "ask_question"
    asker.submit_view(
        modal.id,
        {
            "session": {"session": S2},
            "question": {"question": "Is my union safe to name?"},
            "anonymous": {"anonymous": ["yes"]},
        },
    )
    live.tick()
    (question,) = live.webinar.questions.all()
    assert (question.session_key, question.anonymous, question.source) == (S2, True, "modal")
    copy = next(
        m
        for m in harness.slack.messages(harness.channel(QUESTIONS))
        if question.copy is not None and m.ts == question.copy.id
    )
    assert "Anonymous question" in copy.text and asker.id not in copy.text
    assert "anonymously" in asker.ephemerals()[-1].text


def test_an_empty_form_is_refused_in_the_form(harness: Harness, live: RunningBot) -> None:
    asker = harness.slack.user("participant08")
    asker.slash("/ask", "", channel="sp-webinar")
    live.tick()  # the form opens through the sender, like every write
    modal = asker.modal()
    assert modal is not None
    result = asker.submit_view(modal.id, {"question": {"question": "   "}})
    assert result.acked and live.webinar.questions.all() == []


def test_the_message_shortcut_asks_a_message_as_a_question(harness: Harness, live: RunningBot) -> None:
    speaker = harness.slack.user("participant09")
    ts = speaker.post("general", "Could the ILO publish the survey data?")
    harness.slack.user("participant10").shortcut("ask_in_webinar", channel="general", ts=ts)
    live.tick()  # the form opens through the sender, like every write
    modal = harness.slack.user("participant10").modal()
    assert modal is not None
    harness.slack.user("participant10").submit_view(modal.id)
    live.tick()
    (question,) = live.webinar.questions.all()
    assert question.text == "Could the ILO publish the survey data?"
    assert (question.source, question.author_id) == ("shortcut", harness.slack.user("participant10").id)


def test_edits_update_and_deletions_withdraw_a_question_and_its_copy(
    harness: Harness, live: RunningBot
) -> None:
    author = harness.slack.user("participant11")
    ts = author.post(QUESTIONS, "Waht about gig workers?")
    live.tick()
    author.edit(QUESTIONS, ts, "What about gig workers?")
    live.tick()
    (question,) = live.webinar.questions.all()
    assert question.text == "What about gig workers?"
    copy = next(
        m
        for m in harness.slack.messages(harness.channel(QUESTIONS))
        if question.copy is not None and m.ts == question.copy.id
    )
    assert "What about gig workers?" in copy.text
    author.delete(QUESTIONS, ts)
    live.tick()
    question = live.webinar.questions.all()[0]
    assert question.status is QuestionStatus.WITHDRAWN
    assert all(
        question.copy is None or m.ts != question.copy.id
        for m in harness.slack.messages(harness.channel(QUESTIONS))
    )


def test_the_bots_own_messages_and_joins_are_not_questions(harness: Harness, live: RunningBot) -> None:
    harness.slack.workspace.find_channel(QUESTIONS).members.remove(harness.slack.user("participant12").id)  # type: ignore[union-attr]
    harness.slack.user("participant12").join(QUESTIONS)
    harness.run_until(live, cest("14:31"))  # the bot opened session 2's thread meanwhile
    assert live.webinar.questions.all() == []


def test_votes_one_per_person_removable_not_the_authors_nor_the_bots(
    harness: Harness, live: RunningBot
) -> None:
    author = harness.slack.user("participant13")
    ts = author.reply(QUESTIONS, thread_of(live, S1), "Which countries moved fastest?")
    channel = harness.channel(QUESTIONS)
    for name in ("participant14", "participant15", "participant16"):
        harness.slack.user(name).react(channel, ts)
    harness.slack.user("participant16").unreact(channel, ts)
    harness.slack.user("participant17").react(channel, ts, "+1::skin-tone-4")
    harness.slack.user("participant18").react(channel, ts, "heart")
    author.react(channel, ts)
    harness.slack.faults.duplicate_events(count=1)
    harness.slack.user("participant19").react(channel, ts)
    (question,) = live.webinar.questions.all()
    assert question.votes == 4  # 14, 15, 17 (skin tone), 19 (delivered twice, counted once)


def test_the_discussion_digest_ranks_by_votes_then_age_with_moderation_buttons(
    harness: Harness, live: RunningBot
) -> None:
    channel = harness.channel(QUESTIONS)
    asked = []
    for n in range(12):
        asked.append(
            harness.slack.user(f"participant{n + 1:02d}").reply(
                QUESTIONS, thread_of(live, S1), f"Question {n}"
            )
        )
        harness.clock.advance(timedelta(seconds=10))
    for voter in ("participant13", "participant14"):
        harness.slack.user(voter).react(channel, asked[5])
    harness.slack.user("participant15").react(channel, asked[9])
    harness.run_until(live, cest("14:20"))  # the discussion starts
    digest = next(m for m in harness.posts("sp-webinar-backstage") if m.blocks and "Discussion now" in m.text)
    sections = [b["text"]["text"] for b in digest.blocks if b["type"] == "section"][1:]
    assert sections[0].startswith("*1.* Question 5") and sections[1].startswith("*2.* Question 9")
    assert sections[2].startswith("*3.* Question 0")  # then the oldest
    assert len(sections) == 10
    assert any(
        e["action_id"] == "questions_show_all"
        for b in digest.blocks
        if b["type"] == "actions"
        for e in b["elements"]
    )
    backstage = harness.channel("sp-webinar-backstage")
    moderator = harness.slack.user(MODERATOR)
    moderator.click(backstage, digest.ts, "question_answered", value=None)
    live.tick()
    top = live.webinar.questions.ranked(S1)[0]
    assert top.status is QuestionStatus.ANSWERED
    reacted = next(
        m for m in harness.slack.messages(channel) if top.origin is not None and m.ts == top.origin.id
    )
    assert "white_check_mark" in reacted.reactions
    refusal = harness.slack.user("mote").click(backstage, digest.ts, "question_hide")
    assert refusal.acked and live.webinar.questions.get(top.id).status is QuestionStatus.ANSWERED  # type: ignore[union-attr]


def test_a_digest_made_ahead_of_its_discussion_is_made_again_only_if_a_question_came_meanwhile(
    harness: Harness, live: RunningBot
) -> None:
    harness.slack.user("participant01").reply(QUESTIONS, thread_of(live, S1), "Question made ahead")
    harness.run_until(live, cest("14:19:59"))
    due = [c for c in live.webinar.session.plan() if c.at == cest("14:20")]
    moderation = live.webinar.moderation
    made: list[str] = []
    make = moderation.digest

    def counted(session_key: str, heading: Inlines, **options: Any) -> Message:
        made.append(session_key)
        return make(session_key, heading, **options)

    moderation.digest = counted  # type: ignore[method-assign]
    live.webinar.delivery.prerender(due)
    assert made == [S1]  # made ahead, with the cue's message
    harness.slack.user("participant02").reply(QUESTIONS, thread_of(live, S1), "Question asked just before")
    harness.run_until(live, cest("14:20"))
    digest = next(m for m in harness.posts("sp-webinar-backstage") if m.blocks and "Discussion now" in m.text)
    assert "Question asked just before" in digest.text  # it moved: made again
    assert made == [S1, S1]
    later = [
        c for c in live.webinar.session.plan() if c.kind is Kind.DISCUSSION_START and c.at > cest("14:20")
    ]
    next_digest = next(c for c in later if c.template == "discussion_digest")
    harness.run_until(live, next_digest.at - timedelta(seconds=1))
    made.clear()
    live.webinar.delivery.prerender([next_digest])
    harness.run_until(live, next_digest.at)
    assert len(made) == 1  # made ahead; nothing moved, so not made again when due


def test_hide_removes_the_copy_but_keeps_the_question_and_pin_carries_it_to_the_next_discussion(
    harness: Harness, live: RunningBot
) -> None:
    harness.slack.user("participant02").post(QUESTIONS, "Copy me, then hide me")
    harness.slack.user("participant03").post(QUESTIONS, "Carry me to the next discussion")
    harness.run_until(live, cest("14:20"))
    digest = next(m for m in harness.posts("sp-webinar-backstage") if m.blocks and "Discussion now" in m.text)
    backstage = harness.channel("sp-webinar-backstage")
    hidden, carried = sorted(live.webinar.questions.all(), key=lambda q: q.id)
    harness.slack.user(MODERATOR).click(backstage, digest.ts, "question_hide")  # the first button: question 1
    live.tick()
    assert live.webinar.questions.get(hidden.id).status is QuestionStatus.HIDDEN  # type: ignore[union-attr]
    assert all(
        hidden.copy is None or m.ts != hidden.copy.id
        for m in harness.slack.messages(harness.channel(QUESTIONS))
    )
    refreshed = next(m for m in harness.slack.messages(backstage) if m.ts == digest.ts)
    harness.slack.user(MODERATOR).click(backstage, refreshed.ts, "question_pin")
    harness.run_until(live, cest("14:40"))
    second = [m for m in harness.posts("sp-webinar-backstage") if m.blocks and "Discussion now" in m.text][-1]
    first_question = [b["text"]["text"] for b in second.blocks if b["type"] == "section"][1]
    assert ":pushpin:" in first_question and "Carry me" in first_question
    assert carried.session_key == S1


def test_questions_on_demand_and_the_app_home_for_moderators(harness: Harness, live: RunningBot) -> None:
    harness.slack.user("participant02").reply(QUESTIONS, thread_of(live, S1), "On demand?")
    moderator = harness.slack.user(MODERATOR)
    moderator.slash("/webinar", "questions", channel="sp-webinar-backstage")
    assert "On demand?" in str(moderator.ephemerals()[-1].blocks or moderator.ephemerals()[-1].text)
    moderator.open_home()
    live.tick()
    home = moderator.home()
    assert home is not None and "On demand?" in str(home.blocks)
    participant = harness.slack.user("participant03")
    participant.open_home()
    live.tick()
    assert participant.home() is not None and "On demand?" not in str(participant.home().blocks)  # type: ignore[union-attr]


def test_hostile_text_is_stored_and_shown_literally_and_safely(harness: Harness, live: RunningBot) -> None:
    for n, text in enumerate(HOSTILE):
        harness.slack.user(f"participant0{n + 1}").post(QUESTIONS, text)
    harness.run_until(live, cest("14:20"))
    stored = sorted(live.webinar.questions.all(), key=lambda q: q.id)
    assert [q.text for q in stored] == HOSTILE
    for text in bot_texts(harness) + bot_texts(harness, "sp-webinar-backstage"):
        assert "<!channel>" not in text and "<https://evil" not in text and len(text) <= 40_000
    copies = [m.text for m in harness.posts(QUESTIONS) if m.thread_ts not in (None, m.ts)]
    assert any("&lt;!channel&gt; urgent" in t for t in copies)
    assert any("{{ 7 * 7 }}" in t for t in copies) and not any("49" in t for t in copies)
    report = live.webinar.moderation.report("md")
    assert "<!channel> urgent" in report and "A" * 40_001 in report


def test_a_restart_in_a_busy_discussion_loses_nothing(harness: Harness) -> None:
    bot = harness.start_bot()
    harness.run_until(bot, cest("14:21"))
    channel = harness.channel(QUESTIONS)
    for n in range(1, 11):
        harness.slack.user(f"participant{n:02d}").post(QUESTIONS, f"Busy question {n}")
    for n in range(11, 16):
        harness.slack.user(f"participant{n:02d}").react(channel, harness.slack.messages(channel)[-1].ts)
    bot.crash()  # the copies were queued, not sent
    restarted = harness.start_bot()
    restarted.tick()
    stored = restarted.webinar.questions.all()
    assert len(stored) == 10 and all(q.copy for q in stored)
    copies = [
        m for m in harness.posts(QUESTIONS) if m.thread_ts not in (None, m.ts) and "Busy question" in m.text
    ]
    assert len(copies) == 10  # each once
    assert restarted.webinar.questions.vote_total() == 5


def test_anonymous_stays_anonymous_in_every_output(harness: Harness, live: RunningBot) -> None:
    asker = harness.slack.user("participant20")
    asker.slash("/ask", "", channel="sp-webinar")
    live.tick()  # the form opens through the sender, like every write
    modal = asker.modal()
    assert modal is not None
    asker.submit_view(
        modal.id, {"question": {"question": "A brave question"}, "anonymous": {"anonymous": ["yes"]}}
    )
    harness.run_until(live, cest("14:20"))
    outputs = bot_texts(harness) + [str(m.blocks) for m in harness.posts("sp-webinar-backstage")]
    outputs += [live.webinar.moderation.report(fmt) for fmt in ("md", "csv", "json")]
    moderator = harness.slack.user(MODERATOR)
    moderator.open_home()
    live.tick()
    outputs.append(str(moderator.home().blocks))  # type: ignore[union-attr]
    for output in outputs:
        assert asker.id not in output and "Participant 20" not in output
    assert any("A brave question" in o for o in outputs)
    reveal_reply = moderator.slash("/webinar", "reveal 1", channel="sp-webinar-backstage")
    assert reveal_reply.acked and asker.id in moderator.ephemerals()[-1].text
    live.tick()
    assert any("looked up who asked question 1" in t for t in bot_texts(harness, "sp-webinar-backstage"))


def test_the_report_is_uploaded_to_backstage(harness: Harness, live: RunningBot) -> None:
    harness.slack.user("participant02").reply(QUESTIONS, thread_of(live, S1), "For the minutes")
    moderator = harness.slack.user(MODERATOR)
    moderator.slash("/webinar", "report", channel="sp-webinar-backstage")
    live.tick()
    files = harness.slack.wait_for(
        lambda: [f for f in harness.slack.workspace.files.values() if f.completed], timeout=10
    )
    assert "For the minutes" in files[0].content.decode()
    assert harness.channel("sp-webinar-backstage") in files[0].shares


def test_the_report_command_writes_markdown_csv_and_json_from_the_database(
    harness: Harness, live: RunningBot, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv
    import io
    import json

    from bot.cli import main

    channel = harness.channel(QUESTIONS)
    ts = harness.slack.user("participant02").reply(QUESTIONS, thread_of(live, S1), "Minutes | with a pipe")
    harness.slack.user("participant03").react(channel, ts)
    harness.slack.user("participant04").slash("/ask", "", channel="sp-webinar")
    live.tick()  # the form opens through the sender, like every write
    modal = harness.slack.user("participant04").modal()
    assert modal is not None
    harness.slack.user("participant04").submit_view(
        modal.id, {"question": {"question": "Anonymous one"}, "anonymous": {"anonymous": ["yes"]}}
    )
    live.tick()  # names are looked up off the listeners' threads
    assert main(["report", "--db", harness.database_url]) == 0
    markdown = capsys.readouterr().out
    assert "# Questions: Social Protection" in markdown
    assert "## Session 1: The transition from the informal to the formal economy and ILO work" in markdown
    assert "Minutes \\| with a pipe | 1 | no | Participant 02 | 14:11 CEST |" in markdown
    assert "| Anonymous one | 0 | no | anonymous |" in markdown
    assert main(["report", "--db", harness.database_url, "--format", "csv"]) == 0
    records = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["question"] for r in records} == {"Minutes | with a pipe", "Anonymous one"}
    assert main(["report", "--db", harness.database_url, "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["timezone"] == "Europe/Zurich" and len(document["questions"]) == 2


def test_a_reply_that_outruns_the_bots_record_of_its_thread_is_still_filed(
    harness: Harness, live: RunningBot
) -> None:
    from sqlalchemy import delete

    from bot.store.tables import threads

    parent = thread_of(live, S1)
    with live.webinar.questions.engine.begin() as conn:  # as if the parent's post had not been confirmed yet
        conn.execute(delete(threads))
    harness.slack.user("participant03").reply(QUESTIONS, parent, "Quick, before the bot knows its thread")
    (question,) = live.webinar.questions.all()
    assert question.session_key == S1 and question.source == "thread"


def test_questions_n_is_the_session_its_thread_is_titled_with_and_an_unknown_number_is_said(
    harness: Harness, live: RunningBot
) -> None:
    moderator = harness.slack.user(MODERATOR)
    harness.run_until(live, cest("14:31"))
    titles = [m.text for m in harness.posts(QUESTIONS) if "Questions for session 2:" in m.text]
    assert titles and "Social protection and gender gaps" in titles[0]
    moderator.slash("/webinar", "questions 2", channel="sp-webinar-backstage")
    # The moderator reads Spanish (their profile's locale): the seed titles its sessions in Spanish too.
    assert "Sesión 2: La protección social y las brechas de género" in moderator.ephemerals()[-1].text
    moderator.slash("/webinar", "questions 9", channel="sp-webinar-backstage")
    assert "No existe la sesión 9: las sesiones van numeradas del 1 al 8" in moderator.ephemerals()[-1].text


def test_a_digest_shows_an_asker_by_name_even_before_the_background_lookup_ran(
    harness: Harness, live: RunningBot
) -> None:
    from bot.questions import views

    asker = harness.slack.user("participant19")
    asker.reply(QUESTIONS, thread_of(live, S1), "Who pays for the floors?")  # the name lookup is only queued
    digest = live.webinar.moderation.digest(S1, views.digest_heading("Session 1", Words("en")))
    assert asker.user.real_name in digest.plain and asker.id not in digest.plain
