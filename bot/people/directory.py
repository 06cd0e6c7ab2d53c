"""Who and where on the chat platform: the schedule's channels, speakers and moderators, resolved.

Done once at start (and again when the schedule's people change), so every cue knows its
conversation and every speaker their direct conversation; what cannot be resolved is reported to
backstage by name, never silently dropped. `Directory.is_moderator` is the one answer to "may this
person steer?", for commands, buttons and forms alike.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from bot.agenda.header import EMAIL
from bot.agenda.model import Agenda
from bot.chat.port import ChatError, ChatPort
from bot.i18n.localized import Phrase
from bot.i18n.words import N_

log = logging.getLogger(__name__)
AUDIENCES = ("announcements", "questions", "backstage")


class SetupError(Exception):
    """The bot cannot run in this workspace as configured (a channel missing, none named)."""


@dataclass(frozen=True)
class Resolution:
    channels: Mapping[str, str] = field(default_factory=dict)  # audience -> conversation id
    speakers: Mapping[str, str] = field(default_factory=dict)  # speaker key -> person id
    unresolved: Mapping[str, str] = field(default_factory=dict)  # speaker key -> why not
    moderators: frozenset[str] = frozenset()  # person ids
    unresolved_moderators: Mapping[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def report(self, agenda: Agenda, platform: str) -> list[Phrase]:
        """What backstage should know about people and places the bot could not find (the reasons
        themselves are the platform's, as it gave them)."""
        lines = [
            Phrase.of(
                N_("{name} ({key}): {why}; their cues will come here, by name"),
                name=agenda.speaker_name(key),
                key=key,
                why=why,
            )
            for key, why in sorted(self.unresolved.items())
        ]
        lines += [
            Phrase.of(
                N_("moderator {who}: {why}; they cannot steer from {platform}"),
                who=who,
                why=why,
                platform=platform,
            )
            for who, why in sorted(self.unresolved_moderators.items())
        ]
        return lines + [Phrase.of("{problem}", problem=problem) for problem in self.problems]


def resolve_channels(agenda: Agenda, chat: ChatPort) -> tuple[dict[str, str], list[str]]:
    """Each audience's conversation id, joining public ones; problems to report."""
    if agenda.channels is None:
        raise SetupError("the schedule names no channels")
    found: dict[str, str] = {}
    problems: list[str] = []
    missing: list[str] = []
    for audience in AUDIENCES:
        name = agenda.channels.for_audience(audience) or ""
        try:
            conversation = chat.find_conversation(name)
        except ChatError as exc:
            raise SetupError(str(exc)) from exc
        if conversation is None:
            missing.append(f"#{name} ({audience})")
            continue
        found[audience] = conversation.id
        if conversation.member:
            continue
        if conversation.private:
            problems.append(f"#{name} is private: invite the bot with /invite")
            continue
        try:
            chat.join(conversation.id)
        except ChatError as exc:
            problems.append(f"cannot join #{name} ({exc.reason}): invite the bot")
    if missing:
        raise SetupError(
            "channel not found: " + ", ".join(missing) + ". Create it, or fix `channels:` in the schedule."
        )
    return found, problems


def _person(chat: ChatPort, ref: str) -> tuple[str | None, str]:
    try:
        person = chat.find_person(ref)
    except ChatError as exc:
        return None, exc.reason
    if person is None:
        return None, f"no {chat.platform} account for {ref}"
    if not person.active:
        return None, f"{chat.platform} has no active user {ref}"
    return person.id, ""


def resolve_people(agenda: Agenda, chat: ChatPort, platform_key: str) -> Resolution:
    speakers: dict[str, str] = {}
    unresolved: dict[str, str] = {}
    by_email = [s.email for s in agenda.speakers.values() if s.email and not s.account(platform_key)]
    if len(by_email) > 1:
        try:  # one walk of the directory instead of a look-up each (the adapter keeps what it found)
            chat.find_people(by_email)
        except ChatError as exc:
            log.warning("looking speakers up together failed (%s); one by one instead", exc.reason)
    for key, speaker in agenda.speakers.items():
        person, why = None, f"no {platform_key} id and no email in the schedule"
        account = speaker.account(platform_key)
        if account:
            person, why = _person(chat, account)
        if person is None and speaker.email:
            person, why = _person(chat, speaker.email)
        if person:
            try:
                chat.direct_conversation(person)  # now, not when their first cue is due
            except ChatError as exc:
                person, why = None, f"cannot open a direct message ({exc.reason})"
        if person:
            speakers[key] = person
        else:
            unresolved[key] = why
    moderators: set[str] = set()
    unresolved_moderators: dict[str, str] = {}
    for ref in agenda.moderators:
        if ref in agenda.speakers:
            if ref in speakers:
                moderators.add(speakers[ref])
            else:
                unresolved_moderators[ref] = unresolved.get(ref, "not found")
            continue
        try:
            members = chat.group_members(ref)
        except ChatError as exc:
            unresolved_moderators[ref] = exc.reason
            continue
        if members is not None:
            moderators.update(members)
            continue
        person, why = _person(chat, ref)
        if person:
            moderators.add(person)
        elif EMAIL.match(ref):
            unresolved_moderators[ref] = why
        else:
            unresolved_moderators[ref] = (
                f"not a speaker key, nor a {chat.platform} account, email or user group"
            )
    return Resolution(
        speakers=MappingProxyType(speakers),
        unresolved=MappingProxyType(unresolved),
        moderators=frozenset(moderators),
        unresolved_moderators=MappingProxyType(unresolved_moderators),
    )


def resolve(agenda: Agenda, chat: ChatPort, platform_key: str) -> Resolution:
    channels, problems = resolve_channels(agenda, chat)
    people = resolve_people(agenda, chat, platform_key)
    return replace(people, channels=MappingProxyType(channels), problems=tuple(problems))


class Directory:
    """The current resolution of one webinar, and the questions asked of it."""

    def __init__(self, chat: ChatPort, platform_key: str, resolution: Resolution) -> None:
        self.chat = chat
        self.platform_key = platform_key
        self._resolution = resolution
        self._lock = threading.Lock()

    @property
    def resolution(self) -> Resolution:
        with self._lock:
            return self._resolution

    def channel(self, audience: str) -> str:
        return self.resolution.channels[audience]

    def speaker(self, key: str) -> str | None:
        return self.resolution.speakers.get(key)

    @property
    def speakers(self) -> Mapping[str, str]:
        return self.resolution.speakers

    def is_moderator(self, person: str) -> bool:
        """The one moderator check: commands, buttons and forms all ask here."""
        return person in self.resolution.moderators

    @property
    def moderators(self) -> frozenset[str]:
        return self.resolution.moderators

    def direct(self, person: str) -> str:
        return self.chat.direct_conversation(person)

    def refresh_people(self, agenda: Agenda) -> None:
        """The schedule's speakers or moderators changed: resolve them again (channels stay)."""
        people = resolve_people(agenda, self.chat, self.platform_key)
        with self._lock:
            current = self._resolution
            self._resolution = replace(people, channels=current.channels, problems=current.problems)
