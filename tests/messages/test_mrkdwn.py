"""Escaping for Slack mrkdwn: only &, < and >; the bot's own links, mentions and dates untouched."""

import pytest

from bot.messages.dates import date_token
from bot.messages.mrkdwn import Mrkdwn, escape, link, mention, to_plain


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
    from zoneinfo import ZoneInfo

    token = date_token(1540296000, ZoneInfo("Europe/Zurich"))
    assert token == "<!date^1540296000^{time}|14:00 CEST>"
    assert to_plain(token) == "14:00 CEST"


def test_to_plain_shows_what_a_reader_sees() -> None:
    assert to_plain("&lt;!channel&gt; <https://x.org|site> <@U1>") == "<!channel> site @U1"
