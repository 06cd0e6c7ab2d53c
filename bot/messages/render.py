"""Render templates under `templates/<language>/<name>.j2` into platform-neutral messages.

A template is written in the bot's light markup (`*strong*`, `_emphasis_`, `` `code` ``,
`:emoji:`); see bot.chat.markup. Every `{{ value }}` becomes a literal text run through Jinja's
`finalize` hook, so no template can forget to escape, and no value can become markup or a ping on
any platform. Filters build the bot's own constructs: `time`, `datetime`, `date` (a `Time`; the old
names `slack_time`, `slack_datetime`, `slack_date` still work), `duration` (seconds, as the language
writes them: `5 minutes`, `5 minutos`; `duration(short=true)`: `5 min`), `who` (a speaker as a
mention when their chat id is known), `link`, `channel`, `mention`, `emoji`. A template has a `text`
block (the message) and may have a `footer` block (a quieter context line).

A renderer speaks one language: its templates are `templates/<language>/`, its times, dates and
durations are Babel's for that language (`Words`), and a context's per-language titles (`title` with
a `title_l10n` beside it) are read in that language (`bot.messages.cues.in_language`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from bot.chat.markup import Tokens, literal, parse
from bot.chat.message import ChannelLink, Emoji, Inline, Link, Mention, Message, Text
from bot.i18n.catalogs import Catalogs
from bot.i18n.localized import Duration, shown
from bot.i18n.words import Words
from bot.messages.dates import time_run

TOKENS = "_webinar_bot_tokens"  # the per-render list of runs, in the template's context


def default_templates_dir() -> Path:
    """`$WEBINAR_BOT_TEMPLATES`, else the checkout's `templates/`, else the copy packaged in the wheel."""
    override = os.environ.get("WEBINAR_BOT_TEMPLATES")
    if override:
        return Path(override)
    package = Path(__file__).resolve().parent.parent
    checkout = package.parent / "templates"
    return checkout if checkout.is_dir() else package / "_templates"


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _tokens(ctx: jinja2.runtime.Context) -> Tokens:
    tokens = ctx.get(TOKENS)
    if not isinstance(tokens, Tokens):
        raise RuntimeError("templates are rendered by Renderer.render")
    return tokens


class Token(str):
    """A filter's result: already a token in this render's list, passed through untouched."""

    __slots__ = ()


def _run(ctx: jinja2.runtime.Context, inline: Inline) -> Token:
    return Token(_tokens(ctx).add(inline))


def _finalizer(words: Words) -> Callable[[jinja2.runtime.Context, object], str]:
    @jinja2.pass_context
    def finalize(ctx: jinja2.runtime.Context, value: object) -> str:
        if isinstance(value, Token):
            return value
        return _tokens(ctx).text(shown(value, words))

    return finalize


def _join_filter(words: Words) -> Callable[..., str]:
    def join(values: object, separator: str = "") -> str:
        items = values if isinstance(values, list | tuple) else list(values)  # type: ignore[call-overload]
        return str(separator).join(str(shown(v, words)) for v in items)

    return join


def _tz_name(ctx: jinja2.runtime.Context) -> str:
    webinar = ctx.get("webinar") or {}
    return str(webinar.get("timezone") or "UTC")


def _time_filter(style: str, words: Words) -> Callable[[jinja2.runtime.Context, int], Token]:
    @jinja2.pass_context
    def render_time(ctx: jinja2.runtime.Context, ts: int) -> Token:
        return _run(ctx, time_run(int(ts), _zone(_tz_name(ctx)), style, words))

    return render_time


def _duration_filter(words: Words) -> Callable[..., str]:
    def duration(seconds: object, short: bool = False) -> str:
        if isinstance(seconds, Duration):
            return words.duration(seconds.seconds, short=short)
        try:
            value = float(seconds)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return literal(seconds)
        return words.duration(value, short=short)

    return duration


@jinja2.pass_context
def _who(ctx: jinja2.runtime.Context, person: Mapping[str, Any] | None) -> Token:
    """A speaker as a mention when the bot knows their chat id, else their name as text."""
    if not person:
        return Token("")
    name = literal(person.get("name") or person.get("key") or "")
    user_id = person.get("user_id")
    return _run(ctx, Mention(name, str(user_id)) if user_id else Text(name))


@jinja2.pass_context
def _link(ctx: jinja2.runtime.Context, url: object, label: object = "") -> Token:
    return _run(ctx, Link(literal(url).strip(), literal(label)))


@jinja2.pass_context
def _mention(ctx: jinja2.runtime.Context, person: object, name: object = "") -> Token:
    return _run(ctx, Mention(literal(name or person), literal(person)))


@jinja2.pass_context
def _channel(ctx: jinja2.runtime.Context, audience: str) -> Token:
    webinar = ctx.get("webinar") or {}
    ids = ctx.get("channel_ids") or {}
    names = webinar.get("channels") or {}
    name = literal(names.get(audience, audience))
    return _run(ctx, ChannelLink(name, str(ids[audience]) if audience in ids else None))


@jinja2.pass_context
def _emoji(ctx: jinja2.runtime.Context, name: object) -> Token:
    short = literal(name).strip(":")
    if not re.fullmatch(r"[a-z0-9_+-]+(::[a-z0-9-]+)?", short):
        return _run(ctx, Text(short))
    return _run(ctx, Emoji(short))


class Renderer:
    """Renders named templates in a language, falling back to English."""

    def __init__(
        self,
        templates_dir: Path | None = None,
        language: str = "en",
        strict: bool = False,
        words: Words | None = None,
    ) -> None:
        self.templates_dir = templates_dir or default_templates_dir()
        self.words = words or Catalogs().words(language)
        self.language = language
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.templates_dir)),
            autoescape=False,
            finalize=_finalizer(self.words),
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined if strict else jinja2.ChainableUndefined,
        )
        times = {style: _time_filter(style, self.words) for style in ("time", "datetime", "date")}
        self.env.filters.update(
            time=times["time"],
            datetime=times["datetime"],
            date=times["date"],
            slack_time=times["time"],
            slack_datetime=times["datetime"],
            slack_date=times["date"],
            who=_who,
            link=_link,
            mention=_mention,
            channel=_channel,
            emoji=_emoji,
            duration=_duration_filter(self.words),
            join=_join_filter(self.words),
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
        tokens = Tokens()
        variables = {**context, TOKENS: tokens}
        ctx = template.new_context(variables)
        if "text" in template.blocks:
            body = "".join(template.blocks["text"](ctx))
        else:
            body = template.render(variables)
        footer = "".join(template.blocks["footer"](ctx)) if "footer" in template.blocks else ""
        return Message(parse(body, tokens), parse(footer, tokens))
