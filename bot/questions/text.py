"""A participant's question as text the bot can show: literal, and of a size a chat message takes.

Questions are stored as the characters the person typed (the adapter undoes its platform's
encoding); every view shows them as literal text runs, which each adapter escapes for its markup,
so `<!channel>` or `@room` in a question shows those characters and pings nobody.
"""

from __future__ import annotations

COPY_LIMIT = 3000  # a question longer than this is a paste, not a question: the rest is in the report
DIGEST_LIMIT = 280
CUT_NOTE = "… (cut here; the report has it whole)"


def cut(text: str, limit: int = COPY_LIMIT) -> str:
    """At most `limit` characters of the question, saying where it was cut."""
    text = text.strip()
    if len(text) > limit:
        return text[: limit - 1].rstrip() + CUT_NOTE
    return text


def one_line(text: str, limit: int = DIGEST_LIMIT) -> str:
    return cut(" ".join(text.split()), limit)
