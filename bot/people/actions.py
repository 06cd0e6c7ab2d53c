"""Which buttons a cue's message carries, by kind and audience: the one place that says so."""

from __future__ import annotations

from bot.chat.message import Button
from bot.i18n.words import Words
from bot.kinds import Kind
from bot.people import views
from bot.people.state import PeopleState
from bot.timeline.cue import Cue, audience_registrant, audience_speaker


def cue_buttons(cue: Cue, people: PeopleState, w: Words) -> tuple[Button, ...]:
    registrant = audience_registrant(cue.audience)
    speaker = audience_speaker(cue.audience)
    if registrant is not None:
        if cue.kind is Kind.REMINDER and cue.template == "connection_guide":
            return (
                Button(w("My connection doesn't meet the requirements"), views.CONNECTION_HELP, registrant),
            )
        if cue.kind is Kind.REMINDER and cue.template == "connect_now":
            return (Button(w("I'm connected"), views.HERE_ONLINE, registrant, "primary"),)
        if cue.kind is Kind.REGISTERED:
            return (
                Button(w("Change"), views.CHANGE, registrant),
                Button(w("Cancel my registration"), views.CANCEL, registrant, "danger"),
            )
    if speaker is not None:
        if cue.kind is Kind.CONFIRM_REQUEST:
            return views.speaker_buttons(speaker, w)
        if cue.kind in (Kind.CHECKIN, Kind.STANDBY) and speaker not in people.checked_in:
            return (Button(w("I'm here"), views.SPEAKER_HERE, speaker, "primary"),)
    return ()
