"""Slack mrkdwn: escaping outside text, and the few trusted constructs the bot itself writes.

Slack reads `<...>` as a control sequence (`<!channel>`, `<@U123>`, `<https://x|label>`) and `&` as
the start of an entity, so text from a schedule or a user has exactly `&`, `<`, `>` escaped, and
nothing else (Slack shows `&quot;` literally, so HTML escaping would be wrong). What the bot builds
itself (mentions, links, date tokens) is marked `Mrkdwn` and passes through untouched.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit


class Mrkdwn(str):
    """Text that is already valid, trusted mrkdwn: not escaped again."""

    __slots__ = ()


def escape(text: object) -> str:
    """Escape `&`, `<` and `>` (and only those), as Slack documents."""
    if isinstance(text, Mrkdwn):
        return text
    if text is None:
        return ""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


def mention(user_id: str) -> Mrkdwn:
    if not _USER_ID.match(user_id):
        return Mrkdwn(escape(user_id))
    return Mrkdwn(f"<@{user_id}>")


def channel_link(channel_id: str, name: str = "") -> Mrkdwn:
    if _CHANNEL_ID.match(channel_id):
        return Mrkdwn(f"<#{channel_id}>")
    return Mrkdwn("#" + escape(name or channel_id))


def link(url: str, label: str = "") -> Mrkdwn:
    """A link to an http(s) URL, or the escaped label (or URL) as plain text when it is not one."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        return Mrkdwn(escape(label or url))
    safe = escape(quote(url, safe=":/?#[]@!$&'()*+,;=%~-._"))
    text = escape(label).replace("|", "¦") if label else ""
    return Mrkdwn(f"<{safe}|{text}>" if text else f"<{safe}>")


_TOKEN = re.compile(r"<!date\^\d+\^[^|>]*(?:\^[^|>]*)?\|([^>]*)>")
_ANGLE = re.compile(r"<([@#!])?([^>|]*)(?:\|([^>]*))?>")


def to_plain(text: str) -> str:
    """What a reader sees, roughly: date tokens by their fallback, links by label, entities decoded.

    For terminals and logs, never for posting.
    """
    text = _TOKEN.sub(lambda m: m.group(1), text)

    def angle(m: re.Match[str]) -> str:
        sigil, target, label = m.groups()
        if label:
            return label
        if sigil == "@":
            return "@" + target
        if sigil == "#":
            return "#" + target
        if sigil == "!":
            return "@" + target
        return target

    text = _ANGLE.sub(angle, text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
