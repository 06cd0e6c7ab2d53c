"""Readers' language on Matrix, where profiles carry no locale: a registrant imported with their Matrix
id (the CSV's optional `matrix` column) is found on Matrix and reads their direct messages and
replies in the language they chose; one who chose none reads the webinar's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from matrix.fixtures import MatrixWorld
from matrix.fleet import MORNING, MatrixFleet, cest, matrix_fleet, new_organiser

from bot.cli import main
from bot.clock import ManualClock
from bot.store.db import make_engine
from bot.store.people import RegistrantStore

KEY = "webinar-lingua-2018-10-23"


@pytest.fixture
def fleet(matrix_world: MatrixWorld, tmp_path: Path) -> Iterator[MatrixFleet]:
    yield from matrix_fleet(matrix_world, new_organiser(matrix_world), tmp_path)


def importing(fleet: MatrixFleet, tmp_path: Path, name: str, rows: str) -> int:
    """`webinar-bot registrants import` of a list with a `matrix` column into the fleet's database."""
    people = tmp_path / name
    people.write_text("name,title,organisation,email,phone,mode,language,matrix\n" + rows, encoding="utf-8")
    schedule = fleet.folder / "lingua.yaml"
    none = tmp_path / "none.env"
    return main(
        [
            "registrants",
            "import",
            str(people),
            "--schedule",
            str(schedule),
            "--db",
            fleet.database_url,
            "--env",
            str(none),
        ]
    )


def accounts(fleet: MatrixFleet) -> dict[str, str | None]:
    engine = make_engine(fleet.database_url)
    try:
        return {r.name: r.person for r in RegistrantStore(engine, KEY).all()}
    finally:
        engine.dispose()


def test_a_french_registrant_imported_with_a_matrix_id_gets_connect_now_and_replies_in_french(
    fleet: MatrixFleet, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rooms = fleet.new_rooms("lingua", joining=("participant07",))
    fleet.write("lingua.yaml", "Webinar Lingua", rooms, "14:00", "14:12", registration="yes")
    seven, eight = fleet.world.user_id("participant07"), fleet.world.user_id("participant08")
    monkeypatch.setattr("bot.clock.SystemClock", lambda: ManualClock(MORNING - timedelta(days=3)))
    code = importing(
        fleet, tmp_path, "before.csv", f"Participant Sept,,CGT,sept@example.org,,online,fr,{seven}\n"
    )
    assert (
        code == 0 and "1 imported" in capsys.readouterr().out
    )  # three days before, on the organisers' clock

    fleet.start()  # finds Sept by their Matrix id
    assert accounts(fleet) == {"Participant Sept": seven}
    code = importing(fleet, tmp_path, "later.csv", f"Participant Eight,,ITUC,,,online,,{eight}\n")
    assert code == 0 and "1 imported" in capsys.readouterr().out
    fleet.step(cest("13:41"))  # the running webinar picks the list up and finds Eight
    assert accounts(fleet) == {"Participant Sept": seven, "Participant Eight": eight}

    fleet.step(cest("13:51"))  # connect-now goes to each online registrant 10 minutes before
    french = [e["content"]["body"] for e in fleet.direct("participant07")]
    english = [e["content"]["body"] for e in fleet.direct("participant08")]
    assert [t for t in french if "Merci de vous connecter dès maintenant" in t], french
    assert not [t for t in french if "Please start connecting now" in t]
    assert [t for t in english if "Please start connecting now" in t], english  # no choice: the webinar's

    fleet.says("participant07", rooms.announcements, "!ask Qui finance la protection sociale ?")
    fleet.step(cest("13:52"))
    assert [q.text for q in fleet.webinar(KEY).questions.all()] == ["Qui finance la protection sociale ?"]
    assert "Merci ! Votre question" in fleet.notices("participant07")[-1]
