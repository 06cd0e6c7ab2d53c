"""A claimed cue becomes a message on its way: its conversation (or the speaker's direct one), its
text, its outcome.

A speaker the bot could not find on the platform is cued in backstage by name instead, so the
moderators can pass the message on. When the platform confirms the post, the outbox marks the cue
sent, and whoever waits for that kind of cue hears of it (the question threads, the panel).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from bot.agenda.model import Agenda
from bot.chat.markup import compose
from bot.chat.message import Emphasis, Message, Text, merge
from bot.chat.port import ChatError, MessageRef, PostMessage, Write
from bot.chat.sender import Outcome, Priority, Sender
from bot.clock import Clock
from bot.i18n.languages import language
from bot.messages.cues import render_cue, together, with_user_ids
from bot.messages.texts import Texts
from bot.people.actions import cue_buttons
from bot.people.book import People
from bot.people.directory import Directory
from bot.people.languages import Readers
from bot.store.outbox import Outbox
from bot.timeline.cue import Cue, audience_registrant, audience_speaker

log = logging.getLogger(__name__)

Posted = Callable[[Cue, MessageRef], None]
Rebuild = Callable[[Cue, Message], Message]  # a message completed at send time (the digest's questions)


class AgendaSource(Protocol):
    @property
    def agenda(self) -> Agenda: ...


class CueDelivery:
    def __init__(
        self,
        webinar: AgendaSource,
        texts: Texts,
        directory: Directory,
        people: People,
        sender: Sender,
        outbox: Outbox,
        clock: Clock,
        readers: Readers,
    ) -> None:
        self.webinar = webinar
        self.readers = readers
        self.texts = texts
        self.directory = directory
        self.people = people
        self.sender = sender
        self.outbox = outbox
        self.clock = clock
        self._ready: dict[str, tuple[Cue, Message]] = {}  # made ready ahead of their instant
        self._ready_lock = threading.Lock()
        self.on_posted: list[Posted] = []
        self.rebuild: dict[str, Rebuild] = {}  # by template name

    def destination(self, cue: Cue) -> tuple[str, str | None]:
        """(conversation, name of the speaker it was meant for when they could not be reached)."""
        registrant = audience_registrant(cue.audience)
        if registrant is not None:
            person = self.people.person_of(registrant)
            if person is None:
                raise KeyError(f"registrant {registrant} has no chat account (or cancelled)")
            return self.directory.direct(person), None
        speaker = audience_speaker(cue.audience)
        if speaker is not None:
            person = self.directory.speaker(speaker)
            if person:
                return self.directory.direct(person), None
            return self.directory.channel("backstage"), self.webinar.agenda.speaker_name(speaker)
        return self.directory.channel(cue.audience), None

    def message(self, cue: Cue) -> Message:
        """The cue's message as its template renders it, in its readers' language (an announcement:
        in each of the webinar's `languages`); what `rebuild` completes comes later."""
        resolution = self.directory.resolution
        extra: dict[str, Any] = {
            "channel_ids": dict(resolution.channels),
            "sent_ts": int(self.clock.now().timestamp()),
        }
        registrant = audience_registrant(cue.audience)
        if registrant is not None:
            extra["registrant"] = self._registrant(registrant)
        context_cue = Cue(
            cue.id,
            cue.at,
            cue.kind,
            cue.audience,
            cue.template,
            cue.subject,
            with_user_ids(dict(cue.context), resolution.speakers),
            cue.anchor,
        )
        languages = self.readers.audience(cue.audience)
        messages = [render_cue(self.texts.renderer_for(code), context_cue, extra) for code in languages]
        message = together(messages) if len(messages) > 1 else messages[0]
        buttons = cue_buttons(cue, self.people.state(), self.texts.words(languages[0]))
        return Message(message.text, message.context, buttons, message.sections) if buttons else message

    def _registrant(self, key: str) -> dict[str, Any]:
        """What a registrant's own messages may show them (their own details, nobody else's)."""
        found = self.people.registrants.get(key)
        if found is None:
            return {}
        return {
            "name": found.name,
            "title": found.title,
            "organisation": found.organisation,
            "phone": found.phone,
            "mode": found.mode,
            "language": found.language,
            "language_name": language(found.language or self.readers.webinar_language).name,
            "timezone": found.timezone,
            "source": found.source,
            "confirmed": found.confirmed_at is not None,
        }

    def _completer(self, cue: Cue) -> Callable[[Write], Write] | None:
        """What completes this cue's message on the sending thread (the digest's questions), if anything."""
        rebuild = self.rebuild.get(cue.template)
        if rebuild is None:
            return None

        def complete(write: Write) -> Write:
            assert isinstance(write, PostMessage)
            return replace(write, message=rebuild(cue, write.message))

        return complete

    def deliver(self, cue: Cue, reconcile_first: bool = False) -> None:
        try:
            conversation, fallback_for = self.destination(cue)
        except (ChatError, KeyError) as exc:  # a direct conversation that cannot be opened, a lost channel
            log.error("no destination for cue %s: %s", cue.id, exc)
            self.outbox.mark_failed(cue.id, self.clock.now(), f"no destination: {exc}")
            return
        message = self._ready_message(cue)
        if fallback_for is not None:
            w = self.texts.words()
            note = Emphasis(
                compose(
                    w("For {name}, who could not be reached in {platform}:"),
                    name=fallback_for,
                    platform=self.directory.chat.platform,
                )
            )
            message = Message(merge((note, Text(" "), *message.text)), message.context)
        self.sender.send(
            PostMessage(conversation, message),
            Priority.CUE,
            key=cue.id,
            on_done=lambda outcome: self._done(cue, outcome),
            reconcile_first=reconcile_first,
            prepare=self._completer(cue) if fallback_for is None else None,
        )

    def prerender(self, cues: list[Cue]) -> None:
        """Make the next instant's cues ready before it comes: render each message (and what completes
        it, such as the digest's questions) and open each direct conversation, so that at the instant
        the cues only go out, none waiting for the rendering of those before it. A cue re-planned
        meanwhile is rendered again when due."""
        for cue in cues:
            try:
                self.destination(cue)
                message = self.message(cue)
                rebuild = self.rebuild.get(cue.template)
                if rebuild is not None:  # made now too; when due, made again only if it has moved
                    rebuild(cue, message)
            except Exception:  # it will be tried again, and reported, when it is due
                log.debug("could not make cue %s ready ahead", cue.id, exc_info=True)
                continue
            with self._ready_lock:
                self._ready[cue.id] = (cue, message)

    def _ready_message(self, cue: Cue) -> Message:
        with self._ready_lock:
            ready = self._ready.pop(cue.id, None)
            stale = [k for k, (c, _) in self._ready.items() if c.at < cue.at]
            for key in stale:  # made ready, then withdrawn or moved: never to be used
                del self._ready[key]
        if ready is not None and ready[0] == cue:
            return ready[1]
        return self.message(cue)

    def _done(self, cue: Cue, outcome: Outcome) -> None:
        now = self.clock.now()
        if outcome.ok and outcome.ref is not None:
            self.outbox.mark_sent(cue.id, outcome.ref, now)
            for listener in self.on_posted:
                listener(cue, outcome.ref)
        else:
            self.outbox.mark_failed(cue.id, now, outcome.error or "failed")
