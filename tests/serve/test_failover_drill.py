"""The failover drill, with real processes: two `webinar-bot serve` replicas on PostgreSQL run three
webinars in real time, connected to the stand-in over Socket Mode (Slack spreads events over the
connections); the replica that runs two of them is killed with SIGKILL mid-discussion. The other
takes them over within 10 s, every cue is posted exactly once, and a question asked during the
takeover is filed.

The agenda is short (a minute and a half) and starts as soon as both replicas are up; the test waits
on conditions, each bounded, never for a fixed time. About two minutes in all."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Engine, create_engine, make_url, select, text

from bot.clock import SystemClock
from bot.localslack import LocalSlack
from bot.localslack.workspace import Channel
from bot.manifest import bot_events
from bot.rehearsal.summary import receipts
from bot.serve.tagged import untag
from bot.store.tables import leases, questions

pytestmark = pytest.mark.postgres
T = TypeVar("T")

SCHEDULE = """\
title: Drill {name}
timezone: UTC
date: {day}
warn_before: 10s
standby_before: 15s
overrun_after: 10s
mute: [reminder, checkin, checkin_missing]
channels: {{announcements: {prefix}, questions: {prefix}-questions, backstage: {prefix}-backstage}}
moderators: [ortiz]
speakers:
  ortiz: {{name: Isabel Ortiz, email: ortiz@example.org}}
  {speaker}: {{name: Speaker {name}, email: {speaker}@example.org}}
agenda:
  - time: "{start}-{end}"
    title: Block {name}
    sessions:
      - title: Session {name}
        slots: [{{speaker: {speaker}, duration: 20s}}, {{discussion: 40s}}]
"""
WEBINARS = (
    ("Alpha", "sp-webinar", "astor"),
    ("Bravo", "psi-panel-7", "thorn"),
    ("Charlie", "drill-c", "mote"),
)


def wait_for(what: str, condition: Callable[[], T | None], timeout: float) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)  # polling a condition in real time: the replicas run on the wall clock
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def database(postgres_admin: Engine) -> Iterator[str]:
    from conftest import _postgres_base_url

    schema = f"drill_{uuid.uuid4().hex[:12]}"
    with postgres_admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(_postgres_base_url()).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with postgres_admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def holders(engine: Engine) -> dict[str, int]:
    """Which process (pid) holds each webinar's lease, from the leases table."""
    with engine.connect() as conn:
        rows = conn.execute(select(leases.c.webinar, leases.c.owner)).all()
    found = {}
    for webinar, owner in rows:
        match = re.search(r" pid (\d+) ", owner)
        if match and webinar.startswith("drill-"):
            found[webinar] = int(match.group(1))
    return found


