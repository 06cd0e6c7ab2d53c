"""`serve` in OAuth mode: webinars in several workspaces, each posting with its own workspace's token,
and nothing from one workspace ever reaching a webinar of another."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode, urlparse

import pytest

from bot.chat.inbound import Command, Pressed, Reacted, Submitted
from bot.chat.refs import Handle, MessageRef
from bot.clock import ManualClock
from bot.config import InstallSettings, Settings
from bot.launch import RunningFleet, ServeOptions, launch_fleet
from bot.localslack import LocalSlack
from bot.localslack.tenant import Tenant
from bot.manifest import bot_events, bot_scopes
from bot.serve.tagged import FORM_STATE_KEY, tag
from serve.harness import KEYS, MORNING, cest, schedule_text


def get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str]]:
    parsed = urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname or "", parsed.port, timeout=5)
    try:
        path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def install(base: str, tenant: Tenant) -> None:
    """The admin's browser round trip: the bot's install link, Slack's approval, the bot's redirect."""
    status, start = get(f"{base}slack/install?{urlencode({'team': tenant.team_id})}")
    assert status == 302
    cookie = start["set-cookie"].split(";", 1)[0]
    status, approval = get(start["location"])
    assert status == 302
    status, _ = get(approval["location"], cookie)
    assert status == 200


@pytest.fixture
def served(clock: ManualClock, tmp_path: Path) -> Iterator[tuple[LocalSlack, Tenant, Tenant, RunningFleet]]:
    clock.set(MORNING)
    with LocalSlack(clock=clock, ack_timeout=5.0, subscriptions=bot_events(), signing_clock=clock) as slack:
        first = slack.add_workspace(name="First Org", domain="firstorg")
        second = slack.add_workspace(name="Second Org", domain="secondorg")
        folder = tmp_path / "schedules"
        folder.mkdir()
        # The same channel names in both workspaces: the schedules say which workspace.
        (folder / "a.yaml").write_text("workspace: firstorg\n" + schedule_text("a.yaml"))
        (folder / "c.yaml").write_text(f"workspace: {second.team_id}\n" + schedule_text("c.yaml"))
        settings = Settings(
            signing_secret=slack.signing_secret,
            api_url=slack.api_url,
            database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        )
        oauth = InstallSettings(slack.client_id, slack.client_secret, tuple(sorted(bot_scopes())))
        options = ServeOptions(folder, http_port=0, http_host="127.0.0.1", background=False)
        running = launch_fleet(options, settings, clock, oauth)
        try:
            assert running.receiver is not None
            base = f"http://127.0.0.1:{running.receiver.port}/"  # type: ignore[attr-defined]
            slack.connect_oauth(f"{base}slack/oauth_redirect")
            slack.connect_http(f"{base}slack/events")
            assert all(s.problems and not s.runs_cues for s in running.fleet.states())  # not installed yet
            for tenant in (first, second):
                install(base, tenant)
                tenant.user("ortiz").invite(tenant.channel_id("sp-webinar-backstage"), tenant.bot_user_id)
            running.fleet.scan()
            running.fleet.tick()
            yield slack, first, second, running
        finally:
            running.stop(flush_seconds=0)


def step(running: RunningFleet, clock: ManualClock, until: datetime) -> None:
    while clock.now() < until:
        dues = [
            due
            for w in running.fleet.webinars()
            if w.cue_parts and (due := w.runner.scheduler.next_wakeup()) is not None and due > clock.now()
        ]
        clock.set(min([until, *dues]))
        running.fleet.scan()
        running.fleet.tick()


def test_each_webinar_runs_in_the_workspace_its_schedule_names(
    served: tuple[LocalSlack, Tenant, Tenant, RunningFleet], clock: ManualClock
) -> None:
    _, first, second, running = served
    assert {s.key for s in running.fleet.states() if s.runs_cues} == {KEYS["a.yaml"], KEYS["c.yaml"]}
    step(running, clock, cest("16:15"))
    first_posts = [m.text for m in first.messages(first.channel_id("sp-webinar"))]
    second_posts = [m.text for m in second.messages(second.channel_id("sp-webinar"))]
    assert any("Opening of A" in t for t in first_posts) and not any("Opening of C" in t for t in first_posts)
    assert any("Opening of C" in t for t in second_posts) and not any(
        "Opening of A" in t for t in second_posts
    )


def test_a_command_naming_another_workspaces_webinar_does_not_reach_it(
    served: tuple[LocalSlack, Tenant, Tenant, RunningFleet],
) -> None:
    _, first, _, running = served
    moderator = first.user("ortiz")
    moderator.slash("/webinar", f"{KEYS['c.yaml']} delay 5", channel="sp-webinar-backstage")
    running.fleet.tick()
    c = next(w for w in running.fleet.webinars() if w.key == KEYS["c.yaml"])
    assert not c.session.state.adjustments.delays
    assert moderator.ephemerals()  # their own workspace's webinar answered them (it knows no such control)


def test_forged_buttons_forms_reactions_and_channels_stay_in_their_own_workspace(
    served: tuple[LocalSlack, Tenant, Tenant, RunningFleet], clock: ManualClock
) -> None:
    _, first, second, running = served
    inbox = running.fleet.router.for_workspace(first.team_id)
    assert inbox is not None
    c = next(w for w in running.fleet.webinars() if w.key == KEYS["c.yaml"])
    before = (c.session.state, c.people.stored_state(), [q.votes for q in c.questions.all()])
    now = clock.now()
    theirs = second.channel_id("sp-webinar-backstage")
    forged = [
        Pressed("U1", "speaker_here", tag(KEYS["c.yaml"], "mote"), Handle(), now, MessageRef(theirs, "1.1")),
        Submitted("U1", "register", {"name": ("X",)}, {FORM_STATE_KEY: KEYS["c.yaml"]}, Handle(), now),
        Reacted("U1", MessageRef(second.channel_id("sp-webinar-questions"), "1.2"), "+1", True, now),
        Command("U1", theirs, "webinar", f"{KEYS['c.yaml']} skip mote", Handle(), now),
    ]
    for event in forged:
        inbox.receive(event)
    running.fleet.tick()
    assert (c.session.state, c.people.stored_state(), [q.votes for q in c.questions.all()]) == before


def test_an_uninstall_stops_that_workspaces_webinars_and_the_others_carry_on(
    served: tuple[LocalSlack, Tenant, Tenant, RunningFleet], clock: ManualClock
) -> None:
    slack, first, second, running = served
    second.uninstall()
    slack.drain_events()  # app_uninstalled and tokens_revoked reach the bot
    running.fleet.tick()
    states = {s.key: s for s in running.fleet.states()}
    assert not states[KEYS["c.yaml"]].runs_cues and "uninstalled" in states[KEYS["c.yaml"]].problems[0]
    assert states[KEYS["a.yaml"]].runs_cues
    step(running, clock, cest("14:15"))
    assert any("Opening of A" in m.text for m in first.messages(first.channel_id("sp-webinar")))
