"""Room events into inbound values: messages, thread replies, edits, redactions, votes and commands."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.chat.inbound import Command, Deleted, Edited, Posted, Pressed, Reacted
from bot.chat.refs import Handle, MessageRef
from bot.matrix.events import Translator, command_of
from bot.matrix.writer import Action

NOW = datetime(2018, 10, 23, 12, 0, tzinfo=UTC)
BOT = "@bot:example.org"
ROOM = "!questions:example.org"


def translator() -> Translator:
    return Translator(BOT, lambda: NOW, lambda room, event: event == "$bots")


def message(event_id: str, body: str, sender: str = "@ana:example.org", **more: Any) -> dict[str, Any]:
    return {
        "type": "m.room.message",
        "event_id": event_id,
        "sender": sender,
        "content": {"msgtype": "m.text", "body": body, **more},
    }


def test_a_message_is_posted_as_typed_at_the_bots_clock() -> None:
    posted = translator().event(ROOM, message("$1", "<b>@room</b>"))
    assert posted == Posted("@ana:example.org", MessageRef(ROOM, "$1"), "<b>@room</b>", NOW)


def test_a_thread_reply_names_its_root_and_whether_the_bot_started_it() -> None:
    relation = {"rel_type": "m.thread", "event_id": "$bots", "is_falling_back": True}
    posted = translator().event(ROOM, message("$2", "And domestic workers?", **{"m.relates_to": relation}))
    assert isinstance(posted, Posted) and posted.thread == "$bots" and posted.thread_by_bot


def test_a_rich_replys_quoted_fallback_is_not_part_of_the_question() -> None:
    body = "> <@bob:example.org> earlier words\n> more\n\nMy actual question"
    relation = {"m.in_reply_to": {"event_id": "$0"}}
    posted = translator().event(ROOM, message("$3", body, **{"m.relates_to": relation}))
    assert isinstance(posted, Posted) and posted.text == "My actual question"


def test_the_bots_own_events_are_ignored() -> None:
    assert translator().event(ROOM, message("$4", "cue", sender=BOT)) is None


def test_commands_are_commands_not_questions() -> None:
    command = translator().event(ROOM, message("$5", "!webinar delay 7"))
    assert isinstance(command, Command)
    assert (command.name, command.text, command.conversation, command.id) == (
        "webinar",
        "delay 7",
        ROOM,
        "$5",
    )
    asked = translator().event(ROOM, message("$6", "!ask What about pensions?"))
    assert isinstance(asked, Command) and (asked.name, asked.text) == ("ask", "What about pensions?")
    assert command_of("!unknown x") is None and command_of("webinar next") is None


def test_an_edit_names_the_original_message_and_its_new_text() -> None:
    content = {
        "m.new_content": {"msgtype": "m.text", "body": "new"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": "$1"},
    }
    edited = translator().event(ROOM, message("$7", "* new", **content))
    assert edited == Edited("@ana:example.org", MessageRef(ROOM, "$1"), "new", NOW)


def test_a_vote_and_its_redaction_are_a_reaction_added_and_removed() -> None:
    translate = translator()
    vote = {
        "type": "m.reaction",
        "event_id": "$v",
        "sender": "@ana:example.org",
        "content": {"m.relates_to": {"rel_type": "m.annotation", "event_id": "$q", "key": "👍️"}},
    }
    assert translate.event(ROOM, vote) == Reacted("@ana:example.org", MessageRef(ROOM, "$q"), "+1", True, NOW)
    redaction = {
        "type": "m.room.redaction",
        "event_id": "$r",
        "sender": "@ana:example.org",
        "redacts": "$v",
        "content": {},
    }
    assert translate.event(ROOM, redaction) == Reacted(
        "@ana:example.org", MessageRef(ROOM, "$q"), "+1", False, NOW
    )


def test_a_redacted_message_is_deleted() -> None:
    redaction = {
        "type": "m.room.redaction",
        "event_id": "$r",
        "sender": "@ana:example.org",
        "content": {"redacts": "$1"},
    }
    assert translator().event(ROOM, redaction) == Deleted(MessageRef(ROOM, "$1"), NOW)


def test_malformed_events_are_ignored_not_raised() -> None:
    translate = translator()
    for event in (
        {"type": "m.room.message", "event_id": "$x", "sender": "@a:b", "content": "nope"},
        {"type": "m.room.message", "sender": "@a:b", "content": {"body": "no id"}},
        {
            "type": "m.reaction",
            "event_id": "$y",
            "sender": "@a:b",
            "content": {"m.relates_to": {"rel_type": "m.annotation"}},
        },
        {
            "type": "m.room.message",
            "event_id": "$z",
            "sender": "@a:b",
            "content": {"msgtype": "m.image", "body": "x.png"},
        },
    ):
        assert translate.event(ROOM, event) is None


DIGEST_ACTIONS = (
    Action("Answered", "question_answered", "12:s1"),
    Action("Hide", "question_hide", "12:s1"),
    Action("Pin to next discussion", "question_pin", "12:s1"),
)


def pressing() -> Translator:
    """A translator that knows the digest `$digest` as the bot last wrote it, with three actions."""
    return Translator(
        BOT,
        lambda: NOW,
        lambda room, event: event == "$digest",
        actions=lambda room, event: DIGEST_ACTIONS if event == "$digest" else (),
    )


def keycap(event_id: str, target: str, key: str) -> dict[str, Any]:
    return {
        "type": "m.reaction",
        "event_id": event_id,
        "sender": "@ortiz:example.org",
        "content": {"m.relates_to": {"rel_type": "m.annotation", "event_id": target, "key": key}},
    }


def test_a_keycap_reaction_on_the_bots_message_presses_that_numbered_action() -> None:
    pressed = pressing().event(ROOM, keycap("$k", "$digest", "2️⃣"))
    assert pressed == Pressed(
        "@ortiz:example.org",
        "question_hide",
        "12:s1",
        Handle({"room": ROOM, "event": "$k", "reaction": "$k"}),
        NOW,
        MessageRef(ROOM, "$digest"),
    )


def test_a_vote_stays_a_vote_and_a_keycap_without_its_action_stays_a_reaction() -> None:
    translate = pressing()
    assert isinstance(translate.event(ROOM, keycap("$v", "$digest", "👍")), Reacted)
    assert isinstance(translate.event(ROOM, keycap("$k4", "$digest", "4️⃣")), Reacted)  # there is no fourth
    assert isinstance(translate.event(ROOM, keycap("$k1", "$question", "1️⃣")), Reacted)  # not the bot's


def test_a_reply_that_says_a_number_presses_that_action_and_any_other_reply_is_a_message() -> None:
    translate = pressing()
    reply = {"m.relates_to": {"m.in_reply_to": {"event_id": "$digest"}}}
    body = "> <@bot:example.org> Questions for ...\n\n3"
    pressed = translate.event(ROOM, message("$r1", body, **reply))
    assert isinstance(pressed, Pressed) and (pressed.action, pressed.ref) == (
        "question_pin",
        MessageRef(ROOM, "$digest"),
    )
    assert "reaction" not in pressed.handle.data
    assert isinstance(translate.event(ROOM, message("$r2", "3 please", **reply)), Posted)
    assert isinstance(translate.event(ROOM, message("$r3", "7", **reply)), Posted)
    elsewhere = {"m.relates_to": {"m.in_reply_to": {"event_id": "$question"}}}
    assert isinstance(translate.event(ROOM, message("$r4", "1", **elsewhere)), Posted)