def test_a_killed_replicas_webinars_are_taken_over_within_10_s_and_every_cue_posted_once(
    tmp_path: Path, database: str
) -> None:
    clock = SystemClock()
    with LocalSlack(clock=clock, subscriptions=bot_events()) as slack:
        ws = slack.workspace
        everyone = [u.id for u in ws.humans()]
        bot = slack.bot_user_id
        ws.add_channel(Channel(id=ws.ids.new("C"), name="drill-c", members=list(everyone)))
        ws.add_channel(Channel(id=ws.ids.new("C"), name="drill-c-questions", members=list(everyone)))
        ws.add_channel(
            Channel(id=ws.ids.new("C"), name="drill-c-backstage", is_private=True, members=everyone)
        )
        for backstage in ("sp-webinar-backstage", "psi-panel-7-backstage", "drill-c-backstage"):
            slack.user("ortiz").invite(slack.channel_id(backstage), bot)

        folder = tmp_path / "schedules"
        folder.mkdir()
        start = (datetime.now(UTC) + timedelta(seconds=25)).replace(microsecond=0)
        for n, (name, prefix, speaker) in enumerate(WEBINARS):
            begins = start + timedelta(seconds=3 * n)
            (folder / f"{name.lower()}.yaml").write_text(
                SCHEDULE.format(
                    name=name,
                    day=begins.date().isoformat(),
                    prefix=prefix,
                    speaker=speaker,
                    start=f"{begins:%H:%M:%S}",
                    end=f"{begins + timedelta(seconds=70):%H:%M:%S}",
                )
            )
        env = {**os.environ, **slack.env(), "DATABASE_URL": database}
        env.pop("SLACK_SIGNING_SECRET", None)
        command = [
            str(Path(sys.executable).parent / "webinar-bot"),
            "serve",
            str(folder),
            "--env",
            "/dev/null",
        ]
        replicas = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _ in range(2)
        ]
        engine = create_engine(database)
        try:
            wait_for("both replicas to connect", lambda: slack.sockets.connection_count >= 2, timeout=30)

            def spread() -> dict[str, int] | None:
                found = holders(engine)
                return found if len(found) == 3 and len(set(found.values())) == 2 else None

            shared = wait_for("the replicas to share the webinars out", spread, timeout=20)
            counts = {pid: list(shared.values()).count(pid) for pid in set(shared.values())}
            victim_pid = next(pid for pid, count in counts.items() if count == 2)
            victim = next(p for p in replicas if p.pid == victim_pid)
            survivor = next(p for p in replicas if p.pid != victim_pid)
            victims_webinars = sorted(w for w, pid in shared.items() if pid == victim_pid)
            first = min(
                n for n, (name, _, _) in enumerate(WEBINARS) if f"drill-{name.lower()}" in victims_webinars[0]
            )
            mid_discussion = start + timedelta(seconds=3 * first + 35)
            wait_for("the discussion", lambda: datetime.now(UTC) >= mid_discussion, timeout=60)

            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=10)
            killed = time.monotonic()
            prefix = WEBINARS[first][1]
            asker = slack.user("participant03")
            asker.post(f"{prefix}-questions", "Who runs the cues now?")
            wait_for(
                "the survivor to hold every lease",
                lambda: set(holders(engine).values()) == {survivor.pid} and len(holders(engine)) == 3,
                timeout=15,
            )
            took = time.monotonic() - killed
            print(f"failover drill: the survivor took over in {took:.1f} s")
            assert took < 10, f"took over in {took:.1f} s"

            def all_done() -> bool:
                with engine.connect() as conn:
                    left = conn.execute(
                        text(
                            "SELECT count(*) FROM outbox WHERE webinar LIKE 'drill-%'"
                            " AND status IN ('pending', 'sending')"
                        )
                    ).scalar()
                return left == 0

            wait_for("every cue to be posted", all_done, timeout=120)
            survivor.send_signal(signal.SIGTERM)
            survivor.wait(timeout=30)

            with engine.connect() as conn:
                planned = conn.execute(
                    text("SELECT webinar, cue_id, status FROM outbox WHERE webinar LIKE 'drill-%'")
                ).all()
                asked = conn.execute(select(questions.c.webinar, questions.c.text)).all()
            got = receipts(slack.transcript)
            posted: dict[tuple[str, str], int] = {}
            for key, times in got.items():
                owner, cue = untag(key)
                posted[(owner or "", cue)] = len(times)
            assert len(planned) > 3 * 10
            wrong = [
                f"{w} {cue} {status}: posted {posted.get((w, cue), 0)}"
                for w, cue, status in planned
                if status != "void" and posted.get((w, cue), 0) != 1
            ]
            assert not wrong, wrong
            assert any(t == "Who runs the cues now?" and w.startswith("drill-") for w, t in asked)
        except BaseException:
            for process in replicas:  # what the replicas said, to see why
                if process.poll() is None:
                    process.kill()
                output = process.communicate(timeout=10)[0]
                print(f"--- replica {process.pid} (exit {process.returncode}):\n{output[-4000:]}")
            raise
        finally:
            for process in replicas:
                if process.poll() is None:
                    process.kill()
                    process.wait(timeout=10)
            engine.dispose()
