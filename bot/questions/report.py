"""The questions report: what a rapporteur pastes into the minutes (Markdown), or CSV and JSON.

Every thematic session with its questions, most votes first: the text as asked, the votes, answered
or not, who asked ("anonymous" for anonymous questions: their author never leaves the database) and
when, in the webinar's time zone. Questions the asker withdrew or a moderator hid are counted, not
listed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.questions.model import GENERAL, Question, QuestionStatus, SessionInfo, WebinarInfo
from bot.spreadsheet import spreadsheet_safe

FORMATS = ("md", "csv", "json")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:  # an unknown zone in an old database: UTC rather than no report
        return ZoneInfo("UTC")


def _local(when: datetime, zone: ZoneInfo) -> str:
    local = when.astimezone(zone)
    return f"{local:%H:%M} {local.tzname()}"


def _sections(
    sessions: Sequence[SessionInfo], questions: Sequence[Question]
) -> list[tuple[str, str, list[Question]]]:
    listed = [(s.key, f"Session {s.number}: {s.title}", s.item_title) for s in sessions]
    if any(q.session_key == GENERAL for q in questions):
        listed.append((GENERAL, "General questions", ""))
    result = []
    for key, title, block in listed:
        mine = [
            q
            for q in questions
            if q.session_key == key and q.status in (QuestionStatus.OPEN, QuestionStatus.ANSWERED)
        ]
        mine.sort(key=lambda q: (-q.votes, q.asked_at, q.id))
        result.append((key, f"{title}" + (f" ({block})" if block else ""), mine))
    return result


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


Attendance = Mapping[str, int]  # bot.store.people.attendance: registered, online, in_person, ...


def attendance_line(figures: Attendance) -> str:
    return (
        f"Attendance: {figures.get('registered', 0)} registered ({figures.get('online', 0)} online, "
        f"{figures.get('in_person', 0)} in person), {figures.get('confirmed', 0)} confirmed, "
        f"{figures.get('checked_in', 0)} checked in, "
        f"{figures.get('connection_requests', 0)} connection requests "
        f"({figures.get('open_requests', 0)} still open)."
    )


def markdown(
    info: WebinarInfo,
    sessions: Sequence[SessionInfo],
    questions: Sequence[Question],
    attendance: Attendance | None = None,
) -> str:
    zone = _zone(info.timezone)
    kept = [q for q in questions if q.status in (QuestionStatus.OPEN, QuestionStatus.ANSWERED)]
    withdrawn = sum(1 for q in questions if q.status is QuestionStatus.WITHDRAWN)
    hidden = sum(1 for q in questions if q.status is QuestionStatus.HIDDEN)
    lines = [
        f"# Questions: {info.title}",
        "",
        f"{info.date}, times in {info.timezone}. {len(kept)} questions, {sum(q.votes for q in kept)} votes, "
        f"{sum(1 for q in kept if q.status is QuestionStatus.ANSWERED)} answered.",
    ]
    if withdrawn or hidden:
        lines.append(f"Not listed: {withdrawn} withdrawn by their askers, {hidden} hidden by the moderators.")
    if attendance and attendance.get("registered", 0) + attendance.get("connection_requests", 0):
        lines += ["", attendance_line(attendance)]
    for _key, title, mine in _sections(sessions, questions):
        lines += ["", f"## {title}", ""]
        if not mine:
            lines.append("No questions.")
            continue
        lines += ["| # | Question | Votes | Answered | Asked by | Time |", "|---|---|---|---|---|---|"]
        for n, q in enumerate(mine, start=1):
            answered = "yes" if q.status is QuestionStatus.ANSWERED else "no"
            lines.append(
                f"| {n} | {_cell(q.text)} | {q.votes} | {answered} | {_cell(q.shown_author)} | "
                f"{_local(q.asked_at, zone)} |"
            )
    return "\n".join(lines) + "\n"


def rows(
    info: WebinarInfo, sessions: Sequence[SessionInfo], questions: Sequence[Question]
) -> list[dict[str, Any]]:
    zone = _zone(info.timezone)
    numbers = {s.key: s.number for s in sessions}
    result = []
    for key, title, mine in _sections(sessions, questions):
        for q in mine:
            result.append(
                {
                    "session": numbers.get(key, 0),
                    "session_title": title,
                    "question_id": q.id,
                    "question": q.text,
                    "votes": q.votes,
                    "answered": q.status is QuestionStatus.ANSWERED,
                    "asked_by": q.shown_author,
                    "asked_at": q.asked_at.astimezone(zone).isoformat(),
                }
            )
    return result


def render(
    fmt: str,
    info: WebinarInfo,
    sessions: Sequence[SessionInfo],
    questions: Sequence[Question],
    attendance: Attendance | None = None,
) -> str:
    """`attendance` (counts only, never a person) joins the Markdown and JSON; CSV stays one row per
    question, so a spreadsheet's columns mean one thing."""
    if fmt == "md":
        return markdown(info, sessions, questions, attendance)
    records = rows(info, sessions, questions)
    if fmt == "json":
        document: dict[str, Any] = {
            "webinar": info.title,
            "date": info.date,
            "timezone": info.timezone,
            "questions": records,
        }
        if attendance is not None:
            document["attendance"] = dict(attendance)
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        fields = [
            "session",
            "session_title",
            "question_id",
            "question",
            "votes",
            "answered",
            "asked_by",
            "asked_at",
        ]
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows({k: spreadsheet_safe(v) for k, v in record.items()} for record in records)
        return out.getvalue()
    raise ValueError(f"unknown format {fmt!r} (use one of {', '.join(FORMATS)})")
