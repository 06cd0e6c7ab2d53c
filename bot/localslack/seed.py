"""The workspace a rehearsal starts from: the default one, or one described in a YAML/JSON file.

The default has the seed schedules' channels, a user per seed speaker (`<key>@example.org`), a few
moderators and twenty participants spread over the world's time zones and locales. The bot is a member
of no channel at first, as when an app is freshly installed: it has to `conversations.join`.

File format (YAML or JSON), every key optional except the lists' `name`:

    team: {name: Local Webinars, domain: localwebinars}
    bot: {name: webinar-bot}
    users:
      - {name: ortiz, real_name: Ana Ortiz, email: ortiz@example.org, tz: Europe/Geneva, locale: en-US}
    channels:
      - {name: sp-webinar, is_private: false, members: all, topic: ..., purpose: ..., bot_member: false}
    usergroups:
      - {handle: webinar-moderators, name: Webinar moderators, users: [ortiz]}

`members` is a list of user names/emails/ids or `all` (every human user; the default).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.files import Unreadable, read_user_text
from bot.localslack.ids import IdFactory
from bot.localslack.workspace import BotIdentity, Channel, Team, User, Usergroup, Workspace


@dataclass(frozen=True)
class Person:
    key: str
    real_name: str
    tz: str
    locale: str


# The seed schedules' speakers, by the names the seed documents give.
SPEAKERS: tuple[Person, ...] = (
    Person("ortiz", "Isabel Ortiz", "Europe/Zurich", "es-ES"),
    Person("astor", "Evelyn Astor", "Europe/Brussels", "en-GB"),
    Person("kulke", "Ursula Kulke", "Europe/Berlin", "de-DE"),
    Person("behrendt", "Christina Behrendt", "Europe/Zurich", "de-DE"),
    Person("mote", "Hilma Mote", "Africa/Windhoek", "en-GB"),
    Person("muhika", "Damaris Muhika", "Africa/Nairobi", "en-GB"),
    Person("thorn", "Ath Thorn", "Asia/Phnom_Penh", "en-US"),
    Person("zuccotti", "Guillermo Zuccotti", "America/Argentina/Buenos_Aires", "es-ES"),
    Person("ganter", "Sarah Ganter", "Europe/Zurich", "fr-FR"),
    Person("markov", "Kroum Markov", "Europe/Zurich", "en-US"),
    Person("pal", "Karuna Pal", "Europe/Zurich", "en-US"),
    Person("schmidt", "Valerie Schmidt", "Europe/Zurich", "de-DE"),
    Person("muncher", "Mathias Muncher", "Europe/Brussels", "de-DE"),
    Person("yakbowski", "Jorge Yakbowski", "America/Argentina/Buenos_Aires", "es-ES"),
)

MODERATORS: tuple[Person, ...] = (
    Person("moderator", "Mo Derator", "Europe/Zurich", "en-US"),
    Person("host", "Hana Host", "Asia/Tokyo", "ja-JP"),
)

PARTICIPANT_ZONES: tuple[tuple[str, str], ...] = (
    ("Africa/Nairobi", "en-US"),
    ("America/Argentina/Buenos_Aires", "es-ES"),
    ("Asia/Phnom_Penh", "en-US"),
    ("Europe/Zurich", "fr-FR"),
    ("America/New_York", "en-US"),
    ("Asia/Kolkata", "en-US"),
    ("Europe/Berlin", "de-DE"),
    ("America/Sao_Paulo", "pt-BR"),
    ("Asia/Tokyo", "ja-JP"),
    ("Australia/Sydney", "en-US"),
)

PUBLIC_CHANNELS: tuple[tuple[str, str], ...] = (
    ("general", "Company-wide announcements"),
    ("sp-webinar", "Announcements of the SP webinar"),
    ("sp-webinar-questions", "Questions for the SP webinar speakers"),
    ("psi-panel-7", "Announcements of PSI panel 7"),
    ("psi-panel-7-questions", "Questions for PSI panel 7"),
)

BACKSTAGE_CHANNELS: tuple[tuple[str, str], ...] = (
    ("sp-webinar-backstage", "Speakers and moderators of the SP webinar"),
    ("psi-panel-7-backstage", "Speakers and moderators of PSI panel 7"),
)


def _new_workspace(ids: IdFactory, team: Mapping[str, Any], bot: Mapping[str, Any]) -> Workspace:
    identity = BotIdentity(
        user_id=str(bot.get("user_id") or ids.new("U")),
        bot_id=str(bot.get("bot_id") or ids.new("B")),
        app_id=str(bot.get("app_id") or ids.new("A")),
        name=str(bot.get("name", "webinar-bot")),
    )
    return Workspace(
        Team(
            id=str(team.get("id") or ids.new("T")),
            name=str(team.get("name", "Local Webinars")),
            domain=str(team.get("domain", "localwebinars")),
        ),
        identity,
        ids,
    )


def _person_user(ids: IdFactory, person: Person) -> User:
    return User(
        id=ids.new("U"),
        name=person.key,
        real_name=person.real_name,
        display_name=person.real_name.split()[0],
        email=f"{person.key}@example.org",
        tz=person.tz,
        locale=person.locale,
    )


def default_workspace(ids: IdFactory) -> Workspace:
    """The workspace the seed schedules expect (see the module docstring)."""
    ws = _new_workspace(ids, {}, {})
    speakers = [ws.add_user(_person_user(ids, p)) for p in SPEAKERS]
    moderators = [ws.add_user(_person_user(ids, p)) for p in MODERATORS]
    for moderator in moderators:
        moderator.is_admin = True
    participants = []
    for n in range(1, 21):
        tz, locale = PARTICIPANT_ZONES[(n - 1) % len(PARTICIPANT_ZONES)]
        participants.append(
            ws.add_user(
                User(
                    id=ids.new("U"),
                    name=f"participant{n:02d}",
                    real_name=f"Participant {n:02d}",
                    display_name=f"participant{n:02d}",
                    email=f"participant{n:02d}@example.org",
                    tz=tz,
                    locale=locale,
                )
            )
        )
    everyone = [u.id for u in [*moderators, *speakers, *participants]]
    backstage = [u.id for u in [*moderators, *speakers]]
    for name, purpose in PUBLIC_CHANNELS:
        ws.add_channel(Channel(id=ids.new("C"), name=name, members=list(everyone), purpose=purpose))
    for name, purpose in BACKSTAGE_CHANNELS:
        ws.add_channel(
            Channel(id=ids.new("C"), name=name, is_private=True, members=list(backstage), purpose=purpose)
        )
    group = Usergroup(
        id=ids.new("S"),
        handle="webinar-moderators",
        name="Webinar moderators",
        users=[u.id for u in moderators],
    )
    ws.usergroups[group.id] = group
    return ws


def _as_list(value: object, what: str) -> list[Mapping[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise ValueError(f"workspace file: `{what}` must be a list of mappings")
    return list(value)


def _member_ids(ws: Workspace, spec: object) -> list[str]:
    if spec is None or spec == "all":
        return [u.id for u in ws.humans()]
    if not isinstance(spec, Iterable) or isinstance(spec, str | bytes):
        raise ValueError("workspace file: channel `members` must be a list or `all`")
    ids: list[str] = []
    for ref in spec:
        user = ws.find_user(str(ref))
        if user is None:
            raise ValueError(f"workspace file: unknown channel member {ref!r}")
        ids.append(user.id)
    return ids


def _check_zone(user: str, tz: str) -> None:
    """Slack only ever reports IANA zone names; refuse others (e.g. Europe/Geneva: it is Europe/Zurich)."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"workspace file: user {user!r} has unknown time zone {tz!r}") from None


