"""`webinar-bot serve DIR`: every webinar of a folder in one process, through the stand-in."""

from __future__ import annotations

import argparse
import os
from datetime import timedelta

import pytest

from bot.runtime.webinar import Webinar
from bot.serve.tagged import untag
from serve.harness import KEYS, FleetHarness, cest


def cue_receipts(h: FleetHarness) -> dict[tuple[str, str], int]:
    """How many times each (webinar, cue) was posted."""
    counts: dict[tuple[str, str], int] = {}
    for key, times in h.receipts().items():
        owner, cue = untag(key)
        counts[(owner or "", cue)] = counts.get((owner or "", cue), 0) + len(times)
    return counts


def test_serve_runs_every_schedule_of_the_folder_each_cue_once(fleet_harness: FleetHarness) -> None:
    h = fleet_harness
    h.write("a.yaml", "b.yaml")
    serve = h.start()
    assert {s.key for s in serve.fleet.states()} == {KEYS["a.yaml"], KEYS["b.yaml"]}
    h.step([serve], cest("14:45"))
    counts = cue_receipts(h)
    for name in ("a.yaml", "b.yaml"):
        webinar = next(w for w in serve.fleet.webinars() if w.key == KEYS[name])
        planned = {c.id for c in webinar.session.plan()}
        assert planned and all(counts.get((KEYS[name], cue)) == 1 for cue in planned), name
    a_starts = [m.text for m in h.posts("sp-webinar") if "Opening of A" in m.text]
    b_starts = [m.text for m in h.posts("psi-panel-7") if "Opening of B" in m.text]
    assert len(a_starts) == 1 and len(b_starts) == 1
    assert not [m for m in h.posts("psi-panel-7") if "Opening of A" in m.text]


def test_a_file_added_starts_its_webinar_and_one_removed_stops_and_says_so(
    fleet_harness: FleetHarness,
) -> None:
    h = fleet_harness
    h.write("a.yaml")
    serve = h.start()
    assert [s.key for s in serve.fleet.states()] == [KEYS["a.yaml"]]
    h.write("b.yaml")
    h.step([serve], cest("13:41"))
    assert {s.key for s in serve.fleet.states() if s.runs_cues} == {KEYS["a.yaml"], KEYS["b.yaml"]}
    (h.folder / "b.yaml").unlink()
    h.step([serve], cest("13:42"))
    assert [s.key for s in serve.fleet.states()] == [KEYS["a.yaml"]]
    said = [m.text for m in h.posts("psi-panel-7-backstage")]
    assert any("b.yaml" in t and "was removed" in t for t in said)
    h.step([serve], cest("14:45"))
    assert not [
        key for key in cue_receipts(h) if key[0] == KEYS["b.yaml"] and key[1].startswith("item_start")
    ]


def test_a_broken_file_is_refused_in_its_backstage_and_the_others_carry_on(
    fleet_harness: FleetHarness,
) -> None:
    h = fleet_harness
    h.write("a.yaml")
    broken = h.folder / "b.yaml"
    broken.write_text(
        "title: Webinar Bravo\ntimezone: Europe/Zurich\ndate: 2018-10-23\n"
        "channels: {announcements: psi-panel-7, questions: psi-panel-7-questions, "
        "backstage: psi-panel-7-backstage}\nagenda:\n  - time: 25:00-26:00\n    title: Nowhere\n"
    )
    serve = h.start()
    states = {s.file: s for s in serve.fleet.states()}
    assert states["b.yaml"].problems and not states["b.yaml"].runs_cues
    assert states["a.yaml"].runs_cues
    refused = [m.text for m in h.posts("psi-panel-7-backstage") if "b.yaml" in m.text]
    assert len(refused) == 1 and "errors" in refused[0]
    h.step([serve], cest("13:45"))  # the same broken file is not reported again
    assert len([m for m in h.posts("psi-panel-7-backstage") if "b.yaml" in m.text]) == 1
    h.write("b.yaml")  # mended
    h.step([serve], cest("13:46"))
    assert {s.key for s in serve.fleet.states() if s.runs_cues} == {KEYS["a.yaml"], KEYS["b.yaml"]}


def test_commands_reach_the_webinar_of_their_channel(fleet_harness: FleetHarness) -> None:
    h = fleet_harness
    h.write("a.yaml", "b.yaml")
    serve = h.start()
    h.step([serve], cest("14:31"))
    moderator = h.slack.user("ortiz")
    moderator.slash("/webinar", "delay 5", channel="psi-panel-7-backstage")
    serve.fleet.tick()
    b = next(w for w in serve.fleet.webinars() if w.key == KEYS["b.yaml"])
    a = next(w for w in serve.fleet.webinars() if w.key == KEYS["a.yaml"])
    assert b.session.state.adjustments.delays and not a.session.state.adjustments.delays


def test_where_two_webinars_share_a_channel_a_bare_command_asks_which_and_a_key_chooses(
    fleet_harness: FleetHarness,
) -> None:
    h = fleet_harness
    h.write("a.yaml", "c.yaml")
    serve = h.start()
    moderator = h.slack.user("ortiz")
    moderator.slash("/webinar", "status", channel="sp-webinar-backstage")
    reply = moderator.ephemerals()[-1].text  # in Spanish: Ortiz's profile is
    assert "¿a cuál se refiere?" in reply and KEYS["a.yaml"] in reply and KEYS["c.yaml"] in reply
    moderator.slash("/webinar", f"{KEYS['c.yaml']} delay 3", channel="sp-webinar-backstage")
    serve.fleet.tick()
    c = next(w for w in serve.fleet.webinars() if w.key == KEYS["c.yaml"])
    a = next(w for w in serve.fleet.webinars() if w.key == KEYS["a.yaml"])
    assert c.session.state.adjustments.delays and not a.session.state.adjustments.delays


