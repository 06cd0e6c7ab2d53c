"""Hostile input costs bounded time and memory: aliases, big files, encodings, floods of problems.

No test here measures time (bench/bench_check_large.py does); each checks that the bound is there
and that what it refuses is said clearly.
"""

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.agenda.header import Suggestions
from bot.agenda.keys import KeyMaker
from bot.agenda.load import load_schedule
from bot.agenda.problems import Omitted, Problem, Problems, ScheduleUnreadable, Severity, capped, count
from bot.agenda.yamldoc import MAX_DEPTH, MAX_VALUES, LDict, LList, YamlError, load_located
from bot.files import MAX_CALENDAR_BYTES, MAX_FILE_BYTES, Unreadable, read_user_text
from bot.localslack.ids import IdFactory
from bot.localslack.seed import load_workspace
from bot.rehearsal.script import load_script

from support import MINIMAL_HEADER, SEED_PANEL, SEED_WEBINAR

Write = Callable[..., Path]


def bomb(levels: int, fan: int = 9) -> str:
    lines = ["timezone: Europe/Zurich", "date: 2018-10-23", "l0: &l0 [" + ",".join(["lol"] * fan) + "]"]
    lines += [f"l{n}: &l{n} [" + ",".join([f"*l{n - 1}"] * fan) + "]" for n in range(1, levels)]
    return "\n".join([*lines, f"agenda: *l{levels - 1}"]) + "\n"


# -- aliases ---------------------------------------------------------------------------------------


def test_a_nine_level_alias_bomb_is_refused_with_the_bound_named() -> None:
    with pytest.raises(YamlError, match=f"aliases expand to more than {MAX_VALUES:,} values") as caught:
        load_located(bomb(9))
    assert caught.value.line is not None


def test_the_bomb_is_unreadable_for_check(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb(9))
    with pytest.raises(ScheduleUnreadable, match=r"bomb\.yaml:\d+: refused: its aliases expand to more than"):
        load_schedule(path)


def test_an_alias_shares_the_value_it_names_and_counts_as_all_of_it() -> None:
    doc, _ = load_located("a: &a {x: 1, y: [2, 3]}\nb: *a\nc: [*a, *a]\n")
    assert isinstance(doc, LDict)
    assert doc["b"] is doc["a"]
    assert isinstance(doc["c"], LList) and doc["c"][0] is doc["a"]
    # expanded: the root, its 3 keys, c's list, and the 7 values of {x: 1, y: [2, 3]} placed 4 times
    text = "a: &a {x: 1, y: [2, 3]}\nb: *a\nc: [*a, *a]\n"
    with pytest.raises(YamlError, match="aliases expand"):
        load_located(text, max_values=32)
    assert load_located(text, max_values=33)[0] == doc


def test_a_big_document_without_aliases_is_refused_with_its_own_words() -> None:
    with pytest.raises(YamlError, match="it holds more than 10 values"):
        load_located("x: [" + ",".join("a" * 20) + "]\n", max_values=10)


def test_aliases_that_refer_to_themselves_or_to_nothing_are_errors() -> None:
    with pytest.raises(YamlError, match="refers to itself"):
        load_located("a: &a [1, *a]\n")
    with pytest.raises(YamlError, match=r"alias \*nope refers to no anchor") as caught:
        load_located("a: 1\nb: *nope\n")
    assert caught.value.line == 2
    with pytest.raises(YamlError, match=r"anchor &x is defined twice \(first on line 1\)"):
        load_located("a: &x 1\nb: &x 2\n")


