"""The seed webinar's whole timeline, pinned: a golden file, and the speaker cues by hand.

Regenerate the golden file after an intended change with
`UPDATE_GOLDEN=1 python -m pytest tests/timeline/test_golden_seed.py` and review the diff.
"""

import json
import os
from datetime import datetime

from bot.agenda.load import load_schedule
from bot.commands.plan import plan_json
from bot.messages.render import Renderer
from bot.timeline.cue import Kind
from bot.timeline.planner import plan

from support import GOLDEN, SEED_WEBINAR

GOLDEN_PLAN = GOLDEN / "sp-webinar-2018-10-23.plan.json"

# From the seed agenda (23 Oct 2018, Geneva time = CEST): every speaker's five-minute slot end.
TWELVE_SLOT_ENDS = [
    ("behrendt", "14:15"),
    ("mote", "14:20"),
    ("astor", "14:35"),
    ("muhika", "14:40"),
    ("ortiz", "14:55"),
    ("astor", "15:00"),
    ("thorn", "15:35"),
    ("zuccotti", "15:40"),
    ("ganter", "15:55"),
    ("astor", "16:15"),
    ("markov", "16:20"),
    ("pal", "16:35"),
]


def seed_plan() -> list[dict[str, object]]:
    result = load_schedule(SEED_WEBINAR)
    assert result.agenda is not None
    return plan_json(result.agenda, plan(result.agenda), Renderer(strict=True))


def test_seed_webinar_timeline_matches_the_golden_file() -> None:
    actual = seed_plan()
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN_PLAN.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN_PLAN.read_text(encoding="utf-8"))
    assert [c["id"] for c in actual] == [c["id"] for c in expected]
    assert actual == expected


def test_each_of_the_twelve_speakers_gets_a_warning_and_an_end_signal_at_the_right_second() -> None:
    result = load_schedule(SEED_WEBINAR)
    assert result.agenda is not None
    cues = plan(result.agenda)
    ends = [
        (c.audience.removeprefix("speaker:"), c.at)
        for c in cues
        if c.kind is Kind.SLOT_END and c.audience.startswith("speaker:")
    ]
    warnings = [
        (c.audience.removeprefix("speaker:"), c.at)
        for c in cues
        if c.kind is Kind.SLOT_WARNING and c.audience.startswith("speaker:")
    ]
    tz = result.agenda.tz
    assert [(who, f"{when.astimezone(tz):%H:%M}") for who, when in ends] == TWELVE_SLOT_ENDS
    for (who, end), (warned, warning) in zip(ends, warnings, strict=True):
        assert warned == who
        assert (end - warning).total_seconds() == 60
        assert end.astimezone(tz).tzname() == "CEST"
        assert end.second == 0 and end.microsecond == 0
    # ...and every one of them is also cued in backstage at the same second.
    backstage_ends = {c.at for c in cues if c.kind is Kind.SLOT_END and c.audience == "backstage"}
    assert {when for _, when in ends} <= backstage_ends


def test_golden_times_are_iso_8601_with_the_cest_offset() -> None:
    for cue in seed_plan():
        at = datetime.fromisoformat(str(cue["at"]))
        assert at.utcoffset() is not None
        if str(cue["at"]).startswith("2018-10-23"):
            assert str(cue["at"]).endswith("+02:00")