def test_a_button_in_a_direct_message_reaches_the_webinar_that_sent_it(fleet_harness: FleetHarness) -> None:
    h = fleet_harness
    h.write("a.yaml", "c.yaml")
    serve = h.start()
    h.step([serve], cest("15:41"))  # Mote is asked to check in, 20 minutes before C's slot
    mote = h.slack.user("mote")
    asks = [
        (channel, m)
        for channel in list(h.slack.workspace.channels.values())
        if channel.is_im and channel.im_user == mote.id
        for m in h.slack.messages(channel.id)
        if "speaker_here" in str(m.blocks)
    ]
    assert len(asks) == 1 and KEYS["c.yaml"] + "|" in str(asks[0][1].blocks)  # the button carries C's tag
    channel, ask = asks[0]
    mote.click(channel.id, ask.ts, "speaker_here")
    serve.fleet.tick()
    c = next(w for w in serve.fleet.webinars() if w.key == KEYS["c.yaml"])
    assert "mote" in c.people.state().checked_in


def test_healthz_says_the_database_answers_and_how_many_webinars_run_their_cues_here(
    fleet_harness: FleetHarness,
) -> None:
    import json
    import urllib.request

    h = fleet_harness
    h.write("a.yaml", "b.yaml")
    serve = h.start()
    assert serve.chat.receiver is not None
    port = serve.chat.receiver.port  # type: ignore[attr-defined]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
        assert answer.status == 200
        health = json.loads(answer.read())
    assert health["ok"] is True and health["database"] is True and health["leases"] == 2


def test_status_prints_every_webinar_where_it_stands_its_next_cue_and_who_runs_it(
    fleet_harness: FleetHarness, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.commands import status

    h = fleet_harness
    h.write("a.yaml", "b.yaml")
    serve = h.start()
    h.step([serve], cest("14:31"))
    args = argparse.Namespace(db=h.database_url, env=None)
    assert status.run(args) == 0
    out = capsys.readouterr().out
    for key in (KEYS["a.yaml"], KEYS["b.yaml"]):
        assert f"{key}: Webinar" in out
    assert "cues posted" in out and "next:" in out and f"pid {os.getpid()}" in out
    serve.stop()
    assert status.run(args) == 0
    assert "nobody (no bot holds its lease now)" in capsys.readouterr().out


def test_an_edit_that_gives_a_file_another_title_starts_that_webinar_in_place_of_the_old(
    fleet_harness: FleetHarness,
) -> None:
    h = fleet_harness
    h.write("a.yaml")
    serve = h.start()
    (h.folder / "a.yaml").write_text(
        (h.folder / "a.yaml").read_text().replace("title: Webinar Alpha", "title: Webinar Delta")
    )
    h.step([serve], cest("13:41"))
    assert [s.key for s in serve.fleet.states() if s.runs_cues] == ["webinar-delta-2018-10-23"]
    assert KEYS["a.yaml"] not in serve.fleet.router.webinar_keys()


def test_the_webinars_a_process_starts_share_one_listing_of_the_workspaces_channels(
    fleet_harness: FleetHarness,
) -> None:
    h = fleet_harness
    h.write("a.yaml", "b.yaml", "c.yaml")
    h.start()
    listings = [e for e in h.slack.transcript.entries() if e.name == "conversations.list"]
    assert len(listings) == 1  # not three per webinar: Slack allows 20 a minute


def test_speakers_are_found_with_one_walk_of_the_directory_not_one_look_up_each(
    fleet_harness: FleetHarness,
) -> None:
    h = fleet_harness
    h.write("a.yaml", "b.yaml", "c.yaml")
    serve = h.start()
    calls = [e.name for e in h.slack.transcript.entries()]
    assert calls.count("users.list") == 1 and calls.count("users.lookupByEmail") == 0
    a = next(w for w in serve.fleet.webinars() if w.key == KEYS["a.yaml"])
    assert a.directory.speakers["astor"] == h.slack.user("astor").id


def test_a_pass_reads_afresh_only_the_webinars_whose_stored_state_moved(
    fleet_harness: FleetHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = fleet_harness
    h.write("a.yaml", "b.yaml", "c.yaml")
    serve = h.start()
    h.step([serve], h.clock.now() + timedelta(seconds=4))
    reads: list[str] = []
    original = Webinar.sync

    def counted(webinar: Webinar) -> bool:
        reads.append(webinar.key)
        return original(webinar)

    monkeypatch.setattr(Webinar, "sync", counted)
    serve.fleet.scan()
    assert reads == []  # a hundred webinars at rest cost two queries a pass, not three each

    b = next(w for w in serve.fleet.webinars() if w.key == KEYS["b.yaml"])
    b.people.answers.answer("astor", "declined", h.clock.now())  # as another replica would store it
    serve.fleet.scan()
    assert reads == [KEYS["b.yaml"]]
