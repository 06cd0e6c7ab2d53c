"""The sender through the Slack adapter: cues first, paced within Slack's limits, retried through
outages, never doubled, against the stand-in and the real slack_sdk code paths."""

from __future__ import annotations

import threading
import time

import pytest

from bot.chat.message import Message, Text
from bot.chat.port import MessageRef, PostMessage, UpdateMessage, Whisper
from bot.chat.sender import Outcome, Outgoing, Pacer, Priority, Sender
from bot.clock import ManualClock
from bot.localslack import LocalSlack
from bot.slack.adapter import SlackChat
from bot.slack.client import make_client


def chat_for(slack: LocalSlack, clock: ManualClock) -> SlackChat:
    return SlackChat(slack.bot_token, slack.api_url, clock)


def sender_for(slack: LocalSlack, clock: ManualClock) -> Sender:
    return Sender(chat_for(slack, clock), clock)


def joined(slack: LocalSlack, clock: ManualClock, name: str) -> str:
    """The channel's id, with the bot in it (backstage channels are private: a moderator invites it)."""
    channel = slack.channel_id(name)
    if name.endswith("backstage"):
        slack.user("ortiz").invite(channel, slack.bot_user_id)
    else:
        make_client(slack.bot_token, slack.api_url, clock).conversations_join(channel=channel)
    return channel


def texts(slack: LocalSlack, channel: str) -> list[str]:
    return [m.text for m in slack.messages(channel)]


def say(text: str) -> Message:
    return Message((Text(text),))


def post(
    channel: str,
    text: str,
    priority: Priority = Priority.REPLY,
    key: str | None = None,
    results: list[Outcome] | None = None,
    reconcile_first: bool = False,
) -> Outgoing:
    return Outgoing(
        PostMessage(channel, say(text)),
        priority,
        key=key,
        on_done=results.append if results is not None else None,
        reconcile_first=reconcile_first,
    )


def test_cues_go_ahead_of_less_urgent_posts(slack: LocalSlack, clock: ManualClock) -> None:
    channel = joined(slack, clock, "sp-webinar-backstage")
    sender = sender_for(slack, clock)
    sender.submit(post(channel, "panel", Priority.PANEL))
    sender.submit(post(channel, "question copy", Priority.QUESTION))
    sender.submit(post(channel, "time's up", Priority.CUE))
    sender.drain()
    assert texts(slack, channel) == ["time's up", "question copy", "panel"]


def test_a_burst_is_paced_to_stay_inside_slacks_limit_without_a_single_429(
    slack: LocalSlack, clock: ManualClock
) -> None:
    channel = joined(slack, clock, "sp-webinar-questions")
    sender = sender_for(slack, clock)
    for n in range(30):
        sender.submit(post(channel, f"copy {n}", Priority.QUESTION))
    started = clock.monotonic()
    sender.drain()
    assert texts(slack, channel) == [f"copy {n}" for n in range(30)]
    assert not slack.transcript.calls(method="chat.postMessage", ok=False)
    assert clock.monotonic() - started >= 25  # about one per second after a short burst


def test_a_post_dropped_after_slack_accepted_it_is_not_posted_twice(
    slack: LocalSlack, clock: ManualClock
) -> None:
    channel = joined(slack, clock, "sp-webinar")
    slack.faults.drop_after_accept(count=1)
    results: list[Outcome] = []
    sender = sender_for(slack, clock)
    sender.submit(
        post(channel, "item starts", Priority.CUE, key="item_start:x@announcements", results=results)
    )
    sender.drain()
    assert texts(slack, channel) == ["item starts"]
    assert len(results) == 1 and results[0].ok and results[0].reconciled
    assert results[0].ref == MessageRef(channel, slack.messages(channel)[0].ts)


def test_a_two_minute_server_outage_delays_posts_but_loses_none(
    slack: LocalSlack, clock: ManualClock
) -> None:
    channel = joined(slack, clock, "sp-webinar")
    slack.faults.server_error(seconds=120, status=503)
    results: list[Outcome] = []
    sender = sender_for(slack, clock)
    for n in range(5):
        sender.submit(post(channel, f"cue {n}", Priority.CUE, key=f"cue-{n}", results=results))
    started = clock.monotonic()
    sender.drain()
    assert texts(slack, channel) == [f"cue {n}" for n in range(5)]
    assert all(r.ok for r in results) and len(results) == 5
    assert clock.monotonic() - started >= 120


