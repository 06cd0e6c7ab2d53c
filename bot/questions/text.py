"""A participant's question as text the bot can show: literal, safe, and of a size Slack accepts.

Slack sends a message's text with `&`, `<` and `>` encoded and with its own markup (`<@U1>`,
`<!channel>`, `<https://x|label>`). The bot stores it as it came and shows it literally: Slack's
entities decoded, then everything escaped again, so `<!channel>` shows as those characters and pings
nobody, a disguised link shows its real target, and a literal `<` typed by someone stays a `<`.
"""

from __future__ import annotations

from bot.messages.mrkdwn import escape

COPY_LIMIT = 3000  # a question longer than this is a paste, not a question: the rest is in the report
DIGEST_LIMIT = 280


def decoded(slack_text: str) -> str:
    """Slack's encoded text back to the characters the person typed."""
    return slack_text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def shown(slack_text: str, limit: int = COPY_LIMIT) -> str:
    """Mrkdwn that displays the question literally (at most `limit` characters of it)."""
    text = decoded(slack_text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "… (cut here; the report has it whole)"
    return escape(text)


def one_line(slack_text: str, limit: int = DIGEST_LIMIT) -> str:
    return shown(" ".join(decoded(slack_text).split()), limit)
