"""Bad input never produces a traceback: random schedules load, or fail with a clear problem."""

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.agenda.load import load_schedule
from bot.agenda.problems import ScheduleUnreadable

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10_000, 10_000),
    st.floats(allow_nan=False),
    st.sampled_from(
        [
            "14:00-14:10",
            "14:00",
            "25:99",
            "5m",
            "90s",
            "-5m",
            "1h",
            "Europe/Zurich",
            "Mars/X",
            "2018-10-23",
            "2018-02-30",
            "ana",
            "ghost",
            "<!channel>",
            "",
            "connect_now",
        ]
    ),
    st.text(max_size=12),
)
keys = st.sampled_from(
    [
        "title",
        "time",
        "date",
        "timezone",
        "speakers",
        "sessions",
        "slots",
        "speaker",
        "minutes",
        "discussion",
        "duration",
        "reminders",
        "before",
        "template",
        "channels",
        "agenda",
        "id",
        "mute",
        "connect_before",
        "warn_before",
        "confirmed",
        "name",
        "x",
    ]
)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=25,
)
documents = st.fixed_dictionaries(
    {"timezone": st.sampled_from(["Europe/Zurich", "UTC", "Nowhere/X"]), "date": st.just("2018-10-23")},
    optional={
        "agenda": st.lists(st.dictionaries(keys, values, max_size=6), max_size=4),
        "speakers": st.dictionaries(st.text(min_size=1, max_size=5), values, max_size=3),
        "reminders": values,
        "channels": values,
        "title": scalars,
    },
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=documents)
def test_random_schedules_never_raise_anything_but_unreadable(
    tmp_path: Path, document: dict[str, object]
) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        result = load_schedule(path, templates={"connect_now", "connection_guide"})
    except ScheduleUnreadable:
        return
    for problem in result.problems:
        assert problem.file == str(path)
        assert problem.message


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_random_text_files_are_unreadable_or_loaded_never_a_crash(tmp_path: Path, text: str) -> None:
    path = tmp_path / "noise.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_schedule(path)
    except ScheduleUnreadable as exc:
        assert str(path) in str(exc)