def test_a_429_storm_is_waited_out(slack: LocalSlack, clock: ManualClock) -> None:
    channel = joined(slack, clock, "sp-webinar")
    slack.faults.rate_limit(count=12, retry_after=3)
    results: list[Outcome] = []
    sender = sender_for(slack, clock)
    for n in range(3):
        sender.submit(post(channel, f"cue {n}", Priority.CUE, key=f"c{n}", results=results))
    sender.drain()
    assert texts(slack, channel) == ["cue 0", "cue 1", "cue 2"]
    assert [r.ok for r in results] == [True] * 3


def test_a_permanent_error_is_reported_not_retried(slack: LocalSlack, clock: ManualClock) -> None:
    results: list[Outcome] = []
    sender = sender_for(slack, clock)
    sender.submit(post("C0NOWHERE", "hello", key="k", results=results))
    sender.drain()
    assert [(r.ok, r.error) for r in results] == [(False, "channel_not_found")]
    assert len(slack.transcript.calls(method="chat.postMessage")) == 1


def test_the_bot_joins_a_public_channel_it_is_not_in(slack: LocalSlack, clock: ManualClock) -> None:
    channel = slack.channel_id("sp-webinar")
    sender = sender_for(slack, clock)
    sender.submit(post(channel, "hello"))
    sender.drain()
    assert texts(slack, channel) == ["hello"]


def test_coalesced_updates_send_only_the_latest(slack: LocalSlack, clock: ManualClock) -> None:
    channel = joined(slack, clock, "sp-webinar-backstage")
    sender = sender_for(slack, clock)
    results: list[Outcome] = []
    sender.submit(post(channel, "panel v1", results=results))
    sender.drain()
    ref = results[0].ref
    assert ref is not None
    for version in (2, 3, 4):
        sender.send(UpdateMessage(ref, say(f"panel v{version}")), Priority.PANEL, coalesce="panel")
    sender.drain()
    assert texts(slack, channel) == ["panel v4"]
    assert len(slack.transcript.calls(method="chat.update")) == 1


def test_a_crash_between_claim_and_confirmation_is_reconciled_not_reposted(
    slack: LocalSlack, clock: ManualClock
) -> None:
    channel = joined(slack, clock, "sp-webinar")
    first = sender_for(slack, clock)
    first.submit(post(channel, "posted before the crash", Priority.CUE, key="cue-a"))
    first.drain()
    results: list[Outcome] = []
    restarted = sender_for(slack, clock)
    restarted.submit(
        post(channel, "posted before the crash", Priority.CUE, "cue-a", results, reconcile_first=True)
    )
    restarted.submit(post(channel, "never posted", Priority.CUE, "cue-b", results, reconcile_first=True))
    restarted.drain()
    assert texts(slack, channel) == ["posted before the crash", "never posted"]
    assert [r.reconciled for r in results] == [True, False]


@pytest.mark.parametrize(
    ("write", "lane"),
    [
        (UpdateMessage(MessageRef("C1", "1.1"), say("x")), "method:chat.update"),
        (Whisper("C1", "U1", say("x")), "method:chat.postEphemeral"),
        (PostMessage("C1", say("x")), "post:C1"),
    ],
)
def test_other_writes_are_paced_by_their_tier_not_per_channel(
    slack: LocalSlack, clock: ManualClock, write: PostMessage | UpdateMessage | Whisper, lane: str
) -> None:
    found = chat_for(slack, clock).lane(write)
    assert found is not None and found.key == lane


def test_a_burst_of_ephemerals_stays_inside_tier_4(slack: LocalSlack, clock: ManualClock) -> None:
    channel = joined(slack, clock, "sp-webinar-questions")
    sender = sender_for(slack, clock)
    user = slack.user("participant01").id
    for n in range(150):
        sender.send(Whisper(channel, user, say(f"e{n}")))
    sender.drain()
    assert len(slack.user("participant01").ephemerals()) == 150
    assert not [e for e in slack.transcript.calls(method="chat.postEphemeral") if e.status == 429]


