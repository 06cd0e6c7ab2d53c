"""Render a cue: its template with its context, plus who it is for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.messages.render import Message, Renderer
from bot.timeline.cue import Cue, audience_speaker


def render_cue(renderer: Renderer, cue: Cue, extra: Mapping[str, Any] | None = None) -> Message:
    """The message for `cue`; `extra` adds what only the runtime knows (channel ids, questions)."""
    context: dict[str, Any] = dict(cue.context)
    context["audience"] = cue.audience
    context["for_speaker"] = audience_speaker(cue.audience) is not None
    if extra:
        context.update(extra)
    return renderer.render(cue.template, context)
