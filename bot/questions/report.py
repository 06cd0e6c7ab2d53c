"""The questions report: what a rapporteur pastes into the minutes (Markdown), or CSV and JSON.

The Markdown is written in the webinar's language (its headings from the catalogue, its times and
date by Babel); CSV and JSON keep their English field names and values, for tools.

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

from bot.i18n.words import Words
from bot.questions.model import GENERAL, Question, QuestionStatus, SessionInfo, WebinarInfo
from bot.spreadsheet import spreadsheet_safe

FORMATS = ("md", "csv", "json")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:  # an unknown zone in an old database: UTC rather than no report
        return ZoneInfo("UTC")


def _sections(
    sessions: Sequence[SessionInfo], questions: Sequence[Question], w: Words
) -> list[tuple[str, str, list[Question]]]:
    listed = [
        (s.key, w("Session {n}: {title}").format(n=s.number, title=s.title), s.item_title) for s in sessions
    ]
    if any(q.session_key == GENERAL for q in questions):
        listed.append((GENERAL, w("General questions"), ""))
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


def attendance_line(figures: Attendance, w: Words) -> str:
    return w(
        "Attendance: {registered} registered ({online} online, {in_person} in person), {confirmed} "
        "confirmed, {checked_in} checked in, {requests} connection requests ({open} still open)."
    ).format(
        registered=figures.get("registered", 0),
        online=figures.get("online", 0),
        in_person=figures.get("in_person", 0),
        confirmed=figures.get("confirmed", 0),
        checked_in=figures.get("checked_in", 0),
        requests=figures.get("connection_requests", 0),
        open=figures.get("open_requests", 0),
    )


def markdown(
    info: WebinarInfo,
    sessions: Sequence[SessionInfo],
    questions: Sequence[Question],
    attendance: Attendance | None = None,
    w: Words | None = None,
) -> str:
    w = w or Words("en")
    zone = _zone(info.timezone)
    kept = [q for q in questions if q.status in (QuestionStatus.OPEN, QuestionStatus.ANSWERED)]
    withdrawn = sum(1 for q in questions if q.status is QuestionStatus.WITHDRAWN)
    hidden = sum(1 for q in questions if q.status is QuestionStatus.HIDDEN)
    try:
        day = w.date(datetime.fromisoformat(info.date).replace(tzinfo=zone))
    except ValueError:
        day = info.date
    answered_count = sum(1 for q in kept if q.status is QuestionStatus.ANSWERED)
    lines = [
        w("# Questions: {title}").format(title=info.title),
        "",
        w("{date}, times in {zone}. {questions} questions, {votes} votes, {answered} answered.").format(
            date=day,
            zone=info.timezone,
            questions=len(kept),
            votes=sum(q.votes for q in kept),
            answered=answered_count,
        ),
    ]
    if withdrawn or hidden:
        lines.append(
            w("Not listed: {withdrawn} withdrawn by their askers, {hidden} hidden by the moderators.").format(
                withdrawn=withdrawn, hidden=hidden
            )
        )
    if attendance and attendance.get("registered", 0) + attendance.get("connection_requests", 0):
        lines += ["", attendance_line(attendance, w)]
    heading = "| # | {} | {} | {} | {} | {} |".format(
        w("Question"), w("Votes"), w("Answered"), w("Asked by"), w("Time")
    )
    for _key, title, mine in _sections(sessions, questions, w):
        lines += ["", f"## {title}", ""]
        if not mine:
            lines.append(w("No questions."))
            continue
        lines += [heading, "|---|---|---|---|---|---|"]
        for n, q in enumerate(mine, start=1):
            answered = w("yes") if q.status is QuestionStatus.ANSWERED else w("no")
            lines.append(
                f"| {n} | {_cell(q.text)} | {q.votes} | {answered} | {_cell(q.shown_author_in(w))} | "
                f"{w.time(q.asked_at, zone)} |"
            )
    return "\n".join(lines) + "\n"


def rows(
    info: WebinarInfo, sessions: Sequence[SessionInfo], questions: Sequence[Question]
) -> list[dict[str, Any]]:
    zone = _zone(info.timezone)
    numbers = {s.key: s.number for s in sessions}
    result = []
    for key, title, mine in _sections(sessions, questions, Words("en")):
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
    w: Words | None = None,
) -> str:
    """`attendance` (counts only, never a person) joins the Markdown and JSON; CSV stays one row per
    question, so a spreadsheet's columns mean one thing. `w`: the Markdown's language (English)."""
    if fmt == "md":
        return markdown(info, sessions, questions, attendance, w)
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
