"""A real Synapse for the test session, and the seed webinar's people and rooms on it.

One homeserver per session (it starts in a few seconds): the speakers of the seed webinar and a
crowd of participants are registered by shared secret; the moderator (ortiz) creates the three rooms
under the aliases the schedule names (`#sp-webinar:localhost`, ...), announcements and questions
public, backstage invite-only; the participants join the public ones. Each test gets a bot account of its
own (registered, exempted from the message rate limit as an operator would, invited to backstage),
so one test's posts, direct rooms and transaction ids never meet another's. Where Synapse cannot
start, everything that needs it is skipped, saying why.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from matrix.people import MatrixUser

from bot.agenda.yaml_loader import load_yaml
from bot.matrix.homeserver import Account, LocalSynapse, SynapseUnavailable

from support import SEED_WEBINAR

PARTICIPANTS = [f"participant{n:02d}" for n in range(1, 11)]  # Synapse lets 10 join a room at once
ROOMS = {
    "announcements": "sp-webinar",
    "questions": "sp-webinar-questions",
    "backstage": "sp-webinar-backstage",
}
MODERATOR = "ortiz"


@dataclass
class MatrixWorld:
    synapse: LocalSynapse
    admin: Account
    people: dict[str, MatrixUser]
    rooms: dict[str, str]  # audience -> room id
    _bots: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def server_name(self) -> str:
        return self.synapse.server_name

    def user_id(self, key: str) -> str:
        return f"@{key}:{self.server_name}"

    def new_bot(self) -> MatrixUser:
        """A bot account of its own for one test: exempted from rate limits, invited to backstage."""
        localpart = f"webinarbot{next(self._bots)}"
        account = self.synapse.register(localpart, "Webinar Bot")
        self.synapse.exempt_from_rate_limits(self.admin, account.user_id)
        self.people[MODERATOR].invite(self.rooms["backstage"], account.user_id)
        return MatrixUser(self.synapse.url, account)


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSynapse]:
    server = LocalSynapse(Path(tmp_path_factory.mktemp("synapse")))
    try:
        server.start()
    except SynapseUnavailable as exc:
        pytest.skip(f"Synapse cannot start here: {exc}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def matrix_world(synapse: LocalSynapse) -> MatrixWorld:
    admin = synapse.register("admin", "Admin", admin=True)
    agenda = load_yaml(SEED_WEBINAR).agenda
    assert agenda is not None
    names = {key: speaker.name for key, speaker in agenda.speakers.items()}
    names |= {key: key.replace("participant", "Participant ") for key in PARTICIPANTS}
    people = {key: MatrixUser(synapse.url, synapse.register(key, name)) for key, name in names.items()}
    moderator = people[MODERATOR]
    rooms = {
        audience: moderator.create_room(alias, public=audience != "backstage")
        for audience, alias in ROOMS.items()
    }
    for key in PARTICIPANTS:  # speakers hear from the bot in their direct rooms
        people[key].join(rooms["announcements"])
        people[key].join(rooms["questions"])
    return MatrixWorld(synapse, admin, people, rooms)
