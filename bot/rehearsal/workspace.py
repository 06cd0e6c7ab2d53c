"""A stand-in workspace for rehearsing any schedule: the default one, plus what the schedule names.

Every speaker and email moderator becomes a user (reachable by the schedule's email, or by
`<key>@example.org`), every channel the schedule names exists (backstage private, with the speakers
and moderators in it), and the bot is invited to backstage, as a moderator would do before a
real webinar. A speaker the schedule gives only a Slack id stays unreachable, as in a workspace
that does not know that id.
"""

from __future__ import annotations

from bot.agenda.header import EMAIL
from bot.agenda.model import Agenda
from bot.localslack.ids import IdFactory
from bot.localslack.seed import default_workspace
from bot.localslack.workspace import Channel, User, Workspace


def rehearsal_workspace(agenda: Agenda) -> Workspace:
    ids = IdFactory()
    ws = default_workspace(ids)
    people: list[str] = []
    for key, speaker in agenda.speakers.items():
        if speaker.slack and not speaker.email:
            continue
        email = speaker.email or f"{key}@example.org"
        user = ws.find_user(email) or ws.add_user(
            User(
                id=ids.new("U"),
                name=key,
                real_name=speaker.name,
                email=email,
                tz=agenda.timezone,
                display_name=speaker.name.split()[0] if speaker.name else key,
            )
        )
        people.append(user.id)
    for moderator in agenda.moderators:
        if EMAIL.match(moderator):
            user = ws.find_user(moderator) or ws.add_user(
                User(
                    id=ids.new("U"),
                    name=moderator.split("@")[0],
                    real_name=moderator.split("@")[0],
                    email=moderator,
                    tz=agenda.timezone,
                )
            )
            people.append(user.id)
    humans = [u.id for u in ws.humans()]
    if agenda.channels is not None:
        for audience in ("announcements", "questions", "backstage"):
            name = agenda.channels.for_audience(audience) or ""
            channel = ws.find_channel(name)
            private = audience == "backstage"
            if channel is None:
                members = sorted(set(people)) if private else list(humans)
                channel = ws.add_channel(
                    Channel(
                        id=ids.new("G" if private else "C"), name=name, is_private=private, members=members
                    )
                )
            if private:
                for person in people:
                    if person not in channel.members:
                        channel.members.append(person)
                if ws.bot.user_id not in channel.members:
                    channel.members.append(ws.bot.user_id)
    return ws
