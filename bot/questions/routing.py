"""Which thematic session a question belongs to, from when it was asked (pure).

The session running now; between sessions, the next one; before the first session and after the
last, the General thread. Sessions are placed with the live adjustments, so a delayed session still
collects the questions asked while it actually runs.
"""

from __future__ import annotations

from datetime import datetime

from bot.agenda.model import Agenda, in_language
from bot.i18n.words import Words
from bot.questions.model import GENERAL
from bot.timeline.units import Placement


def route(agenda: Agenda, placement: Placement, at: datetime) -> str:
    spans = sorted(
        (
            (placement.sessions[s.key].start, placement.sessions[s.key].end, s.key)
            for _, s in agenda.sessions()
        ),
        key=lambda span: span[0],
    )
    if not spans or at < spans[0][0] or at >= spans[-1][1]:
        return GENERAL
    for start, end, key in spans:
        if start <= at < end:
            return key
    return next(key for start, _, key in spans if start > at)


def session_titles(agenda: Agenda, w: Words) -> dict[str, str]:
    """Each session's title as its thread, digest and report name it, in `w`'s language."""
    titles = {
        session.key: w("Session {n}: {title}").format(
            n=session.number, title=in_language(session.title, session.title_l10n, w.code)
        )
        for _, session in agenda.sessions()
    }
    titles[GENERAL] = w("General questions")
    return titles
