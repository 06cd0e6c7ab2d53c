"""The renderer of the running webinar's language, swapped when an edited schedule changes it."""

from __future__ import annotations

import threading
from pathlib import Path

from bot.agenda.model import Agenda
from bot.messages.render import Renderer


class Texts:
    def __init__(self, templates: Path | None, agenda: Agenda) -> None:
        self.templates = templates
        self._lock = threading.Lock()
        self._renderer = self._make(agenda)

    def _make(self, agenda: Agenda) -> Renderer:
        renderer = Renderer(self.templates, language=agenda.settings.language)
        renderer.preload()  # so the first cue of each kind is not late by a compile
        return renderer

    @property
    def renderer(self) -> Renderer:
        with self._lock:
            return self._renderer

    def use(self, agenda: Agenda) -> None:
        renderer = self._make(agenda)
        with self._lock:
            self._renderer = renderer
