"""`webinar-bot serve DIR --platform matrix`: every webinar of a folder through one Matrix account, on a
real Synapse."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from matrix.fixtures import MatrixWorld
from matrix.fleet import MatrixFleet, cest, matrix_fleet, new_organiser, until
from matrix.people import API, MatrixUser
from sqlalchemy import create_engine

from bot.cli import main
from bot.matrix import writer
from bot.matrix.writer import ACTIONS_FIELD
from bot.serve.tagged import untag
from bot.store.sync_position import SyncPositionStore

from support import ROOT

ALPHA, BRAVO, CHARLIE = "webinar-alpha-2018-10-23", "webinar-bravo-2018-10-23", "webinar-charlie-2018-10-23"


@pytest.fixture(scope="module")
def organiser(matrix_world: MatrixWorld) -> MatrixUser:
    return new_organiser(matrix_world)


@pytest.fixture
def fleet(matrix_world: MatrixWorld, organiser: MatrixUser, tmp_path: Path) -> Iterator[MatrixFleet]:
    yield from matrix_fleet(matrix_world, organiser, tmp_path)


def test_two_webinars_in_their_own_rooms_each_get_their_cues_once_their_commands_and_their_questions(
    fleet: MatrixFleet,
) -> None:
    alpha_rooms = fleet.new_rooms("alpha", joining=("participant05",))
    bravo_rooms = fleet.new_rooms("bravo", joining=("participant05",))
    fleet.write("a.yaml", "Webinar Alpha", alpha_rooms, "14:00", "14:12")
    fleet.write(
        "b.yaml", "Webinar Bravo", bravo_rooms, "14:30", "14:42", speaker="thorn", speaker_name="Ath Thorn"
    )
    serve = fleet.start()
    assert {(s.key, s.runs_cues) for s in serve.fleet.states()} == {(ALPHA, True), (BRAVO, True)}

    fleet.step(cest("14:05"))
    fleet.says("ortiz", alpha_rooms.backstage, "!webinar status")
    status = fleet.notices("ortiz")[-1]
    assert "Webinar Alpha" in status and "Webinar Bravo" not in status

    fleet.step(cest("14:33"))
    fleet.says("participant05", bravo_rooms.questions, "Who pays for the floors?")
    fleet.step(cest("14:45"))
    assert [q.text for q in fleet.webinar(BRAVO).questions.all()] == ["Who pays for the floors?"]
    assert fleet.webinar(ALPHA).questions.all() == []

    rooms = {ALPHA: alpha_rooms, BRAVO: bravo_rooms}
    posted = fleet.keyed([room for r in rooms.values() for room in r.ids.values()])
    for key in rooms:
        planned = {cue.id for cue in fleet.webinar(key).session.plan()}
        assert planned, key
        twice = {cue: where for (owner, cue), where in posted.items() if owner == key and len(where) != 1}
        assert twice == {}, key
        missing = sorted(cue for cue in planned if (key, cue) not in posted)
        assert missing == [], key
        others = set(rooms[ALPHA if key == BRAVO else BRAVO].ids.values())
        assert not [cue for (owner, cue), where in posted.items() if owner == key and others & set(where)]
    assert sum("Opening of Webinar Alpha" in p for p in fleet.posts(alpha_rooms.announcements)) == 1
    assert not [p for p in fleet.posts(bravo_rooms.announcements) if "Webinar Alpha" in p]


def test_a_shared_room_asks_which_webinar_a_key_chooses_and_a_removed_file_stops_its_webinar(
    fleet: MatrixFleet,
) -> None:
    shared = fleet.new_rooms("shared")
    bravo_rooms = fleet.new_rooms("bravo")
    fleet.write("a.yaml", "Webinar Alpha", shared, "14:00", "14:12")
    fleet.write(
        "c.yaml", "Webinar Charlie", shared, "16:00", "16:12", speaker="mote", speaker_name="Hilma Mote"
    )
    fleet.write(
        "b.yaml", "Webinar Bravo", bravo_rooms, "14:30", "14:42", speaker="thorn", speaker_name="Ath Thorn"
    )
    serve = fleet.start()
    assert len([s for s in serve.fleet.states() if s.runs_cues]) == 3

    fleet.says("ortiz", shared.backstage, "!webinar status")
    asked = fleet.notices("ortiz")[-1]
    assert "which one?" in asked and ALPHA in asked and CHARLIE in asked and BRAVO not in asked
    fleet.says("ortiz", shared.backstage, f"!webinar {CHARLIE} delay 3")
    assert fleet.webinar(CHARLIE).session.state.adjustments.delays
    assert not fleet.webinar(ALPHA).session.state.adjustments.delays

    (fleet.folder / "b.yaml").unlink()
    fleet.step(cest("13:41"))
    assert sorted(s.key for s in serve.fleet.states()) == [ALPHA, CHARLIE]
    assert [p for p in fleet.posts(bravo_rooms.backstage) if "b.yaml" in p and "was removed" in p]
    fleet.step(cest("14:35"), every=timedelta(minutes=5))
    posted = fleet.keyed(list(bravo_rooms.ids.values()))
    assert not [cue for owner, cue in posted if owner == BRAVO and cue.startswith("item_start")]


def test_a_speakers_action_in_a_direct_room_carries_its_webinars_key_and_a_press_reaches_that_webinar(
    fleet: MatrixFleet,
) -> None:
    shared = fleet.new_rooms("shared")
    fleet.write("a.yaml", "Webinar Alpha", shared, "14:00", "14:12")
    fleet.write(
        "c.yaml", "Webinar Charlie", shared, "16:00", "16:12", speaker="mote", speaker_name="Hilma Mote"
    )
    fleet.start()
    fleet.step(cest("15:41"), every=timedelta(minutes=5))  # Mote is asked to check in before C's slot
    asks = [
        e
        for e in fleet.direct("mote")
        for action in e["content"].get(ACTIONS_FIELD) or []
        if action["action"] == "speaker_here"
    ]
    assert len(asks) == 1
    [here] = [a for a in asks[0]["content"][ACTIONS_FIELD] if a["action"] == "speaker_here"]
    assert untag(here["value"])[0] == CHARLIE  # in the content, as Slack keeps a button's value
    if not hasattr(writer, "KEYCAPS"):
        pytest.skip("this adapter's actions cannot be pressed yet (keycap presses come with Matrix buttons)")
    mote = fleet.world.people["mote"]
    mote.join(asks[0]["room_id"])
    number = [a["action"] for a in asks[0]["content"][ACTIONS_FIELD]].index("speaker_here") + 1
    relation = {
        "rel_type": "m.annotation",
        "event_id": asks[0]["event_id"],
        "key": writer.KEYCAPS[number - 1],
    }
    fleet.handled(mote.send(asks[0]["room_id"], "m.reaction", {"m.relates_to": relation}))
    fleet.step(cest("15:42"))
    assert "mote" in fleet.webinar(CHARLIE).people.state().checked_in
    assert "mote" not in fleet.webinar(ALPHA).people.state().checked_in


def test_serve_on_matrix_without_settings_says_which_are_needed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("MATRIX_HOMESERVER", "MATRIX_USER_ID", "MATRIX_ACCESS_TOKEN", "MATRIX_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    code = main(["serve", str(tmp_path), "--platform", "matrix", "--env", str(tmp_path / "none.env")])
    _, err = capsys.readouterr()
    assert code == 1 and "MATRIX_HOMESERVER" in err and "Traceback" not in err


def test_serve_platform_matrix_as_an_operator_starts_it_answers_each_webinar_and_stops_cleanly(
    fleet: MatrixFleet, tmp_path: Path
) -> None:
    alpha_rooms, bravo_rooms = fleet.new_rooms("alpha"), fleet.new_rooms("bravo")
    fleet.write("a.yaml", "Webinar Alpha", alpha_rooms, "14:00", "14:12")
    fleet.write(
        "b.yaml", "Webinar Bravo", bravo_rooms, "14:30", "14:42", speaker="thorn", speaker_name="Ath Thorn"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MATRIX_"))}
    env |= {
        "MATRIX_HOMESERVER": fleet.world.synapse.url,
        "MATRIX_USER_ID": fleet.bot.id,
        "MATRIX_ACCESS_TOKEN": fleet.bot.account.access_token,
        "DATABASE_URL": fleet.database_url,
    }
    command = [sys.executable, "-m", "bot", "serve", str(fleet.folder), "--platform", "matrix"]
    process = subprocess.Popen(
        [*command, "--env", str(tmp_path / "none.env")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        joined = set(alpha_rooms.ids.values()) | set(bravo_rooms.ids.values())
        until(
            lambda: joined <= set(fleet.bot.request("GET", f"{API}/joined_rooms")["joined_rooms"]), "joined"
        )
        positions = SyncPositionStore(create_engine(fleet.database_url))
        until(lambda: positions.load(fleet.bot.id) is not None, "listening (its sync position stored)")
        ortiz = fleet.world.people["ortiz"]
        for rooms, title in ((bravo_rooms, "Webinar Bravo"), (alpha_rooms, "Webinar Alpha")):
            before = len(fleet.notices("ortiz"))
            ortiz.says(rooms.backstage, "!webinar status")
            until(lambda before=before: len(fleet.notices("ortiz")) > before, f"an answer about {title}")
            assert title in fleet.notices("ortiz")[-1]
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err[-2000:]
    assert "Traceback" not in err and "serving" in err
    assert fleet.bot.account.access_token[:8] not in err + out  # no secret logged


def test_replicas_on_one_account_listen_one_at_a_time_and_another_takes_over_losing_nothing(
    fleet: MatrixFleet,
) -> None:
    rooms = fleet.new_rooms("relay")
    fleet.write("a.yaml", "Webinar Alpha", rooms, "14:00", "14:12")
    first, second = fleet.start(), fleet.start()
    assert first.listener is not None and second.listener is not None
    assert first.listener.listening and not second.listener.listening  # a sync sees everything
    assert not second.listener.poll()
    ortiz = fleet.world.people["ortiz"]
    asked = ortiz.says(rooms.backstage, "!webinar status")
    until(lambda: fleet.chat(first).handled(asked), "the listening replica handling the command")
    assert len(fleet.notices("ortiz")) == 1

    first.crash()
    asked = ortiz.says(rooms.backstage, "!webinar status")  # while nobody listens
    assert second.listener.poll()
    until(lambda: fleet.chat(second).handled(asked), "the other replica handling what came meanwhile")
    assert len(fleet.notices("ortiz")) == 2 and "Webinar Alpha" in fleet.notices("ortiz")[-1]


def test_a_registration_form_answered_in_the_direct_room_reaches_the_webinar_that_opened_it(
    fleet: MatrixFleet,
) -> None:
    if not hasattr(writer, "KEYCAPS"):
        pytest.skip("this adapter refuses forms (the exchange in the direct room comes with Matrix forms)")
    world = fleet.world
    world.synapse.exempt_from_rate_limits(world.admin, world.user_id("participant09"))  # a whole form at once
    alpha_rooms = fleet.new_rooms("alpha", joining=("participant09",))
    bravo_rooms = fleet.new_rooms("bravo", joining=("participant09",))
    fleet.write("a.yaml", "Webinar Alpha", alpha_rooms, "14:00", "14:12", registration="yes")
    fleet.write("b.yaml", "Webinar Bravo", bravo_rooms, "14:30", "14:42", speaker="thorn", registration="yes")
    fleet.start()
    fleet.says("participant09", bravo_rooms.announcements, "!webinar register")
    fleet.step(cest("13:41"))  # the form goes out through Bravo's sender
    person = world.people["participant09"]
    rooms = fleet.bot.direct_rooms().get(person.id, [])
    for room in rooms:
        person.join(room)
    for text in ("Ana Duarte", "-", "CGT", "-", "1", "Français", "-"):
        fleet.says("participant09", rooms[0], text)
    fleet.step(cest("13:42"))
    registered = fleet.webinar(BRAVO).people.registrants.all()
    assert [(r.name, r.language, r.person) for r in registered] == [("Ana Duarte", "fr", person.id)]
    assert fleet.webinar(ALPHA).people.registrants.all() == []
