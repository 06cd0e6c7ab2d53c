"""`webinar-bot registrants import/export`: the organisers' list in and out, every bad row refused
with its line, nothing lost, and a spreadsheet that shows what people typed instead of running it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bot.cli import main

from support import SEED_WEBINAR

GOOD = "name,title,organisation,email,phone,mode,language\n"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def importing(tmp_path: Path, csv_file: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    return run(capsys, "registrants", "import", str(csv_file), "--schedule", str(SEED_WEBINAR), "--db", db)


def exporting(tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str = "csv") -> str:
    db = f"sqlite:///{tmp_path / 'bot.db'}"
    code, out, _ = run(
        capsys, "registrants", "export", "--schedule", str(SEED_WEBINAR), "--db", db, "--format", fmt
    )
    assert code == 0
    return out


def test_each_bad_row_is_refused_with_its_line_and_the_good_ones_are_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        GOOD
        + "Ana Pérez,Officer,CGT-RA,ana@example.org,+54 11 5555 0101,online,es\n"
        + "Bad Mode,,Union,mode@example.org,,hybrid,en\n"
        + "Bad Mail,,Union,not-an-email,,online,en\n"
        + ",,Union,noname@example.org,,online,en\n"
        + "Ana Again,,CGT-RA,ANA@example.org,,online,es\n"
        + "Jean Dupont,,CGT,jean@example.org,,in person,fr\n",
        encoding="utf-8",
    )
    code, out, err = importing(tmp_path, path, capsys)
    assert code == 1
    assert "2 imported, 0 updated" in out
    assert "line 3: Bad Mode: unknown mode 'hybrid'" in err
    assert "line 4: Bad Mail: 'not-an-email' is not an e-mail address" in err
    assert "line 5: no name" in err
    assert "line 6: Ana Again: the same person as on line 2" in err
    again_code, again, _ = importing(tmp_path, path, capsys)
    assert again_code == 1 and "0 imported, 0 updated, 2 unchanged" in again  # nothing changed, nothing lost
    rows = list(csv.DictReader(io.StringIO(exporting(tmp_path, capsys))))
    assert [(r["name"], r["mode"]) for r in rows] == [("Ana Pérez", "online"), ("Jean Dupont", "in_person")]


def test_semicolons_a_bom_other_column_orders_and_extra_columns_are_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes("\ufeffE-mail;Notes;Mode;Name\nana@example.org;vegetarian;online;Ana\n".encode())
    code, out, _ = importing(tmp_path, path, capsys)
    assert code == 0 and "1 imported" in out
    (row,) = json.loads(exporting(tmp_path, capsys, "json"))["registrants"]
    assert (row["name"], row["email"], row["mode"]) == ("Ana", "ana@example.org", "online")


def test_a_formula_is_stored_as_typed_and_exported_so_a_spreadsheet_shows_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "list.csv"
    path.write_text(GOOD + '"=HYPERLINK(""http://x"",""y"")",,@union,evil@example.org,,online,en\n')
    code, _, _ = importing(tmp_path, path, capsys)
    assert code == 0
    (row,) = list(csv.DictReader(io.StringIO(exporting(tmp_path, capsys))))
    assert row["name"] == '\'=HYPERLINK("http://x","y")' and row["organisation"] == "'@union"
    (record,) = json.loads(exporting(tmp_path, capsys, "json"))["registrants"]
    assert record["name"].startswith("=HYPERLINK")  # JSON keeps what they typed


def test_a_10_mb_list_and_latin_1_bytes_are_refused_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(GOOD.encode() + b"x" * 10_000_000)
    code, _, err = importing(tmp_path, big, capsys)
    assert code == 2 and "is larger than 2 MiB" in err and "Traceback" not in err
    latin = tmp_path / "latin.csv"
    latin.write_bytes(GOOD.encode() + "José Núñez,,,jose@example.org,,online,es\n".encode("latin-1"))
    code, _, err = importing(tmp_path, latin, capsys)
    assert code == 2 and "UTF-8" in err and "line 2" in err


def test_a_list_without_the_columns_says_which_are_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "list.csv"
    path.write_text("full name,e-mail\nAna,ana@example.org\n")
    code, _, err = importing(tmp_path, path, capsys)
    assert code == 1 and "no 'mode' column" in err


def test_an_optional_matrix_column_is_checked_kept_exported_and_forgotten_with_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.store.db import make_engine
    from bot.store.people import RegistrantStore

    path = tmp_path / "list.csv"
    path.write_text(
        GOOD.replace("\n", ",Matrix ID\n")
        + "Marie Curie,,CGT,,,online,fr,@marie:example.org\n"
        + "Bad Id,,CGT,,,online,fr,marie@example.org\n"
        + "Marie Twice,,CGT,,,online,fr,@marie:example.org\n"
        + "Ana Pérez,,CGT-RA,ana@example.org,,online,es,\n",
        encoding="utf-8",
    )
    code, out, err = importing(tmp_path, path, capsys)
    assert code == 1 and "2 imported" in out
    assert "line 3: Bad Id: 'marie@example.org' is not a Matrix id" in err
    assert "line 4: Marie Twice: the same person as on line 2" in err
    again_code, again, _ = importing(tmp_path, path, capsys)
    assert again_code == 1 and "0 imported, 0 updated, 2 unchanged" in again  # same people, by Matrix id
    rows = {r["name"]: r for r in json.loads(exporting(tmp_path, capsys, "json"))["registrants"]}
    assert rows["Marie Curie"]["matrix"] == "@marie:example.org" and rows["Ana Pérez"]["matrix"] == ""
    exported = tmp_path / "exported.csv"  # a spreadsheet shows `@...` as typed: `'@...` in the CSV
    exported.write_text(exporting(tmp_path, capsys), encoding="utf-8")
    assert "'@marie:example.org" in exported.read_text(encoding="utf-8")
    assert "0 imported, 0 updated, 2 unchanged" in importing(tmp_path, exported, capsys)[1]
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        store = RegistrantStore(engine, json.loads(exporting(tmp_path, capsys, "json"))["webinar"])
        marie = next(r for r in store.all() if r.name == "Marie Curie")
        assert marie.account("matrix") == "@marie:example.org" and marie.account("slack") is None
        store.forget(marie.key, marie.registered_at)
        assert not [r for r in store.all() if r.matrix]
    finally:
        engine.dispose()
