"""The live bot end to end, through the local Slack stand-in, on a clock moved by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from e2e.harness import MODERATOR, Harness, cest

from bot.chat.message import Message
from bot.launch import BotError
from bot.timeline.cue import Cue, Kind

END = cest("17:16")


def test_the_seed_webinar_runs_whole_every_cue_once_in_the_right_place_at_the_right_second(
    harness: Harness,
) -> None:
    bot = harness.start_bot()
    cues = bot.webinar.session.plan()
    harness.run_until(bot, END)
    harness.check_exactly_once(cues)
    # ...in the right place: each speaker's cues in their DM, the rest in the schedule's channels.
    receipts = {e.args.get("channel"): e for e in harness.slack.transcript.calls(method="chat.postMessage")}
    assert receipts
    for cue in cues:
        channel = bot.webinar.delivery.destination(cue)[0]
        posted = [
            m
            for m in harness.posts(channel)
            if (m.metadata or {}).get("event_payload", {}).get("key") == cue.id
        ]
        assert len(posted) == 1, cue.id
    behrendt = harness.slack.user("behrendt").id
    dm = bot.webinar.directory.direct(behrendt)
    texts = [m.text for m in harness.posts(dm)]
    assert any("1 min left" in t for t in texts) and any("Time's up" in t for t in texts)
    assert bot.webinar.outbox.counts()["sent"] == len(cues)


def test_a_restart_in_the_middle_repeats_nothing_and_loses_nothing(harness_on_any_store: Harness) -> None:
    harness = harness_on_any_store
    bot = harness.start_bot()
    cues = bot.webinar.session.plan()
    harness.run_until(bot, cest("14:39:59"))
    # Crash at 14:40 with cues claimed but not yet sent: the scheduler fired, the sender had not run.
    harness.clock.set(cest("14:40"))
    assert bot.webinar.runner.scheduler.run_due() > 0
    bot.crash()
    restarted = harness.start_bot()
    harness.run_until(restarted, END)
    harness.check_exactly_once(cues, tolerance=timedelta(seconds=1))


def test_a_restart_after_a_post_whose_confirmation_was_lost_does_not_post_it_again(harness: Harness) -> None:
    bot = harness.start_bot()
    cues = bot.webinar.session.plan()
    harness.run_until(bot, cest("14:14"))
    harness.slack.faults.drop_after_accept(count=2)  # Slack stores the posts, the bot never hears back
    harness.clock.set(cest("14:15"))
    bot.webinar.runner.scheduler.run_due()
    bot.crash()
    restarted = harness.start_bot()
    harness.run_until(restarted, END)
    harness.check_exactly_once(cues, tolerance=timedelta(seconds=1))


def test_a_429_storm_delays_cues_but_loses_none(harness: Harness) -> None:
    bot = harness.start_bot()
    cues = bot.webinar.session.plan()
    harness.run_until(bot, cest("14:09"))
    harness.slack.faults.rate_limit(method="chat.postMessage", count=40, retry_after=2)
    harness.run_until(bot, END)
    harness.check_exactly_once(cues, tolerance=timedelta(minutes=2))
    limited = [e for e in harness.slack.transcript.calls(method="chat.postMessage") if e.status == 429]
    assert len(limited) == 40


def test_a_two_minute_server_outage_delays_cues_but_loses_none(harness: Harness) -> None:
    bot = harness.start_bot()
    cues = bot.webinar.session.plan()
    harness.run_until(bot, cest("14:14"))
    harness.slack.faults.server_error(seconds=120, status=503)
    harness.run_until(bot, END)
    harness.check_exactly_once(cues, tolerance=timedelta(minutes=3))
    late = [c for c in cues if cest("14:14") <= c.at <= cest("14:16")]
    assert late, "the outage covered some cues"


def test_a_non_moderator_cannot_steer(harness: Harness) -> None:
    bot = harness.start_bot()
    harness.clock.set(cest("14:05"))
    result = harness.slack.user("participant03").slash("/webinar", "delay 5", channel="sp-webinar")
    assert result.acked
    reply = harness.slack.user("participant03").ephemerals()[-1].text
    assert "Sorry, only the webinar's moderators can do that" in reply
    assert bot.webinar.session.state.adjustments.delays == ()


def test_a_five_minute_delay_moves_every_later_cue_by_five_minutes(harness: Harness) -> None:
    bot = harness.start_bot()
    before = {c.id: c.at for c in bot.webinar.session.plan()}
    harness.run_until(bot, cest("14:32"))
    harness.slack.user(MODERATOR).slash("/webinar", "delay 5", channel="sp-webinar-backstage")
    after = {c.id: c.at for c in bot.webinar.session.plan()}
    later = [cid for cid, when in before.items() if when > cest("14:32")]
    assert later and all(after[cid] - before[cid] == timedelta(minutes=5) for cid in later)
    harness.run_until(bot, END + timedelta(minutes=6))
    receipts = harness.receipts()
    for cid in later:
        assert receipts[cid] == [before[cid] + timedelta(minutes=5)], cid
    log = [m.text for m in harness.posts("sp-webinar-backstage")]
    assert any("delayed the session by 5 min" in t and "<@" in t for t in log)


def test_a_speaker_who_runs_over_is_reported_to_the_moderators(harness: Harness) -> None:
    bot = harness.start_bot()
    moderator = harness.slack.user(MODERATOR)
    harness.run_until(bot, cest("14:00"))
    moderator.slash("/webinar", "start", channel="sp-webinar-backstage")
    harness.run_until(bot, cest("14:10"))
    moderator.slash("/webinar", "next", channel="sp-webinar-backstage")  # Behrendt starts on time
    harness.run_until(bot, cest("14:15:31"))
    alerts = [m.text for m in harness.posts("sp-webinar-backstage") if "has run over" in m.text]
    behrendt = harness.slack.user("behrendt").id
    assert len(alerts) == 1 and f"<@{behrendt}>" in alerts[0] and "30 s" in alerts[0]
    # The moderators move on two minutes late: Mote's five minutes run from then, and later cues follow.
    harness.run_until(bot, cest("14:17"))
    moderator.slash("/webinar", "next", channel="sp-webinar-backstage")
    mote_end = next(
        c for c in bot.webinar.session.plan() if c.kind is Kind.SLOT_END and c.audience == "speaker:mote"
    )
    assert mote_end.at == cest("14:22")


def test_every_control_is_logged_in_backstage_and_the_panel_follows(harness: Harness) -> None:
    bot = harness.start_bot()
    moderator = harness.slack.user(MODERATOR)
    harness.run_until(bot, cest("14:01"))
    moderator.slash("/webinar", "pause", channel="sp-webinar-backstage")
    harness.run_until(bot, cest("14:03"))
    moderator.slash("/webinar", "resume", channel="sp-webinar-backstage")
    moderator.slash("/webinar", "mute standby", channel="sp-webinar-backstage")
    bot.tick()
    texts = [m.text for m in harness.posts("sp-webinar-backstage")]
    for fragment in ("paused the session", "resumed the session after 2 min", "muted standby cues"):
        assert any(fragment in t for t in texts), fragment
    assert not [c for c in bot.webinar.session.plan() if c.kind is Kind.STANDBY]
    panel = next(m for m in harness.posts("sp-webinar-backstage") if m.blocks and "Live:" in m.text)
    assert "Next:" in panel.text


def test_the_panel_buttons_steer_like_the_command(harness: Harness) -> None:
    bot = harness.start_bot()
    harness.run_until(bot, cest("14:00"))
    panel = next(m for m in harness.posts("sp-webinar-backstage") if m.blocks and "Live:" in m.text)
    channel = harness.channel("sp-webinar-backstage")
    harness.slack.user(MODERATOR).click(channel, panel.ts, "webinar_control_start")
    assert bot.webinar.session.state.current is not None
    result = harness.slack.user("mote").click(channel, panel.ts, "webinar_control_next")
    assert result.acked
    bot.tick()  # the reply goes out through the sender, like every write
    assert "only the webinar's moderators can do that" in harness.slack.user("mote").ephemerals()[-1].text


def test_a_pause_holds_every_cue_until_resume(harness: Harness) -> None:
    bot = harness.start_bot()
    harness.run_until(bot, cest("14:12"))
    moderator = harness.slack.user(MODERATOR)
    moderator.slash("/webinar", "pause", channel="sp-webinar-backstage")
    posted_before = len(harness.slack.transcript.calls(method="chat.postMessage"))
    harness.run_until(bot, cest("14:20"))  # Behrendt's 14:14 warning and 14:15 end must wait
    posted = harness.slack.transcript.calls(method="chat.postMessage")[posted_before:]
    assert not [e for e in posted if "metadata" in e.args]
    moderator.slash("/webinar", "resume", channel="sp-webinar-backstage")
    ends = {c.id: c.at for c in bot.webinar.session.plan()}
    assert ends[
        "slot_end:extension-social-protection-thematic/transition-informal-formal-economy/behrendt@speaker:behrendt"
    ] == cest("14:23")


def test_a_speaker_the_bot_cannot_reach_is_cued_in_backstage_by_name(harness: Harness) -> None:
    text = harness.schedule.read_text().replace("mote@example.org", "nobody-here@example.org")
    harness.schedule.write_text(text)
    bot = harness.start_bot()
    harness.run_until(bot, cest("14:20"))
    backstage = [m.text for m in harness.posts("sp-webinar-backstage")]
    assert any("Hilma Mote" in t and "could not be resolved" in t for t in backstage)
    assert any(
        "For Hilma Mote, who could not be reached in Slack" in t and "1 min left" in t for t in backstage
    )


def test_cues_missed_while_the_bot_was_down_are_posted_within_grace_or_reported(harness: Harness) -> None:
    harness.clock.set(cest("14:15:30"))  # the bot starts late
    bot = harness.start_bot()
    receipts = harness.receipts()
    assert any(k.startswith("slot_end:") and "behrendt" in k for k in receipts)  # 30 s late: still useful
    assert not any(k.startswith("reminder:connection_guide") for k in receipts)  # a week late: not useful
    reports = [m.text for m in harness.posts("sp-webinar-backstage") if "came too late" in m.text]
    assert reports and "reminder" in reports[0]
    assert bot.webinar.outbox.counts()["missed"] >= 1


def test_a_second_bot_on_the_same_database_refuses_to_schedule(harness: Harness) -> None:
    harness.start_bot()
    from bot.launch import LaunchOptions, launch

    with pytest.raises(BotError, match="already running this webinar"):
        launch(LaunchOptions(harness.schedule, background=False), harness.settings(), harness.clock)


def test_saving_an_edit_replans_and_a_broken_edit_is_refused(harness: Harness) -> None:
    bot = harness.start_bot()
    harness.run_until(bot, cest("14:05"))
    original = harness.schedule.read_text()
    edited = original.replace('time: "17:00-17:15"', 'time: "17:05-17:20"').replace(
        "          - {speaker: ganter, minutes: 5}",
        "          - {speaker: ganter, minutes: 5}\n          - {speaker: pal, minutes: 5}",
    )
    harness.schedule.write_text(edited)
    bot.webinar.reload()
    bot.tick()
    updates = [m.text for m in harness.posts("sp-webinar-backstage") if "Schedule updated" in m.text]
    assert updates, [m.text for m in harness.posts("sp-webinar-backstage")][-2:]
    assert "moved: Closing remarks 17:00-17:15 → 17:05-17:20" in updates[-1]
    assert "added: Karuna Pal at 15:55" in updates[-1]
    end = next(c for c in bot.webinar.session.plan() if c.kind is Kind.ITEM_END)
    assert end.at == cest("17:20")
    harness.schedule.write_text(original.replace('time: "16:10-17:00"', 'time: "99:99"'))
    bot.webinar.reload()
    bot.tick()
    refusals = [m.text for m in harness.posts("sp-webinar-backstage") if "could not use the edit" in m.text]
    assert refusals and "not a time of day" in refusals[-1]
    assert next(c for c in bot.webinar.session.plan() if c.kind is Kind.ITEM_END).at == cest(
        "17:20"
    )  # plan kept


def test_a_cue_made_ready_ahead_goes_out_as_made_unless_the_plan_moved_it(harness: Harness) -> None:
    bot = harness.start_bot()
    harness.run_until(bot, cest("14:09:50"))
    delivery = bot.webinar.delivery
    due = [c for c in bot.webinar.session.plan() if c.at == cest("14:10")]
    assert len(due) >= 3  # an instant with several cues
    delivery.prerender(due)
    made, delivery.message = delivery.message, None  # type: ignore[assignment,method-assign]
    try:
        harness.run_until(bot, cest("14:10"))  # no rendering at the instant: all were ready
    finally:
        delivery.message = made  # type: ignore[method-assign]
    assert all(len(harness.receipts().get(c.id, [])) == 1 for c in due)
    later = [c for c in bot.webinar.session.plan() if c.at == cest("14:15")]
    delivery.prerender(later)
    harness.slack.user(MODERATOR).slash("/webinar", "delay 2", channel="sp-webinar-backstage")
    bot.tick()
    rendered: list[str] = []

    def render(cue: Cue) -> Message:
        rendered.append(cue.id)
        return made(cue)

    delivery.message = render  # type: ignore[method-assign]
    harness.run_until(bot, cest("14:17"))
    moved = [c for c in bot.webinar.session.plan() if c.id == later[0].id]
    assert moved and moved[0].at == cest("14:17")  # re-planned: what was made ready is stale
    assert later[0].id in rendered  # so it was rendered again when due
    assert len(harness.receipts().get(later[0].id, [])) == 1
