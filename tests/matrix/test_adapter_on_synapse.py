"""MatrixChat against a real Synapse: exactly once, literal text, rate limits, inbound values, restarts.

The bot's clock is a ManualClock; Synapse runs in real time, so a test waits on a condition (within
a bound), never for a fixed time.
"""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from matrix.fixtures import MatrixWorld
from matrix.people import MatrixUser, q
from sqlalchemy import Engine

from bot.chat.form import Choice, Form, Option, TextField
from bot.chat.inbound import Command, Deleted, Edited, Inbound, Posted, Reacted, Reply, Submitted
from bot.chat.message import Mention, Message, Text
from bot.chat.port import ChatError, Handle, MessageRef, OpenForm, PostMessage, Upload
from bot.clock import ManualClock
from bot.matrix.adapter import MatrixChat
from bot.matrix.homeserver import free_port
from bot.matrix.writer import KEY_FIELD
from bot.store.db import create_schema, make_engine
from bot.store.sync_position import SyncPositionStore

NOW = datetime(2018, 10, 23, 12, 0, tzinfo=UTC)
WAIT = 30.0


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    pause = threading.Event()
    while not condition():
        assert time.monotonic() < deadline, f"not within {WAIT:.0f} s: {what}"
        pause.wait(0.02)


class Collect:
    """An inbox that keeps what comes in and answers commands."""

    def __init__(self) -> None:
        self.seen: list[Inbound] = []

    def receive(self, event: Inbound) -> Reply | None:
        self.seen.append(event)
        if isinstance(event, Command):
            return Reply(Message((Text(f"You ran {event.name} <{event.text}>"),)))
        return None


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    made = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    create_schema(made)
    yield made
    made.dispose()


@pytest.fixture
def bot(matrix_world: MatrixWorld) -> MatrixUser:
    return matrix_world.new_bot()


def chat_for(world: MatrixWorld, bot: MatrixUser, engine: Engine | None = None) -> MatrixChat:
    return MatrixChat(
        world.synapse.url,
        bot.id,
        ManualClock(NOW),
        access_token=bot.account.access_token,
        positions=SyncPositionStore(engine) if engine is not None else None,
        poll_ms=1_000,
    )


@pytest.fixture
def chat(matrix_world: MatrixWorld, bot: MatrixUser) -> Iterator[MatrixChat]:
    made = chat_for(matrix_world, bot)
    made.identity()
    made.join(matrix_world.rooms["questions"])
    yield made
    made.close()


def test_a_keyed_post_sent_again_is_the_same_event(
    matrix_world: MatrixWorld, chat: MatrixChat, bot: MatrixUser
) -> None:
    room = matrix_world.rooms["questions"]
    write = PostMessage(room, Message((Text("Starting in 5 minutes"),)))
    first = chat.post(write, key="reminder:5m")
    again = chat.post(write, key="reminder:5m")  # a resend after a lost answer: the same transaction
    assert first == again
    keyed = [e for e in bot.events(room, sender=bot.id) if e["content"].get(KEY_FIELD) == "reminder:5m"]
    assert [e["event_id"] for e in keyed] == [first.id]


def test_a_restarted_adapter_finds_an_earlier_keyed_post_in_the_history(
    matrix_world: MatrixWorld, chat: MatrixChat, bot: MatrixUser
) -> None:
    room = matrix_world.rooms["questions"]
    write = PostMessage(room, Message((Text("Time's up"),)))
    posted = chat.post(write, key="end:s1")
    chat.post(PostMessage(room, Message((Text("later"),))))
    restarted = chat_for(matrix_world, bot)
    try:
        assert restarted.find_post(write, "end:s1") == posted
        assert restarted.find_post(write, "end:s2") is None
        assert restarted.post_key(posted) == "end:s1"
    finally:
        restarted.close()


def test_text_from_a_person_is_stored_and_shown_literally_and_pings_nobody(
    matrix_world: MatrixWorld, chat: MatrixChat, bot: MatrixUser
) -> None:
    room = matrix_world.rooms["questions"]
    hostile = '@room <a href="https://x.example">x</a> <script>alert(1)</script> ' + "y" * 10_000
    speaker = matrix_world.user_id("astor")
    ref = chat.post(PostMessage(room, Message((Mention("Evelyn Astor", speaker), Text(" asks: " + hostile)))))
    event = next(e for e in bot.events(room, sender=bot.id) if e["event_id"] == ref.id)
    assert event["content"]["body"] == "@Evelyn Astor asks: " + hostile
    assert "<script>" not in event["content"]["formatted_body"]
    assert "&lt;script&gt;" in event["content"]["formatted_body"]
    assert event["content"]["m.mentions"] == {"user_ids": [speaker]}  # the speaker, never @room


