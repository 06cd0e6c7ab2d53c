"""`webinar-bot run --platform matrix` killed with SIGKILL as the discussion opens, and started again:
no cue posted twice, none missing, and no question lost, not even those asked while it was dead.

A real process on the session's Synapse, on the wall clock: the schedule is generated to start 22
seconds from now and lasts 45 (a speaker's 15 seconds, then a 30-second discussion), so the test
takes about a minute and a quarter. The bot is killed the moment its first discussion cue is in a
room, while the others of that instant are still going out; participants reply in the session's
thread, post in the questions room and vote while it is dead. Everything is read back from the rooms'
history (each cue's key rides in `org.webinar_bot.key`) and from the bot's store. Every wait is on a
condition, with a deadline."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from matrix.fixtures import MatrixWorld
from matrix.people import MatrixUser
from sqlalchemy import Engine, create_engine, select

from bot.matrix.writer import KEY_FIELD
from bot.store.db import create_schema
from bot.store.sync_position import SyncPositionStore
from bot.store.tables import outbox, questions, votes

from support import ROOT

SCHEDULE = """\
title: Killed on Matrix {stamp}
timezone: UTC
date: {day}
warn_before: 5s
standby_before: 10s
overrun_after: 5s
mute: [reminder, checkin, checkin_missing]
channels: {{announcements: sp-webinar, questions: sp-webinar-questions, backstage: sp-webinar-backstage}}
moderators: [ortiz]
speakers:
  ortiz: {{name: Isabel Ortiz, matrix: "@ortiz:localhost"}}
  astor: {{name: Gabriela Astor, matrix: "@astor:localhost"}}
agenda:
  - time: "{start:%H:%M:%S}-{end:%H:%M:%S}"
    title: The drill
    sessions:
      - title: Killed and restarted
        slots: [{{speaker: astor, duration: 15s}}, {{discussion: 30s}}]
"""
LEAD = timedelta(seconds=22)  # the bot connects and joins its rooms in this time, on a loaded machine
LENGTH = timedelta(seconds=45)
BEFORE = "Who pays for the floor?"
WHILE_DEAD_IN_THREAD = "Asked in the thread while the bot was dead"
WHILE_DEAD_IN_ROOM = "Asked in the room while the bot was dead"


def until(what: str, condition: Callable[[], Any], bound: float) -> Any:
    deadline = time.monotonic() + bound
    pause = threading.Event()
    while True:
        found = condition()
        if found:
            return found
        assert time.monotonic() < deadline, f"not within {bound:.0f} s: {what}"
        pause.wait(0.1)


class BotProcess:
    """`webinar-bot run FILE --platform matrix`, as an operator starts it, with a password login."""

    def __init__(self, schedule: Path, env: dict[str, str], log: Path) -> None:
        self.schedule, self.env, self.log = schedule, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bot",
                    "run",
                    str(self.schedule),
                    "--platform=matrix",
                    "--env=/dev/null",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        assert self.process is not None and self.process.poll() is None, self.tail()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return int(self.process.returncode)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


@pytest.fixture
def drill(
    matrix_world: MatrixWorld, tmp_path: Path
) -> Iterator[tuple[MatrixUser, BotProcess, Engine, datetime]]:
    bot = matrix_world.new_bot()
    start = (datetime.now(UTC) + LEAD).replace(microsecond=0)
    schedule = tmp_path / "drill.yaml"
    schedule.write_text(
        SCHEDULE.format(stamp=bot.id, day=start.date().isoformat(), start=start, end=start + LENGTH)
    )
    database = f"sqlite:///{tmp_path / 'bot.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MATRIX_"))}
    env |= {
        "MATRIX_HOMESERVER": matrix_world.synapse.url,
        "MATRIX_USER_ID": bot.id,
        "MATRIX_PASSWORD": bot.account.password,  # each start logs in anew: a new device, a new token
        "DATABASE_URL": database,
    }
    process = BotProcess(schedule, env, tmp_path / "bot.log")
    engine = create_engine(database)
    create_schema(engine)  # the test reads the store while the bot starts
    process.start()
    try:
        yield bot, process, engine, start
    except BaseException:
        print(f"--- the bot's log:\n{process.tail()}")
        raise
    finally:
        process.stop()
        engine.dispose()


def keyed(bot: MatrixUser, rooms: list[str]) -> dict[str, list[str]]:
    """The bot's posts that carry a cue's key, by key (event ids), in the rooms and its direct rooms."""
    found: dict[str, list[str]] = {}
    direct = [room for listed in bot.direct_rooms().values() for room in listed]
    for room in {*rooms, *direct}:
        for event in bot.events(room, sender=bot.id):
            key = (event.get("content") or {}).get(KEY_FIELD)
            if event.get("type") == "m.room.message" and key:
                found.setdefault(str(key), []).append(str(event["event_id"]))
    return found


def asked(engine: Engine) -> dict[str, tuple[int, str]]:
    """The questions in the bot's store: text -> (id, session)."""
    with engine.connect() as conn:
        rows = conn.execute(select(questions.c.id, questions.c.text, questions.c.session_key)).all()
    return {text: (number, session) for number, text, session in rows}