def test_a_channel_busy_with_copies_keeps_room_for_a_cue(slack: LocalSlack, clock: ManualClock) -> None:
    channel = joined(slack, clock, "sp-webinar-questions")
    sender = sender_for(slack, clock)
    for n in range(10):
        sender.submit(post(channel, f"copy {n}", Priority.QUESTION))
    sender.drain(limit=6)  # the copies have drained the burst and now go one per second
    results: list[Outcome] = []
    before = clock.monotonic()
    sender.submit(post(channel, "thread opens", Priority.CUE, key="cue", results=results))
    sender.drain(limit=1)
    assert [r.ok for r in results] == [True]
    assert clock.monotonic() - before < 0.01  # no wait for a token: the copies left the reserve


def test_webinars_of_one_workspace_keep_within_its_update_rate_together(
    slack: LocalSlack, clock: ManualClock
) -> None:
    channel = joined(slack, clock, "sp-webinar-backstage")
    workspace = Pacer()  # what `serve` hands every webinar of one workspace
    senders = [Sender(chat_for(slack, clock), clock, workspace) for _ in range(2)]
    panels: list[MessageRef] = []
    for n, sender in enumerate(senders):
        results: list[Outcome] = []
        sender.submit(post(channel, f"panel of webinar {n}", results=results))
        sender.drain()
        assert results[0].ref is not None
        panels.append(results[0].ref)
    for version in range(12):
        for n, sender in enumerate(senders):
            sender.send(UpdateMessage(panels[n], say(f"panel {n} v{version}")), Priority.PANEL)
    started = clock.monotonic()
    for sender in senders:
        sender.drain()
    # 24 updates in one workspace, whose chat.update lane allows a burst of 8, then 0.8 a second.
    assert clock.monotonic() - started >= (24 - 8) / 0.8 - 0.01
    assert len(slack.transcript.calls(method="chat.update", ok=True)) == 24


def test_a_write_never_waits_for_the_bookkeeping_of_those_answered_before_it(
    slack: LocalSlack, clock: ManualClock
) -> None:
    names = ("sp-webinar", "sp-webinar-questions", "sp-webinar-backstage", "psi-panel-7", "general")
    channels = [joined(slack, clock, name) for name in names]
    sender = Sender(chat_for(slack, clock), clock, workers=4)  # one more write than workers
    bookkeeping_may_end = threading.Event()
    booked: list[str] = []

    def slow_bookkeeping(outcome: Outcome) -> None:  # e.g. the outbox on a busy database
        bookkeeping_may_end.wait(30)
        booked.append(outcome.ref.conversation if outcome.ref else "")

    sender.start()
    try:
        for channel in channels:
            sender.send(PostMessage(channel, say("cue")), Priority.CUE, on_done=slow_bookkeeping)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(texts(slack, c) != ["cue"] for c in channels):
            threading.Event().wait(0.01)
        assert all(texts(slack, c) == ["cue"] for c in channels)
        assert booked == []  # every write went out while the first one's bookkeeping still waited
    finally:
        bookkeeping_may_end.set()
        sender.stop()
    assert sorted(booked) == sorted(channels) and sender.pending() == 0


def test_a_cues_bookkeeping_waits_until_the_cues_of_its_instant_are_out(
    slack: LocalSlack, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interpreter runs one thread at a time: records made while an instant's other cues are
    still being written would slow them down, so they wait for those cues."""
    monkeypatch.setattr("bot.chat.sender.BOOKKEEPING_PATIENCE", 30.0)
    first, second = joined(slack, clock, "sp-webinar"), joined(slack, clock, "sp-webinar-backstage")
    chat = chat_for(slack, clock)
    second_may_go, first_booked = threading.Event(), threading.Event()
    booked_while_second_out: list[bool] = []
    post_as_usual = chat.post

    def held_post(write: PostMessage, key: str | None = None) -> MessageRef:
        if write.conversation == second:  # still being written when the first one is answered
            assert second_may_go.wait(30)
            booked_while_second_out.append(first_booked.is_set())
        return post_as_usual(write, key)

    monkeypatch.setattr(chat, "post", held_post)
    sender = Sender(chat, clock)
    sender.start()
    try:
        sender.send(PostMessage(second, say("time's up")), Priority.CUE)
        sender.send(PostMessage(first, say("next")), Priority.CUE, on_done=lambda _: first_booked.set())
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and texts(slack, first) != ["next"]:
            threading.Event().wait(0.01)
        assert texts(slack, first) == ["next"]
        first_booked.wait(0.3)  # had it been booked at once, it would be by now
        second_may_go.set()
        assert first_booked.wait(20)  # and once the other cue is out, it is
    finally:
        second_may_go.set()
        sender.stop()
    assert booked_while_second_out == [False]
