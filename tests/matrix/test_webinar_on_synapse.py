"""The seed webinar on Synapse, beyond the contract: hostile questions and who may steer."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from contract.matrix_platform import MatrixPlatform
from e2e.harness import cest
from matrix.fixtures import MatrixWorld

from bot.matrix.writer import KEY_FIELD


def until(condition: Callable[[], bool], what: str, bound: float = 30.0) -> None:
    deadline = time.monotonic() + bound
    while not condition():
        assert time.monotonic() < deadline, f"not within {bound:.0f} s: {what}"
        threading.Event().wait(0.05)


HOSTILE = '@room <a href="https://evil.example">click</a> <script>alert(1)</script> '


def test_a_huge_hostile_question_is_stored_and_shown_literally_and_pings_nobody(
    matrix_world: MatrixWorld, tmp_path: Path
) -> None:
    platform = MatrixPlatform(matrix_world, tmp_path)
    try:
        bot = platform.start_bot()
        platform.run_until(bot, cest("14:11"))
        questions = platform.room("questions")
        text = (HOSTILE + "x" * 40_001)[:40_001]
        asker = platform.person("participant04")
        asker.says(questions, text)
        bot.tick()
        assert [q.text for q in bot.webinar.questions.all()] == [text]  # stored whole, as typed
        events = platform.bot_user.events(questions, sender=platform.bot_user.id)
        copy = next(e for e in events if HOSTILE.strip() in e["content"].get("body", ""))
        assert copy["content"]["m.mentions"] in (
            {},
            {"user_ids": [asker.id]},
        )  # never @room, never a stranger
        assert "<script>" not in copy["content"]["formatted_body"]
        assert "&lt;script&gt;" in copy["content"]["formatted_body"]
        assert KEY_FIELD not in copy["content"] or copy["content"][KEY_FIELD]
    finally:
        platform.stop()


def test_only_a_moderator_may_move_the_webinar_on(matrix_world: MatrixWorld, tmp_path: Path) -> None:
    platform = MatrixPlatform(matrix_world, tmp_path)
    try:
        bot = platform.start_bot()
        platform.run_until(bot, cest("14:05"))
        refused = platform.person("participant03").command(platform.room("questions"), "webinar", "next")
        assert "only the webinar's moderators" in refused
        untouched = type(bot.webinar.session.state.adjustments)()
        assert bot.webinar.session.state.adjustments == untouched
        allowed = platform.person("ortiz").command(platform.room("backstage"), "webinar", "next")
        assert allowed and "only the webinar's moderators" not in allowed
        assert bot.webinar.session.state.adjustments != untouched

        def panel_edited() -> bool:
            bot.tick()
            events = platform.bot_user.events(platform.room("backstage"), sender=platform.bot_user.id)
            relations = [
                (e["content"].get("m.relates_to") or {}) for e in events if e["type"] == "m.room.message"
            ]
            return any(r.get("rel_type") == "m.replace" for r in relations)

        until(panel_edited, "the control panel edited in place")
    finally:
        platform.stop()


def test_ask_files_a_question_and_a_moderator_gets_the_report_as_a_file_in_backstage(
    matrix_world: MatrixWorld, tmp_path: Path
) -> None:
    platform = MatrixPlatform(matrix_world, tmp_path)
    try:
        bot = platform.start_bot()
        platform.run_until(bot, cest("14:11"))
        answer = platform.person("participant06").command(
            platform.room("announcements"), "ask", "Who pays for it?"
        )
        assert "Thanks! Your question is in the thread" in answer
        bot.tick()
        assert [q.text for q in bot.webinar.questions.all()] == ["Who pays for it?"]
        assert any("Who pays for it?" in s.text for s in platform.seen(platform.room("questions")))
        reply = platform.person("ortiz").command(platform.room("backstage"), "webinar", "report")
        assert "report is on its way" in reply
        bot.tick()
        backstage = platform.bot_user.events(platform.room("backstage"), sender=platform.bot_user.id)
        files = [
            e for e in backstage if e["type"] == "m.room.message" and e["content"]["msgtype"] == "m.file"
        ]
        assert len(files) == 1 and files[0]["content"]["url"].startswith("mxc://")
    finally:
        platform.stop()