def test_a_bot_killed_mid_discussion_and_restarted_posts_every_cue_once_and_loses_no_question(
    matrix_world: MatrixWorld, drill: tuple[MatrixUser, BotProcess, Engine, datetime]
) -> None:
    bot, process, engine, start = drill
    rooms = matrix_world.rooms
    people = matrix_world.people
    positions = SyncPositionStore(engine)
    until("the bot listening (its sync position stored)", lambda: positions.load(bot.id) is not None, 40)

    def posted(prefix: str) -> str | None:
        keys = keyed(bot, [rooms["announcements"], rooms["questions"], rooms["backstage"]])
        return next((ids[0] for key, ids in keys.items() if key.startswith(prefix)), None)

    thread = until("the session's question thread", lambda: posted("thread_open:"), 40)
    first = people["participant01"].replies(rooms["questions"], thread, BEFORE)
    until("the first question filed", lambda: BEFORE in asked(engine), 20)

    until("the discussion's first cue in a room", lambda: posted("discussion_start:"), 40)
    process.kill()
    killed_at = datetime.now(UTC)
    people["participant02"].replies(rooms["questions"], thread, WHILE_DEAD_IN_THREAD)
    people["participant03"].says(rooms["questions"], WHILE_DEAD_IN_ROOM)
    people["participant04"].reacts(rooms["questions"], first, "+1")
    assert killed_at < start + LENGTH - timedelta(seconds=10), "killed too late to be mid-discussion"
    process.start()

    until(
        "every question, the ones asked while it was dead too",
        lambda: {BEFORE, WHILE_DEAD_IN_THREAD, WHILE_DEAD_IN_ROOM} <= set(asked(engine)),
        40,
    )

    def finished() -> bool:
        with engine.connect() as conn:
            statuses = [s for (s,) in conn.execute(select(outbox.c.status)).all()]
        return (
            datetime.now(UTC) > start + LENGTH
            and bool(statuses)
            and all(s not in ("pending", "sending") for s in statuses)
        )

    until("every cue settled in the outbox", finished, 60)
    assert process.stop() == 0, process.tail()

    with engine.connect() as conn:
        planned = conn.execute(select(outbox.c.cue_id, outbox.c.status)).all()
        voters = conn.execute(select(votes.c.question_id, votes.c.user_id)).all()
    seen = keyed(bot, [rooms["announcements"], rooms["questions"], rooms["backstage"]])
    assert len(planned) >= 10
    wrong = [
        f"{cue} ({status}): posted {len(seen.get(cue, []))} times"
        for cue, status in planned
        if len(seen.get(cue, [])) != (0 if status == "void" else 1)
    ]
    assert not wrong, wrong
    assert not {key: ids for key, ids in seen.items() if len(ids) > 1}  # the panel, question copies too
    filed = asked(engine)
    copied = f"question:{filed[WHILE_DEAD_IN_ROOM][0]}"  # a question in the room is copied to the thread
    assert copied in seen and {c for c, _ in planned} | {"control-panel", copied} >= set(seen)
    session = filed[BEFORE][1]
    assert filed[WHILE_DEAD_IN_THREAD][1] == session and filed[WHILE_DEAD_IN_ROOM][1] == session
    assert (filed[BEFORE][0], people["participant04"].id) in {(q, u) for q, u in voters}
