"""Neutral messages in Matrix's terms: escaped body and HTML, and m.mentions only for whom the bot means."""

from __future__ import annotations

from bot.chat.message import Button, Emoji, Link, Mention, Message, Section, Strong, Text
from bot.matrix.writer import ACTIONS_FIELD, content, emoji_name, in_thread, reaction, replacement

HOSTILE = '@room @channel <a href="https://evil.example">x</a> <script>alert(1)</script> & {{ 7 * 7 }}'


def test_literal_text_is_escaped_in_html_and_kept_as_typed_in_the_body() -> None:
    written = content(Message((Text(HOSTILE),)))
    assert written["body"] == HOSTILE
    assert "<script>" not in written["formatted_body"] and "<a " not in written["formatted_body"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in written["formatted_body"]
    assert "&lt;a href=&quot;https://evil.example&quot;&gt;" in written["formatted_body"]


def test_nothing_a_person_wrote_pings_anyone_not_even_at_room() -> None:
    written = content(Message((Text(HOSTILE),)))
    assert written["m.mentions"] == {}  # present and empty: no @room, no user


def test_a_speaker_the_bot_addresses_is_the_only_mention() -> None:
    message = Message(
        (Text("Time's up for "), Mention("Isabel <Ortiz>", "@ortiz:example.org"), Text(" @room"))
    )
    written = content(message)
    assert written["m.mentions"] == {"user_ids": ["@ortiz:example.org"]}
    assert written["body"] == "Time's up for @Isabel <Ortiz> @room"
    assert (
        '<a href="https://matrix.to/#/@ortiz:example.org">@Isabel &lt;Ortiz&gt;</a>'
        in written["formatted_body"]
    )


def test_a_name_without_an_account_is_text_and_mentions_no_one() -> None:
    written = content(Message((Mention("Ath Thorn"),)))
    assert written["body"] == "@Ath Thorn" and written["m.mentions"] == {}


def test_markup_links_and_emoji_become_html_and_unsafe_link_schemes_do_not() -> None:
    message = Message(
        (Strong((Text("Now"),)), Text(" "), Emoji("+1"), Text(" "), Link("https://ilo.org/a?b=1&c=2", "ILO")),
        context=(Link("javascript:alert(1)", "click"),),
    )
    written = content(message)
    assert written["formatted_body"].startswith("<strong>Now</strong> 👍 ")
    assert '<a href="https://ilo.org/a?b=1&amp;c=2">ILO</a>' in written["formatted_body"]
    assert "javascript:" not in written["formatted_body"]


def test_buttons_ride_in_the_content_as_actions() -> None:
    message = Message(
        (Text("Digest"),),
        buttons=(Button("Pause", "pause"),),
        sections=(Section((Text("Q1"),), (Button("Answered", "question_answered", "q1"),), "q1"),),
    )
    written = content(message)
    assert [a["action"] for a in written[ACTIONS_FIELD]] == ["pause", "question_answered"]
    assert written["body"] == "Digest\nQ1"


def test_a_very_long_message_goes_as_plain_text_within_what_synapse_accepts() -> None:
    long = content(Message((Text("<b>" * 14_000),)))  # 42,000 characters, 168,000 once escaped
    assert long["body"] == "<b>" * 14_000 and "formatted_body" not in long
    too_long = content(Message((Text("é" * 40_001),)))
    assert len(too_long["body"].encode()) <= 56_000 and too_long["body"].endswith(
        "(cut: too long for one Matrix message)"
    )


def test_an_edit_replaces_the_original_and_pings_no_one_again() -> None:
    edited = replacement("$panel", Message((Mention("Ortiz", "@ortiz:example.org"),)))
    assert edited["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$panel"}
    assert edited["m.mentions"] == {}
    assert edited["m.new_content"]["m.mentions"] == {"user_ids": ["@ortiz:example.org"]}


def test_a_thread_reply_and_a_vote_use_matrix_relations() -> None:
    threaded = in_thread(content(Message((Text("hi"),))), "$root")
    assert threaded["m.relates_to"]["rel_type"] == "m.thread"
    assert threaded["m.relates_to"]["m.in_reply_to"] == {"event_id": "$root"}
    assert reaction("$q", "+1")["m.relates_to"] == {"rel_type": "m.annotation", "event_id": "$q", "key": "👍"}


def test_reaction_keys_fold_to_short_names() -> None:
    assert emoji_name("👍") == "+1"
    assert emoji_name("👍🏽") == "+1"  # a skin tone is the same vote
    assert emoji_name("✅") == "white_check_mark"
    assert emoji_name(":+1:") == "+1"
    assert emoji_name("🦄") == "🦄"
