"""The running webinar's renderers, one per language, swapped when an edited schedule changes them.

The webinar's own `language` (channel posts, backstage) and every language of `languages` are
compiled at start, so the first cue of each kind is not late by a compile; a language a reader asks
for that the schedule does not list is compiled the first time it is needed.
"""

from __future__ import annotations

import threading
from pathlib import Path

from bot.agenda.model import Agenda
from bot.i18n.catalogs import Catalogs
from bot.i18n.languages import CODES
from bot.i18n.words import Words
from bot.messages.render import Renderer


class Texts:
    def __init__(self, templates: Path | None, agenda: Agenda, catalogs: Catalogs | None = None) -> None:
        self.templates = templates
        self.catalogs = catalogs or Catalogs()
        self._lock = threading.Lock()
        self._language = agenda.settings.language
        self._renderers: dict[str, Renderer] = self._make(agenda)

    def _make(self, agenda: Agenda) -> dict[str, Renderer]:
        wanted = dict.fromkeys(agenda.settings.channel_languages)
        renderers = {}
        for code in wanted:
            renderers[code] = self._renderer(code)
        return renderers

    def _renderer(self, code: str) -> Renderer:
        renderer = Renderer(self.templates, language=code, words=self.catalogs.words(code))
        renderer.preload()
        return renderer

    @property
    def renderer(self) -> Renderer:
        """The webinar's own language (channel posts, backstage)."""
        return self.renderer_for(self._language)

    @property
    def language(self) -> str:
        with self._lock:
            return self._language

    def renderer_for(self, code: str) -> Renderer:
        code = code if code in CODES else self.language
        with self._lock:
            found = self._renderers.get(code)
        if found is None:
            made = self._renderer(code)
            with self._lock:
                found = self._renderers.setdefault(code, made)
        return found

    def words(self, code: str | None = None) -> Words:
        return self.catalogs.words(code or self.language)

    def use(self, agenda: Agenda) -> None:
        renderers = self._make(agenda)
        with self._lock:
            self._renderers = renderers
            self._language = agenda.settings.language
