"""Wall-clock times on a date in a time zone, with DST gaps and folds said out loud."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo


class NonexistentTime(ValueError):
    """The wall-clock time falls in a DST gap (the clocks jump over it)."""


def local_instant(day: date, wall: time, tz: tzinfo) -> tuple[datetime, str | None]:
    """The aware instant of `wall` on `day` in `tz`, and a note when the time is ambiguous.

    A time in the spring-forward gap does not exist: that is an error, not a guess. A time in the
    autumn fold happens twice: the first occurrence is taken, and the note says so.
    """
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise NonexistentTime(
            f"{wall:%H:%M} does not exist on {day.isoformat()} in {tz} (the clocks go forward)"
        )
    note = None
    if first.utcoffset() != second.utcoffset():
        note = (
            f"{wall:%H:%M} happens twice on {day.isoformat()} in {tz} (the clocks go back); "
            f"taking the first, {first.tzname()}"
        )
    return first.astimezone(UTC), note
