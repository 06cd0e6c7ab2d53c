"""Neutral messages in Matrix's terms: escaped body and HTML, and m.mentions only for whom the bot means."""

from __future__ import annotations

from bot.chat.message import Button, Code, Emoji, Link, Mention, Message, Section, Strong, Text
from bot.matrix.writer import (
    ACTIONS_FIELD,
    Action,
    actions_of,
    content,
    emoji_name,
    in_thread,
    keycap_number,
    reaction,
    replacement,
)

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


def test_buttons_are_numbered_lines_under_their_part_and_ride_in_the_content_in_that_order() -> None:
    message = Message(
        (Text("Digest"),),
        buttons=(Button("Pause", "pause"),),
        sections=(
            Section(
                (Text("Q1 <b>"),), (Button("Answered", "question_answered", "q1"), Button("Hide", "h", "q1"))
            ),
            Section((Text("Q2"),), (Button("Answered", "question_answered", "q2"),)),
        ),
    )
    written = content(message)
    assert [(a["action"], a["value"]) for a in written[ACTIONS_FIELD]] == [
        ("pause", ""),
        ("question_answered", "q1"),
        ("h", "q1"),
        ("question_answered", "q2"),
    ]
    assert written["body"] == "Digest\n1️⃣ Pause\nQ1 <b>\n2️⃣ Answered · 3️⃣ Hide\nQ2\n4️⃣ Answered"
    assert "Q1 &lt;b&gt;<br>2️⃣ Answered · 3️⃣ Hide" in written["formatted_body"]
    assert [a.action for a in actions_of(written)] == ["pause", "question_answered", "h", "question_answered"]


def test_past_ten_an_action_shows_its_number_to_reply_with() -> None:
    buttons = tuple(Button(f"B{n}", f"b{n}") for n in range(1, 13))
    written = content(Message((Text("Many"),), buttons=buttons))
    assert written["body"].endswith("9️⃣ B9 · 🔟 B10 · [11] B11 · [12] B12")


def test_a_keycap_reaction_is_the_number_of_an_action_and_nothing_else_is() -> None:
    assert keycap_number("1️⃣") == 1
    assert keycap_number("1\u20e3") == 1  # without the variation selector, as some clients send it
    assert keycap_number("🔟") == 10
    assert keycap_number("👍") is None and keycap_number("1") is None and keycap_number("#️⃣") is None


def test_malformed_actions_in_a_content_are_dropped() -> None:
    written = {ACTIONS_FIELD: [{"action": "a", "value": "1"}, {"label": "no action"}, "x", {"action": 3}]}
    assert actions_of(written) == (Action("", "a", "1"),)
    assert actions_of({ACTIONS_FIELD: "nonsense"}) == ()


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


def test_the_commands_the_bot_names_are_written_as_matrix_users_type_them() -> None:
    written = content(Message((Text("Try "), Code("/webinar help"), Text(" or "), Code("/ask"), Text("."))))
    assert written["body"] == "Try !webinar help or !ask."
    assert "<code>!webinar help</code>" in written["formatted_body"]
    assert content(Message((Code("/tmp/webinar"),)))["body"] == "/tmp/webinar"  # not a command


def test_a_person_known_only_by_their_matrix_id_is_shown_with_one_at_sign() -> None:
    written = content(Message((Text("Question from "), Mention("@mod:example.org", "@mod:example.org"))))
    assert written["body"] == "Question from @mod:example.org"
    assert ">@mod:example.org</a>" in written["formatted_body"]
