"""Times as Slack date tokens, so each reader sees their own time zone.

`<!date^1540296000^{time}|14:00 CEST>` shows 14:00 to a reader in Geneva and 08:00 to one in New
York; the text after `|` is the fallback (the webinar's local time) for clients that cannot.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from bot.messages.mrkdwn import Mrkdwn

FORMATS = {
    "time": ("{time}", "%H:%M"),
    "datetime": ("{date_short_pretty} {time}", "%a %d %b %Y %H:%M"),
    "date": ("{date_long_pretty}", "%A %d %B %Y"),
}


def local_text(ts: int, tz: tzinfo, strftime: str) -> str:
    local = datetime.fromtimestamp(ts, UTC).astimezone(tz)
    zone = local.tzname() or ""
    return f"{local.strftime(strftime)} {zone}".strip() if "%H" in strftime else local.strftime(strftime)


def date_token(ts: int, tz: tzinfo, style: str = "time") -> Mrkdwn:
    """A Slack date token for `ts` in one of FORMATS' styles, with the local fallback."""
    token, strftime = FORMATS[style]
    fallback = local_text(ts, tz, strftime).replace("|", "/").replace(">", "")
    return Mrkdwn(f"<!date^{int(ts)}^{token}|{fallback}>")
