"""Render templates under `templates/<language>/<name>.j2` into Slack messages.

Every `{{ value }}` is escaped for mrkdwn by Jinja's `finalize` hook, so no template can forget to;
filters that build mentions, links and date tokens return `Mrkdwn`, which passes through. A template
has a `text` block (the message, also the notification fallback) and may have a `footer` block,
rendered as a Block Kit context line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from bot.messages.dates import date_token
from bot.messages.mrkdwn import Mrkdwn, channel_link, escape, link, mention

SECTION_LIMIT = 3000
TEXT_LIMIT = 39_000
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[dict[str, Any]] | None = None


def default_templates_dir() -> Path:
    """`$WEBINAR_BOT_TEMPLATES`, else the checkout's `templates/`, else the copy packaged in the wheel."""
    override = os.environ.get("WEBINAR_BOT_TEMPLATES")
    if override:
        return Path(override)
    package = Path(__file__).resolve().parent.parent
    checkout = package.parent / "templates"
    return checkout if checkout.is_dir() else package / "_templates"


def _finalize(value: object) -> str:
    return escape(value)


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _tz_of(ctx: jinja2.runtime.Context) -> ZoneInfo:
    webinar = ctx.get("webinar") or {}
    return _zone(webinar.get("timezone") or "UTC")


@jinja2.pass_context
def _slack_time(ctx: jinja2.runtime.Context, ts: int) -> Mrkdwn:
    return date_token(int(ts), _tz_of(ctx), "time")


@jinja2.pass_context
def _slack_datetime(ctx: jinja2.runtime.Context, ts: int) -> Mrkdwn:
    return date_token(int(ts), _tz_of(ctx), "datetime")


@jinja2.pass_context
def _slack_date(ctx: jinja2.runtime.Context, ts: int) -> Mrkdwn:
    return date_token(int(ts), _tz_of(ctx), "date")


def _who(person: Mapping[str, Any] | None) -> Mrkdwn:
    """A speaker as a mention when the bot knows their Slack id, else their escaped name."""
    if not person:
        return Mrkdwn("")
    user_id = person.get("user_id")
    if user_id:
        return mention(str(user_id))
    return Mrkdwn(escape(person.get("name") or person.get("key") or ""))


@jinja2.pass_context
def _channel(ctx: jinja2.runtime.Context, audience: str) -> Mrkdwn:
    webinar = ctx.get("webinar") or {}
    ids = ctx.get("channel_ids") or {}
    if audience in ids:
        return channel_link(str(ids[audience]))
    names = webinar.get("channels") or {}
    return channel_link("", str(names.get(audience, audience)))


class Renderer:
    """Renders named templates in a language, falling back to English."""

    def __init__(self, templates_dir: Path | None = None, language: str = "en", strict: bool = False) -> None:
        self.templates_dir = templates_dir or default_templates_dir()
        self.language = language
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.templates_dir)),
            autoescape=False,
            finalize=_finalize,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined if strict else jinja2.ChainableUndefined,
        )
        self.env.filters.update(
            slack_time=_slack_time,
            slack_datetime=_slack_datetime,
            slack_date=_slack_date,
            who=_who,
            link=lambda url, label="": link(str(url or ""), str(label or "")),
            mention=lambda user_id: mention(str(user_id)),
            channel=_channel,
        )

    def preload(self) -> int:
        """Compile every template now, so the first cue of each kind is not late by a compile."""
        count = 0
        for name in sorted(self.names()):
            try:
                self._template(name)
                count += 1
            except jinja2.TemplateError:
                continue  # reported when that template is used
        return count

    def names(self) -> set[str]:
        """Template names available in this language (and English)."""
        found: set[str] = set()
        for language in {self.language, "en"}:
            folder = self.templates_dir / language
            if folder.is_dir():
                found.update(p.name[: -len(".j2")] for p in folder.glob("*.j2"))
        return found

    def _template(self, name: str) -> jinja2.Template:
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise jinja2.TemplateNotFound(name)
        try:
            return self.env.get_template(f"{self.language}/{name}.j2")
        except jinja2.TemplateNotFound:
            return self.env.get_template(f"en/{name}.j2")

    def render(self, name: str, context: Mapping[str, Any]) -> Message:
        template = self._template(name)
        ctx = template.new_context(dict(context))
        text = (
            _tidy("".join(template.blocks["text"](ctx)))
            if "text" in template.blocks
            else _tidy(template.render(dict(context)))
        )
        footer = _tidy("".join(template.blocks["footer"](ctx))) if "footer" in template.blocks else ""
        if len(text) > TEXT_LIMIT:
            text = text[:TEXT_LIMIT] + "… (cut: too long for one Slack message)"
        if not footer and len(text) <= SECTION_LIMIT:
            return Message(text)
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in _chunks(text)
        ][:49]
        if footer:
            blocks.append(
                {"type": "context", "elements": [{"type": "mrkdwn", "text": footer[:SECTION_LIMIT]}]}
            )
        return Message(text, blocks)


def _tidy(text: str) -> str:
    return _BLANK_LINES.sub("\n\n", text.strip())


def _chunks(text: str) -> list[str]:
    """Split at line ends into pieces a section block accepts, never inside an `<...>` token."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > SECTION_LIMIT:
            cut = line.rfind(" ", 0, SECTION_LIMIT)
            cut = cut if cut > SECTION_LIMIT // 2 else SECTION_LIMIT
            if line.rfind("<", 0, cut) > line.rfind(">", 0, cut):
                cut = line.rfind("<", 0, cut) or cut
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > SECTION_LIMIT:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks or [""]
