"""Who and where in Slack: the schedule's channels, speakers and moderators resolved to Slack ids.

Done once at start (and again when the schedule changes), so every cue knows its channel and every
speaker their DM; what cannot be resolved is reported to backstage by name, never silently dropped.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.agenda.header import EMAIL, SLACK_USER_ID
from bot.agenda.model import Agenda

log = logging.getLogger(__name__)


class SlackSetupError(Exception):
    """The bot cannot run in this workspace as configured (bad token, missing channel)."""


@dataclass(frozen=True)
class BotIdentity:
    user_id: str
    bot_id: str
    team_id: str
    team: str


@dataclass
class Resolution:
    channels: dict[str, str] = field(default_factory=dict)  # audience -> channel id
    speakers: dict[str, str] = field(default_factory=dict)  # speaker key -> user id
    unresolved: dict[str, str] = field(default_factory=dict)  # speaker key -> why not
    moderators: set[str] = field(default_factory=set)  # user ids
    unresolved_moderators: dict[str, str] = field(default_factory=dict)
    channel_problems: list[str] = field(default_factory=list)

    def report(self, agenda: Agenda) -> str | None:
        """What backstage should know about people and places the bot could not find."""
        lines = []
        for key, why in sorted(self.unresolved.items()):
            lines.append(f"• {agenda.speaker_name(key)} ({key}): {why}; their cues will come here, by name")
        for who, why in sorted(self.unresolved_moderators.items()):
            lines.append(f"• moderator {who}: {why}; they cannot steer from Slack")
        lines.extend(f"• {problem}" for problem in self.channel_problems)
        if not lines:
            return None
        return "Some people or channels could not be resolved in Slack:\n" + "\n".join(lines)


def _error(exc: SlackApiError) -> str:
    data = exc.response.data if isinstance(exc.response.data, dict) else {}
    return str(data.get("error", "unknown_error"))


class Directory:
    """Lookups against the Web API, cached for the bot's lifetime."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._dms: dict[str, str] = {}
        self._users: dict[str, dict[str, object]] = {}
        self.identity: BotIdentity | None = None

    def check_auth(self) -> BotIdentity:
        try:
            data = self.client.auth_test().data
        except SlackApiError as exc:
            raise SlackSetupError(
                f"Slack refused the bot token ({_error(exc)}): check SLACK_BOT_TOKEN"
            ) from exc
        assert isinstance(data, dict)
        self.identity = BotIdentity(
            str(data.get("user_id", "")),
            str(data.get("bot_id", "")),
            str(data.get("team_id", "")),
            str(data.get("team", "")),
        )
        return self.identity

    # -- channels ------------------------------------------------------------------------------

    def _all_channels(self) -> Iterator[dict[str, object]]:
        cursor = None
        while True:
            page = self.client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=200, cursor=cursor
            ).data
            assert isinstance(page, dict)
            yield from page.get("channels", [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    def resolve_channels(self, agenda: Agenda, resolution: Resolution) -> None:
        if agenda.channels is None:
            raise SlackSetupError("the schedule names no channels")
        wanted = {
            "announcements": agenda.channels.announcements,
            "questions": agenda.channels.questions,
            "backstage": agenda.channels.backstage,
        }
        try:
            known = list(self._all_channels())
        except SlackApiError as exc:
            raise SlackSetupError(f"cannot list channels ({_error(exc)})") from exc
        by_name = {str(c.get("name", "")).lower(): c for c in known}
        by_id = {str(c.get("id", "")): c for c in known}
        missing = []
        for audience, name in wanted.items():
            channel = by_id.get(name) or by_name.get(name.lower().lstrip("#"))
            if channel is None:
                missing.append(f"#{name} ({audience})")
                continue
            channel_id = str(channel["id"])
            resolution.channels[audience] = channel_id
            if not channel.get("is_member"):
                self._join(channel, name, resolution)
        if missing:
            raise SlackSetupError(
                "channel not found: "
                + ", ".join(missing)
                + ". Create it, or fix `channels:` in the schedule."
            )

    def _join(self, channel: dict[str, object], name: str, resolution: Resolution) -> None:
        if channel.get("is_private"):
            resolution.channel_problems.append(f"#{name} is private: invite the bot with /invite")
            return
        try:
            self.client.conversations_join(channel=str(channel["id"]))
        except SlackApiError as exc:
            resolution.channel_problems.append(f"cannot join #{name} ({_error(exc)}): invite the bot")

    # -- people --------------------------------------------------------------------------------

    def user(self, user_id: str) -> dict[str, object] | None:
        if user_id not in self._users:
            try:
                data = self.client.users_info(user=user_id, include_locale=True).data
            except SlackApiError:
                return None
            assert isinstance(data, dict)
            self._users[user_id] = dict(data.get("user") or {})
        return self._users[user_id]

    def display_name(self, user_id: str) -> str:
        """A person's full name (for attributions and the minutes), else their display name."""
        user = self.user(user_id) or {}
        profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
        assert isinstance(profile, dict)
        for value in (
            profile.get("real_name"),
            user.get("real_name"),
            profile.get("display_name"),
            user.get("name"),
        ):
            if value:
                return str(value)
        return user_id

    def known_name(self, user_id: str) -> str | None:
        """The name if it was looked up already (never a Slack call: listeners must answer fast)."""
        return self.display_name(user_id) if user_id in self._users else None

    def _by_email(self, email: str) -> tuple[str | None, str]:
        try:
            data = self.client.users_lookupByEmail(email=email).data
        except SlackApiError as exc:
            reason = "no Slack account for " + email if _error(exc) == "users_not_found" else _error(exc)
            return None, reason
        assert isinstance(data, dict)
        user = data.get("user") or {}
        return str(user.get("id")), ""

    def resolve_people(self, agenda: Agenda, resolution: Resolution) -> None:
        for key, speaker in agenda.speakers.items():
            user_id, why = None, "no slack id and no email in the schedule"
            if speaker.slack:
                info = self.user(speaker.slack)
                if info is not None and not info.get("deleted"):
                    user_id = speaker.slack
                else:
                    why = f"Slack has no active user {speaker.slack}"
            if user_id is None and speaker.email:
                user_id, why = self._by_email(speaker.email)
            if user_id:
                resolution.speakers[key] = user_id
            else:
                resolution.unresolved[key] = why
        for moderator in agenda.moderators:
            self._resolve_moderator(moderator, resolution)

    def _resolve_moderator(self, who: str, resolution: Resolution) -> None:
        if who in resolution.speakers:
            resolution.moderators.add(resolution.speakers[who])
        elif who in resolution.unresolved:
            resolution.unresolved_moderators[who] = resolution.unresolved[who]
        elif SLACK_USER_ID.match(who):
            resolution.moderators.add(who)
        elif EMAIL.match(who):
            user_id, why = self._by_email(who)
            if user_id:
                resolution.moderators.add(user_id)
            else:
                resolution.unresolved_moderators[who] = why
        elif who.startswith("S"):
            try:
                data = self.client.usergroups_users_list(usergroup=who).data
            except SlackApiError as exc:
                resolution.unresolved_moderators[who] = f"user group lookup failed ({_error(exc)})"
                return
            assert isinstance(data, dict)
            resolution.moderators.update(str(u) for u in data.get("users", []))
        else:
            resolution.unresolved_moderators[who] = "not a speaker key, a Slack id, an email or a user group"

    def resolve(self, agenda: Agenda) -> Resolution:
        resolution = Resolution()
        self.resolve_channels(agenda, resolution)
        self.resolve_people(agenda, resolution)
        return resolution

    def open_dms(self, resolution: Resolution) -> None:
        """Open each resolved speaker's DM; a speaker whose DM cannot be opened is unresolved."""
        for key, user_id in list(resolution.speakers.items()):
            try:
                self.dm_channel(user_id)
            except SlackApiError as exc:
                del resolution.speakers[key]
                resolution.unresolved[key] = f"cannot open a direct message ({_error(exc)})"

    def dm_channel(self, user_id: str) -> str:
        """The IM channel with `user_id` (conversations.open), cached."""
        if user_id not in self._dms:
            data = self.client.conversations_open(users=user_id).data
            assert isinstance(data, dict)
            self._dms[user_id] = str((data.get("channel") or {}).get("id"))
        return self._dms[user_id]


class NameResolver:
    """Looks names up off the listeners' threads: a burst of new askers must not hold their acks
    behind `users.info` rate limits. Each name is looked up once; `on_name` gets it."""

    def __init__(
        self, directory: Directory, on_name: Callable[[str, str], object], interval: float = 0.7
    ) -> None:
        self.directory = directory
        self.on_name = on_name
        self.interval = interval  # users.info is Tier 4 (100+ per minute): stay well inside it
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._asked: set[str] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="name-resolver", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)

    def name(self, user_id: str) -> str:
        """The name if known; otherwise the id for now, and the name is looked up soon."""
        known = self.directory.known_name(user_id)
        if known is not None:
            return known
        with self._lock:
            if user_id not in self._asked:
                self._asked.add(user_id)
                self._queue.put(user_id)
        return user_id

    def resolve_now(self) -> None:
        """Look up everything asked so far, in this thread (tests)."""
        while True:
            try:
                user_id = self._queue.get_nowait()
            except queue.Empty:
                return
            if user_id is not None:
                self._resolve(user_id)

    def _resolve(self, user_id: str) -> None:
        name = self.directory.display_name(user_id)
        if name != user_id:
            try:
                self.on_name(user_id, name)
            except Exception:
                log.exception("recording the name of %s failed", user_id)

    def _loop(self) -> None:
        stop = threading.Event()
        while True:
            user_id = self._queue.get()
            if user_id is None:
                return
            self._resolve(user_id)
            stop.wait(self.interval)  # real seconds: Slack counts its rate limits in them