def test_a_person_who_floods_is_told_to_wait_as_synapse_says(matrix_world: MatrixWorld) -> None:
    noisy = matrix_world.synapse.register(f"noisy{time.monotonic_ns()}")  # shipped limits: 0.2/s, burst 10
    user = MatrixUser(matrix_world.synapse.url, noisy)
    user.join(matrix_world.rooms["questions"])
    flooding = MatrixChat(
        matrix_world.synapse.url, noisy.user_id, ManualClock(NOW), access_token=noisy.access_token
    )
    try:
        with pytest.raises(ChatError) as refused:
            for n in range(40):
                flooding.post(PostMessage(matrix_world.rooms["questions"], Message((Text(f"{n}"),))))
        assert refused.value.reason == "M_LIMIT_EXCEEDED"
        assert refused.value.retry_after is not None and refused.value.retry_after > 0
        assert refused.value.transient and not refused.value.ambiguous
    finally:
        flooding.close()


def test_a_report_is_uploaded_to_the_media_repository_then_posted_as_a_file(
    matrix_world: MatrixWorld, chat: MatrixChat, bot: MatrixUser
) -> None:
    room = matrix_world.rooms["questions"]
    chat.upload(Upload(room, "report.csv", "question,votes\nPensions?,2\n", "Report", "The questions"))
    event = [e for e in bot.events(room, sender=bot.id) if e["content"].get("msgtype") == "m.file"][-1]
    assert (
        event["content"]["filename"] == "report.csv" and event["content"]["body"] == "Report\nThe questions"
    )
    server, media = event["content"]["url"].removeprefix("mxc://").split("/", 1)
    request = urllib.request.Request(
        f"{matrix_world.synapse.url}/_matrix/client/v1/media/download/{q(server)}/{q(media)}"
    )
    request.add_header("Authorization", f"Bearer {bot.account.access_token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.read() == b"question,votes\nPensions?,2\n"


def test_a_form_is_a_short_exchange_in_the_direct_room_and_comes_back_submitted(
    matrix_world: MatrixWorld, chat: MatrixChat
) -> None:
    inbox = Collect()
    chat.listen(inbox)
    ana = matrix_world.people["participant02"]
    form = Form(
        "connection_help",
        "Connection help",
        (TextField("missing", "What is missing?"), Choice("mode", "Mode", (Option("Online", "online"),))),
        state={"registrant": "r1"},
    )
    chat.open_form(OpenForm(ana.id, form, Handle({})))
    room = chat.direct_conversation(ana.id)
    ana.join(room)
    asked = [
        e["content"]["body"] for e in ana.events(room, sender=chat.user_id) if e["type"] == "m.room.message"
    ]
    assert "1/1 · What is missing?" in asked[-1] and asked[-1].startswith("Connection help")
    answer = ana.says(room, "A camera <b>")
    until(lambda: chat.handled(answer), "the answer handled")
    [submitted] = [e for e in inbox.seen if isinstance(e, Submitted)]
    assert (submitted.person, submitted.form, submitted.state) == (
        ana.id,
        "connection_help",
        {"registrant": "r1"},
    )
    assert submitted.values == {"missing": ("A camera <b>",), "mode": ("online",)}
    assert not [e for e in inbox.seen if isinstance(e, Posted)]  # the answer was not also a message

    chat.open_form(
        OpenForm(
            ana.id, Form("questions_all", "All questions", intro=Message((Text("1. Pensions?"),))), Handle({})
        )
    )
    view = [e for e in ana.events(room, sender=chat.user_id) if e["type"] == "m.room.message"][-1]["content"]
    assert view["body"] == "All questions\n1. Pensions?" and view["msgtype"] == "m.notice"


def test_a_speakers_direct_room_is_recorded_in_m_direct_and_reused(
    matrix_world: MatrixWorld, chat: MatrixChat, bot: MatrixUser
) -> None:
    astor = matrix_world.user_id("astor")
    room = chat.direct_conversation(astor)
    assert bot.direct_rooms()[astor] == [room]
    restarted = chat_for(matrix_world, bot)
    try:
        assert restarted.direct_conversation(astor) == room  # found again, not a second room
    finally:
        restarted.close()


def test_a_rooms_moderators_are_its_members_with_power_50_and_up(
    matrix_world: MatrixWorld, chat: MatrixChat
) -> None:
    chat.join(matrix_world.rooms["backstage"])
    moderators = chat.group_members(f"#sp-webinar-backstage:{matrix_world.server_name}")
    assert moderators is not None and matrix_world.user_id("ortiz") in moderators
    assert matrix_world.user_id("participant01") not in moderators
    assert chat.group_members("ortiz") is None


def test_what_people_do_arrives_as_inbound_values_in_order(
    matrix_world: MatrixWorld, chat: MatrixChat, bot: MatrixUser
) -> None:
    room = matrix_world.rooms["questions"]
    root = chat.post(PostMessage(room, Message((Text("Questions for session 1"),))), key="thread_open:s1")
    inbox = Collect()
    chat.listen(inbox)
    ana = matrix_world.people["participant01"]
    asked = ana.says(room, "What about <b>pensions</b>?")
    reply = ana.replies(room, root.id, "And domestic workers?")
    ana.edits(room, asked, "What about pensions, really?")
    ana.reacts(room, reply)
    ana.unreacts(room, reply)
    ana.redacts(room, asked)
    command = ana.says(room, "!webinar status")
    until(lambda: chat.handled(command), "the command handled")
    me = ana.id
    assert inbox.seen == [
        Posted(me, MessageRef(room, asked), "What about <b>pensions</b>?", NOW),
        Posted(me, MessageRef(room, reply), "And domestic workers?", NOW, root.id, True),
        Edited(me, MessageRef(room, asked), "What about pensions, really?", NOW),
        Reacted(me, MessageRef(room, reply), "+1", True, NOW),
        Reacted(me, MessageRef(room, reply), "+1", False, NOW),
        Deleted(MessageRef(room, asked), NOW),
        Command(me, room, "webinar", "status", Handle({"room": room, "event": command}), NOW, command),
    ]
    direct = bot.direct_rooms()[me]
    sent = [e for r in direct for e in bot.events(r, sender=bot.id) if e["type"] == "m.room.message"]
    notices = [e["content"]["body"] for e in sent if e["content"]["msgtype"] == "m.notice"]
    assert notices == ["You ran webinar <status>"]  # the answer, to that person only


def test_a_restart_resumes_from_the_stored_position_and_sees_nothing_twice(
    matrix_world: MatrixWorld, bot: MatrixUser, engine: Engine
) -> None:
    room = matrix_world.rooms["questions"]
    ana = matrix_world.people["participant02"]
    before_start = ana.says(room, "said before the bot ever ran")
    first, inbox = chat_for(matrix_world, bot, engine), Collect()
    first.join(room)
    first.listen(inbox)
    seen_once = ana.says(room, "seen by the first run")
    until(lambda: first.handled(seen_once), "the first run saw it")
    first.close()
    while_down = ana.says(room, "said while the bot was down")
    second, again = chat_for(matrix_world, bot, engine), Collect()
    second.listen(again)
    try:
        until(lambda: second.handled(while_down), "the restart caught up")
        assert [e.text for e in inbox.seen if isinstance(e, Posted)] == ["seen by the first run"]
        assert [e.text for e in again.seen if isinstance(e, Posted)] == ["said while the bot was down"]
        assert not second.handled(before_start) and not second.handled(seen_once)
    finally:
        second.close()


def test_a_refused_token_or_an_unreachable_homeserver_is_a_clear_error(matrix_world: MatrixWorld) -> None:
    refused = MatrixChat(
        matrix_world.synapse.url, "@nobody:localhost", ManualClock(NOW), access_token="syt_wrong"
    )
    try:
        with pytest.raises(ChatError) as bad_token:
            refused.identity()
        assert (
            "check MATRIX_ACCESS_TOKEN" in bad_token.value.reason
            and "syt_wrong" not in bad_token.value.reason
        )
    finally:
        refused.close()
    away = MatrixChat(f"http://127.0.0.1:{free_port()}", "@bot:localhost", ManualClock(NOW), access_token="x")
    try:
        with pytest.raises(ChatError) as unreachable:
            away.identity()
        assert "cannot reach the homeserver" in unreachable.value.reason and unreachable.value.transient
    finally:
        away.close()


def test_a_room_joined_while_listening_brings_no_old_messages_as_news(
    matrix_world: MatrixWorld, bot: MatrixUser
) -> None:
    room = matrix_world.people["ortiz"].create_room(f"late-{time.monotonic_ns()}", public=True)
    ana = matrix_world.people["participant03"]
    ana.join(room)
    old = ana.says(room, "said before the bot came in")
    chat, inbox = chat_for(matrix_world, bot), Collect()
    try:
        chat.listen(inbox)
        chat.join(room)
        new = ana.says(room, "said after it joined")
        until(lambda: chat.handled(new), "the new message handled")
        posted = [e for e in inbox.seen if isinstance(e, Posted) and e.ref.conversation == room]
        assert [e.text for e in posted] == ["said after it joined"] and not chat.handled(old)
    finally:
        chat.close()


def test_a_vote_taken_back_after_a_restart_is_still_known_as_that_vote(
    matrix_world: MatrixWorld, bot: MatrixUser, engine: Engine
) -> None:
    room = matrix_world.rooms["questions"]
    first, inbox = chat_for(matrix_world, bot, engine), Collect()
    first.join(room)
    question = first.post(PostMessage(room, Message((Text("A question copy"),))))
    first.listen(inbox)
    voter = matrix_world.people["participant07"]
    vote = voter.reacts(room, question.id)
    until(lambda: first.handled(vote), "the vote handled")
    first.close()
    second, again = chat_for(matrix_world, bot, engine), Collect()
    second.listen(again)
    try:
        taken_back = voter.unreacts(room, question.id)
        until(lambda: second.handled(taken_back), "the redaction handled")
        assert inbox.seen == [Reacted(voter.id, question, "+1", True, NOW)]
        assert again.seen == [Reacted(voter.id, question, "+1", False, NOW)]
    finally:
        second.close()
