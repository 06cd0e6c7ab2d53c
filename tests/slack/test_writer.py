"""Neutral messages written for Slack: escaping only &, < and > in every literal run; the bot's own
links, mentions and date tokens live; long text split within Block Kit's limits."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.chat.markup import compose
from bot.chat.message import Button, ChannelLink, Link, Mention, Message, Section, Text, Time
from bot.i18n.words import Words
from bot.messages.dates import time_run
from bot.slack.mrkdwn import Mrkdwn, escape, link, mention, to_plain
from bot.slack.writer import SECTION_LIMIT, mrkdwn, write


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U0123|ortiz>", "&lt;@U0123|ortiz&gt;"),
        ("<https://evil.example|ok>", "&lt;https://evil.example|ok&gt;"),
        ("Fish & chips", "Fish &amp; chips"),
        ("&lt; already", "&amp;lt; already"),
        ('Workers\' "Guide"', 'Workers\' "Guide"'),
        ("{{ 7 * 7 }}", "{{ 7 * 7 }}"),
    ],
)
def test_escape_rewrites_exactly_ampersand_and_angle_brackets(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped


def test_trusted_mrkdwn_is_not_escaped_twice() -> None:
    assert escape(Mrkdwn("<@U0123>")) == "<@U0123>"


def test_mention_only_for_user_ids() -> None:
    assert mention("U0123ABC") == "<@U0123ABC>"
    assert mention("<!channel>") == "&lt;!channel&gt;"


@pytest.mark.parametrize(
    ("url", "label", "expected"),
    [
        ("https://ilo.webex.com/", "Join", "<https://ilo.webex.com/|Join>"),
        ("https://x.org/?a=1&b=2", "", "<https://x.org/?a=1&amp;b=2>"),
        ("javascript:alert(1)", "click", "click"),
        ("https://x.org/a|b>c", "", "<https://x.org/a%7Cb%3Ec>"),
        ("https://x.org/", "<!here>", "<https://x.org/|&lt;!here&gt;>"),
    ],
)
def test_links_only_to_http_urls_with_safe_labels(url: str, label: str, expected: str) -> None:
    assert link(url, label) == expected


def test_date_token_shows_each_reader_their_time_with_the_webinar_time_as_fallback() -> None:
    token = mrkdwn((time_run(1540296000, ZoneInfo("Europe/Zurich"), "time", Words("en")),))
    assert token == "<!date^1540296000^{time}|14:00 CEST>"
    assert to_plain(token) == "14:00 CEST"


def test_every_literal_run_is_escaped_and_only_the_bots_own_runs_are_markup() -> None:
    hostile = "<!channel> <@U0ADMIN> *bold?* & `code`"
    runs = compose(
        "*{title}* by {who} in {where}: {link} at {at}",
        title=hostile,
        who=Mention("Ortiz", "U0123"),
        where=ChannelLink("sp-webinar", "C0456"),
        link=Link("https://ilo.org/", "<!here>"),
        at=Time(datetime(2018, 10, 23, 12, tzinfo=UTC), "time", "14:00 CEST"),
    )
    text = mrkdwn(runs)
    assert "<!channel>" not in text and "<@U0ADMIN>" not in text and "<!here>" not in text
    assert "&lt;!channel&gt;" in text and "<@U0123>" in text and "<#C0456>" in text
    assert "<https://ilo.org/|&lt;!here&gt;>" in text and "<!date^1540296000^{time}|14:00 CEST>" in text


def test_a_mention_without_an_id_is_the_name_as_text() -> None:
    assert mrkdwn((Mention("<!here> Mallory"),)) == "&lt;!here&gt; Mallory"


def test_short_text_is_text_alone_and_a_message_with_parts_gets_blocks() -> None:
    assert write(Message((Text("Time's up."),))).blocks is None
    written = write(
        Message(
            (Text("Heading"),),
            context=(Text("note"),),
            buttons=(Button("Next", "webinar_control_next", "next"),),
            sections=(Section((Text("one"),), (Button("Hide", "question_hide", "1"),), "q1"),),
        )
    )
    assert written.blocks is not None
    assert [b["type"] for b in written.blocks] == ["section", "actions", "section", "actions", "context"]
    assert "one" in written.text  # the notification text carries the sections too


def test_long_text_is_split_into_section_blocks_within_slack_limits() -> None:
    body = ("word " * 2000 + "\n") * 3
    written = write(Message((Text(body),), context=(Text("note"),)))
    assert written.blocks is not None
    sections = [b for b in written.blocks if b["type"] == "section"]
    assert len(sections) >= 10
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in sections)
    assert written.blocks[-1]["type"] == "context"


def test_to_plain_shows_what_a_reader_sees() -> None:
    assert to_plain("&lt;!channel&gt; <https://x.org|site> <@U1>") == "<!channel> site @U1"