def workspace_from_mapping(data: Mapping[str, Any], ids: IdFactory) -> Workspace:
    """Build a workspace from the file format described in the module docstring."""
    team = data.get("team") or {}
    bot = data.get("bot") or {}
    if not isinstance(team, Mapping) or not isinstance(bot, Mapping):
        raise ValueError("workspace file: `team` and `bot` must be mappings")
    ws = _new_workspace(ids, team, bot)
    for spec in _as_list(data.get("users"), "users"):
        if "name" not in spec:
            raise ValueError("workspace file: every user needs a `name`")
        name = str(spec["name"])
        _check_zone(name, str(spec.get("tz", "UTC")))
        ws.add_user(
            User(
                id=str(spec.get("id") or ids.new("U")),
                name=name,
                real_name=str(spec.get("real_name", name)),
                display_name=str(spec.get("display_name", "")),
                email=str(spec.get("email", f"{name}@example.org")),
                tz=str(spec.get("tz", "UTC")),
                locale=str(spec.get("locale", "en-US")),
                is_bot=bool(spec.get("is_bot", False)),
                deleted=bool(spec.get("deleted", False)),
                is_admin=bool(spec.get("is_admin", False)),
                tz_label=spec.get("tz_label"),
            )
        )
    for spec in _as_list(data.get("channels"), "channels"):
        if "name" not in spec:
            raise ValueError("workspace file: every channel needs a `name`")
        is_private = bool(spec.get("is_private", False))
        members = _member_ids(ws, spec.get("members"))
        if spec.get("bot_member"):
            members.append(ws.bot.user_id)
        ws.add_channel(
            Channel(
                id=str(spec.get("id") or ids.new("G" if is_private else "C")),
                name=str(spec["name"]).lstrip("#"),
                is_private=is_private,
                members=members,
                topic=str(spec.get("topic", "")),
                purpose=str(spec.get("purpose", "")),
            )
        )
    for spec in _as_list(data.get("usergroups"), "usergroups"):
        if "handle" not in spec:
            raise ValueError("workspace file: every usergroup needs a `handle`")
        group = Usergroup(
            id=str(spec.get("id") or ids.new("S")),
            handle=str(spec["handle"]),
            name=str(spec.get("name", spec["handle"])),
            users=_member_ids(ws, spec.get("users", [])),
        )
        ws.usergroups[group.id] = group
    return ws


def load_workspace(path: Path, ids: IdFactory) -> Workspace:
    """Read a workspace file (`.json`, or YAML for anything else); ValueError saying what is wrong.

    Read through bot.files like every file a user gives, so the same size limit holds.
    """
    text = read_user_text(path, "workspace file")
    if isinstance(text, Unreadable):
        raise ValueError(str(text))
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        raise ValueError(f"{path}: not valid JSON/YAML ({error})") from None
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: a workspace file holds a mapping")
    return workspace_from_mapping(data, ids)
