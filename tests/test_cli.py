"""The command line as a user meets it: exit codes, where messages go, no tracebacks."""

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.agenda.yamldoc import MAX_VALUES
from bot.cli import COMMANDS, main
from bot.files import MAX_FILE_BYTES

from support import ROOT, SEED_WEBINAR

Write = Callable[..., Path]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_a_valid_schedule_exits_0_with_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", str(SEED_WEBINAR))
    assert code == 0
    assert "12 speaker slots" in out and "7 discussions" in out and "8 thematic sessions" in out
    assert "total buffer: 40 min" in out
    assert "warning" in err and "error:" not in err


def test_check_an_invalid_schedule_exits_1_with_errors_on_stderr(
    capsys: pytest.CaptureFixture[str], write_schedule: Write
) -> None:
    path = write_schedule("""
        agenda:
          - {time: "14:00-14:30", title: First}
          - {time: "14:20-14:40", title: Second}
        """)
    code, out, err = run(capsys, "check", str(path))
    assert code == 1
    assert f"{path}:" in err and "error:" in err and "overlapping" in err
    assert "invalid" in out


@pytest.mark.parametrize(
    "content",
    [b"title: [unclosed\n", b"\xff\xfe\x00garbage", b"- a\n- list\n", b""],
)
def test_check_an_unreadable_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_bytes(content)
    code, out, err = run(capsys, "check", str(path))
    assert code == 2
    assert str(path) in err
    assert "Traceback" not in out + err


def test_check_a_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "check", str(tmp_path / "nope.yaml"))
    assert code == 2 and "no such file" in err


def test_check_refuses_an_alias_bomb_with_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    lines = ["timezone: Europe/Zurich", "date: 2018-10-23", "a0: &a0 [" + ",".join(["lol"] * 9) + "]"]
    lines += [f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 9)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join([*lines, "agenda: *a8", ""]))
    code, out, err = run(capsys, "check", str(path))
    assert code == 2 and out == ""
    assert f"{path}:" in err and f"aliases expand to more than {MAX_VALUES:,} values" in err


def test_check_refuses_a_file_over_the_limit_with_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"# padding\n" * (MAX_FILE_BYTES // 10 + 1))
    code, out, err = run(capsys, "check", str(path))
    assert code == 2 and out == ""
    assert err.strip() == (
        f"{path}: is larger than 2 MiB (2,097,152 bytes), the most a schedule file may be; it is not read"
    )


def test_check_reads_a_schedule_with_a_byte_order_mark(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + SEED_WEBINAR.read_bytes())
    code, out, _ = run(capsys, "check", str(path))
    assert code == 0 and f"{path}: valid" in out


def test_check_shows_the_first_50_of_a_kind_and_counts_the_rest(
    capsys: pytest.CaptureFixture[str], write_schedule: Write
) -> None:
    items = "".join(f"  - {{title: Talk {n}, duration: 5m, speakers: [ghost{n}]}}\n" for n in range(120))
    path = write_schedule('agenda:\n  - {time: "14:00", title: Start, duration: 5m}\n' + items)
    code, out, err = run(capsys, "check", str(path))
    assert code == 1
    lines = err.splitlines()
    ghosts = [line for line in lines if ": error:" in line and "is not defined under speakers:" in line]
    assert len(ghosts) == 50 and "'ghost49'" in ghosts[-1]
    assert lines[lines.index(ghosts[-1]) + 1] == (
        f"{path}: … and 70 more problems like that (error: speaker '…' is not defined under speakers:)"
    )
    assert f"{path}: invalid: 120 errors" in out


def test_plan_json_is_one_array_with_the_contract_fields(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", str(SEED_WEBINAR), "--json")
    assert code == 0
    cues = json.loads(out)
    assert isinstance(cues, list) and len(cues) > 50
    for cue in cues:
        assert set(cue) == {"id", "at", "kind", "audience", "text"}
        assert cue["at"][-6] in "+-"  # ISO 8601 with a UTC offset


def test_plan_table_is_in_the_webinar_time_zone(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", str(SEED_WEBINAR))
    assert code == 0
    assert "14:15:00 CEST  slot_end" in out
    assert "Europe/Zurich" in out


def test_plan_refuses_an_invalid_schedule(capsys: pytest.CaptureFixture[str], write_schedule: Write) -> None:
    path = write_schedule("""
        agenda:
          - {time: "14:00-14:10", title: A, speakers: [ghost]}
        """)
    code, out, err = run(capsys, "plan", str(path))
    assert code == 1 and out == "" and "ghost" in err


def test_every_command_has_help() -> None:
    for name in COMMANDS:
        completed = subprocess.run(
            [sys.executable, "-m", "bot", name, "--help"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        assert "usage: webinar-bot" in completed.stdout


def test_bad_arguments_go_to_stderr_with_exit_2() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "plan"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert completed.returncode == 2
    assert "required" in completed.stderr and completed.stdout == ""