def test_nesting_is_bounded() -> None:
    assert load_located("[" * MAX_DEPTH + "]" * MAX_DEPTH)[0] is not None
    with pytest.raises(YamlError, match=f"nest more than {MAX_DEPTH} deep"):
        load_located("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_a_schedule_may_reuse_a_slot_through_an_alias(write_schedule: Write) -> None:
    path = write_schedule(
        """
        slot: &talk {speaker: ana, minutes: 5}
        agenda:
          - {time: "14:00", title: One, slots: [*talk, *talk]}
          - {title: Two, slots: [*talk]}
        """
    )
    result = load_schedule(path)
    assert result.agenda is not None
    assert [len(item.slots) for item in result.agenda.items] == [2, 1]
    assert [p.message for p in result.problems if p.is_error] == []


# -- merge keys ------------------------------------------------------------------------------------


def test_merge_keys_fill_what_the_mapping_lacks_and_written_keys_win() -> None:
    text = (
        "base: &base {minutes: 5, speaker: ana}\n"
        "other: &other {minutes: 9, title: Talk}\n"
        "before:\n  <<: *base\n  minutes: 7\n"
        "after:\n  minutes: 7\n  <<: [*base, *other]\n"
    )
    doc, duplicates = load_located(text)
    assert isinstance(doc, LDict)
    assert doc["before"] == {"speaker": "ana", "minutes": "7"}
    assert doc["after"] == {"minutes": "7", "speaker": "ana", "title": "Talk"}
    assert duplicates == []
    before, after = doc["before"], doc["after"]
    assert isinstance(before, LDict) and isinstance(after, LDict)
    assert before.line_of("minutes") == 5 and before.line_of("speaker") == 1
    assert after.line_of("title") == 2


def test_a_key_written_twice_is_still_a_duplicate_next_to_a_merge() -> None:
    _, duplicates = load_located("base: &b {x: 1}\nm:\n  <<: *b\n  x: 2\n  x: 3\n")
    assert [(d.key, d.line, d.first_line) for d in duplicates] == [("x", 5, 4)]


# -- the same values as before, from events rather than composed nodes -------------------------------


def composed(node: yaml.Node) -> object:
    """What the loader gave before it read events: values and lines from yaml.compose (no merges)."""
    if isinstance(node, yaml.ScalarNode):
        return None if node.tag == "tag:yaml.org,2002:null" else str(node.value)
    line = node.start_mark.line + 1
    if isinstance(node, yaml.SequenceNode):
        return ("list", line, [(item.start_mark.line + 1, composed(item)) for item in node.value])
    assert isinstance(node, yaml.MappingNode)
    return ("map", line, [(str(k.value), k.start_mark.line + 1, composed(v)) for k, v in node.value])


def located(value: object) -> object:
    if isinstance(value, LList):
        return ("list", value.line, [(value.line_of(i), located(v)) for i, v in enumerate(value)])
    if isinstance(value, LDict):
        return ("map", value.line, [(k, value.line_of(k), located(v)) for k, v in value.items()])
    return value


@pytest.mark.parametrize(
    "text",
    [
        SEED_WEBINAR.read_text(encoding="utf-8"),
        SEED_PANEL.read_text(encoding="utf-8"),
        "a: ~\nb: null\nc: ''\nd: 'null'\ne:\nf: !!null x\ng: ! ~\nh: [~, NULL, Null, nUll]\n",
        "? ~\n: 1\n'<<': 2\nx: !!str ~\n",
    ],
)
def test_values_and_lines_are_those_yaml_compose_gives(text: str) -> None:
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    doc, _ = load_located(text)
    assert node is not None
    root = composed(node)
    assert located(doc) == root


# -- files -----------------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_naming_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * 11)
    refused = read_user_text(path, "schedule file", limit=10)
    assert isinstance(refused, Unreadable)
    assert refused.message == "is larger than 10 bytes, the most a schedule file may be; it is not read"
    assert read_user_text(path, "schedule file", limit=11) == "#" * 11


def test_the_limit_holds_for_schedules_defaults_calendars_scripts_and_workspaces(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    calendar = tmp_path / "big.ics"
    calendar.write_bytes(b"#" * (MAX_CALENDAR_BYTES + 1))  # calendars parse slower: a lower bound
    small = tmp_path / "small.yaml"
    small.write_text(MINIMAL_HEADER + 'agenda:\n  - {time: "14:00-14:10", title: One}\n')
    limit = re.escape("is larger than 2 MiB (2,097,152 bytes)")
    with pytest.raises(ScheduleUnreadable, match=limit):
        load_schedule(big)
    calendar_limit = re.escape("is larger than 1 MiB (1,048,576 bytes), the most a calendar may be")
    with pytest.raises(ScheduleUnreadable, match=calendar_limit):
        load_schedule(calendar)
    with pytest.raises(ScheduleUnreadable, match=limit + ", the most a defaults file may be"):
        load_schedule(small, defaults_path=big)
    with pytest.raises(ScheduleUnreadable, match=limit + ", the most a script may be"):
        load_script(big, date(2018, 10, 23), ZoneInfo("Europe/Zurich"))
    with pytest.raises(ValueError, match=limit + ", the most a workspace file may be"):
        load_workspace(big, IdFactory())


def test_a_schedule_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + SEED_WEBINAR.read_bytes())
    result = load_schedule(path)
    assert result.agenda is not None and result.ok
    assert result.agenda.title.startswith("Social Protection")


def test_a_script_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    path = tmp_path / "script.txt"
    path.write_bytes(b"\xef\xbb\xbf14:10 next\n")
    assert [s.control for s in load_script(path, date(2018, 10, 23), ZoneInfo("Europe/Zurich"))] == ["next"]


def test_undecodable_bytes_are_reported_with_their_place(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: ok\nspeaker: Müller\n".encode("latin-1"))
    refused = read_user_text(path)
    assert isinstance(refused, Unreadable)
    assert refused.line == 2
    assert "byte 0xfc at line 2, column 11 cannot be decoded (save the file as UTF-8)" in refused.message
    with pytest.raises(ScheduleUnreadable, match=r"latin1\.yaml:2: is not UTF-8 text"):
        load_schedule(path)


def test_utf16_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "utf16.yaml"
    path.write_bytes("title: x\n".encode("utf-16"))
    refused = read_user_text(path)
    assert isinstance(refused, Unreadable) and "is UTF-16 text" in refused.message


def test_what_cannot_be_opened_is_said_as_a_value(tmp_path: Path) -> None:
    assert read_user_text(tmp_path / "absent.yaml") == Unreadable(
        str(tmp_path / "absent.yaml"), "no such file"
    )
    folder = read_user_text(tmp_path, "script")
    assert isinstance(folder, Unreadable) and folder.message == "is a directory, not a script"


# -- floods of problems ----------------------------------------------------------------------------


def test_problems_keep_the_first_of_each_kind_and_count_the_rest() -> None:
    problems = Problems("s.yaml")
    for n in range(Problems.KEEP_PER_KIND + 7):
        problems.error(f"speaker 'ghost{n}' is not defined under speakers:", n + 1)
    problems.warning("no moderators")
    assert len(problems.items) == Problems.KEEP_PER_KIND + 1
    assert problems.omitted == (
        Omitted("s.yaml", Severity.ERROR, "error: speaker '…' is not defined under speakers:", 7),
    )
    assert count(problems.items, problems.omitted) == (Problems.KEEP_PER_KIND + 7, 1)


def test_past_so_many_kinds_the_rest_are_counted_together() -> None:
    problems = Problems("s.yaml")
    for n in range(Problems.MAX_KINDS + 3):
        problems.warning(f"{'x' * n} is to be confirmed")
    assert len(problems.items) == Problems.MAX_KINDS
    assert problems.omitted == (Omitted("s.yaml", Severity.WARNING, None, 3),)
    assert str(problems.omitted[0]) == "s.yaml: … and 3 more warnings of other kinds"


def test_capped_shows_the_first_of_a_kind_then_one_count_line_in_place() -> None:
    same = [Problem(Severity.ERROR, f"time: '{n}:99' is not a time of day", "s.yaml", n) for n in range(5)]
    other = Problem(Severity.WARNING, "no moderators", "s.yaml")
    lines = [str(line) for line in capped([*same[:3], other, *same[3:]], 2)]
    assert lines == [
        "s.yaml:0: error: time: '0:99' is not a time of day",
        "s.yaml:1: error: time: '1:99' is not a time of day",
        "s.yaml: … and 3 more problems like that (error: time: '…' is not a time of day)",
        "s.yaml: warning: no moderators",
    ]
    kept_elsewhere = Omitted("s.yaml", Severity.ERROR, "error: time: '…' is not a time of day", 10)
    assert "… and 13 more problems like that" in [str(x) for x in capped(same, 2, [kept_elsewhere])][2]


def test_a_schedule_with_a_thousand_broken_items_keeps_true_counts(write_schedule: Write) -> None:
    body = 'agenda:\n  - {time: "08:00", title: Start, duration: 5m}\n'
    body += "".join(f"  - {{title: Item {n}, duration: 1m, minuts: 5}}\n" for n in range(1000))
    result = load_schedule(write_schedule(body))
    unknown = [p for p in result.problems if "unknown key 'minuts'" in p.message]
    assert len(unknown) == Problems.KEEP_PER_KIND
    assert count(result.problems, result.omitted)[1] >= 1000


# -- repeated work is done once --------------------------------------------------------------------


def naive_keys(wanted: list[str]) -> list[str]:
    """KeyMaker as it was: count from 2 each time."""
    used: set[str] = set()
    keys = []
    for want in wanted:
        key, n = want, 2
        while key in used:
            key, n = f"{want}-{n}", n + 1
        used.add(key)
        keys.append(key)
    return keys


def test_key_maker_gives_the_keys_it_always_gave() -> None:
    keys = KeyMaker()
    wanted = ["talk", "talk", "talk-2", "talk", "q", "talk-3", "talk", "q"]
    many = [f"s{n % 7}" if n % 3 else f"s{n % 7}-{n % 5}" for n in range(300)]
    maker = KeyMaker()
    assert [maker.take(w) for w in many] == naive_keys(many)
    assert (
        [keys.take(w) for w in wanted]
        == naive_keys(wanted)
        == [
            "talk",
            "talk-2",
            "talk-2-2",
            "talk-3",
            "q",
            "talk-3-2",
            "talk-4",
            "q-2",
        ]
    )


def test_suggestions_are_remembered_and_bounded() -> None:
    hints = Suggestions()
    assert hints.hint("tiem", ("time", "title")) == " (did you mean 'time'?)"
    for n in range(Suggestions.MAX_WORDS):
        hints.closest(f"word{n}", ("time",))
    assert hints.hint("tiem", ("time", "title")) == " (did you mean 'time'?)"  # remembered
    assert hints.hint("titel", ("time", "title")) == ""  # past the bound: no more worked out
