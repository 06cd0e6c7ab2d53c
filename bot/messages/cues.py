"""Render a cue: its template with its context, plus who it is for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.chat.message import Emphasis, Message, Section, Text
from bot.messages.render import Renderer
from bot.timeline.cue import Cue, audience_speaker


def render_cue(renderer: Renderer, cue: Cue, extra: Mapping[str, Any] | None = None) -> Message:
    """The message for `cue`; `extra` adds what only the runtime knows (channel ids, the send time)."""
    context: dict[str, Any] = dict(cue.context)
    context["audience"] = cue.audience
    context["for_speaker"] = audience_speaker(cue.audience) is not None
    if extra:
        context.update(extra)
    return renderer.render(cue.template, context)


def with_user_ids(value: Any, speakers: Mapping[str, str]) -> Any:
    """A copy of a template context where every speaker record carries its chat `user_id` (mentions)."""
    if isinstance(value, Mapping):
        copy = {k: with_user_ids(v, speakers) for k, v in value.items()}
        key = copy.get("key")
        if "name" in copy and isinstance(key, str) and key in speakers and "user_id" not in copy:
            copy["user_id"] = speakers[key]
        return copy
    if isinstance(value, list):
        return [with_user_ids(v, speakers) for v in value]
    return value


def together(messages: list[Message]) -> Message:
    """One message in several languages: the first as the message, each other one a part of its own
    (its quieter line under it), the first's buttons and context line kept."""
    first, *others = messages
    parts = list(first.sections)
    for other in others:
        text = other.text + ((Text("\n"), Emphasis(other.context)) if other.context else ())
        parts.append(Section(text, key=f"language-{len(parts)}"))
    return Message(first.text, first.context, first.buttons, tuple(parts))
