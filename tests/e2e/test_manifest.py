"""manifest.yaml asks for exactly what the bot uses: scopes, slash commands, events, interactivity."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml
from e2e.harness import MODERATOR, WEEK_BEFORE, Harness, cest

from bot.clock import ManualClock
from bot.localslack import LocalSlack
from bot.localslack.catalog import METHODS
from bot.questions import views

from support import ROOT, SEED_WEBINAR

MANIFEST = yaml.safe_load((ROOT / "manifest.yaml").read_text())
SCOPES = set(MANIFEST["oauth_config"]["scopes"]["bot"])
FAMILIES = "auth|chat|conversations|users|usergroups|reactions|views|files|team|bots"


def methods_the_code_calls() -> set[str]:
    """Every Web API method the Slack adapter names: `client.chat_update(` calls, `"chat.update"` strings."""
    found: set[str] = set()
    for path in (ROOT / "bot" / "slack").rglob("*.py"):
        text = path.read_text()
        for family, rest in re.findall(rf"\.({FAMILIES})_(\w+)\(", text):
            found.add(f"{family}.{rest.replace('_', '.')}")
        found.update(re.findall(rf'"((?:{FAMILIES})\.\w+)"', text))
    if "files.upload.v2" in found:  # slack_sdk's helper for the v2 upload flow
        found -= {"files.upload.v2"}
        found |= {"files.getUploadURLExternal", "files.completeUploadExternal"}
    return found


def test_every_scope_is_needed_and_every_method_the_code_calls_is_granted() -> None:
    methods = methods_the_code_calls()
    assert {
        "chat.postMessage",
        "chat.update",
        "users.lookupByEmail",
        "conversations.history",
        "reactions.add",
        "views.open",
        "views.publish",
        "files.completeUploadExternal",
    } <= methods
    # Events need scopes too (Slack's Events API specification lists them per event).
    event_scopes = {
        "message.channels": "channels:history",
        "message.groups": "groups:history",
        "reaction_added": "reactions:read",
        "reaction_removed": "reactions:read",
    }
    events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    justified = {"commands"} | {event_scopes[e] for e in events if e in event_scopes}
    assert justified <= SCOPES
    for method in methods:
        spec = METHODS[method]
        if spec.scopes:
            assert SCOPES & set(spec.scopes), f"{method} needs one of {spec.scopes}"
            justified |= SCOPES & set(spec.scopes)
    assert justified == SCOPES, f"scopes nothing uses: {sorted(SCOPES - justified)}"


def test_slash_commands_and_events_match_the_listeners() -> None:
    code = (ROOT / "bot" / "slack" / "listeners.py").read_text()
    commands = set(re.findall(r'@app\.command\("(/\w+)"\)', code))
    assert commands == {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert [s["callback_id"] for s in MANIFEST["features"]["shortcuts"]] == [views.ASK_SHORTCUT]
    events = set(re.findall(r'@app\.event\("(\w+)"\)', code))
    subscribed = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    expanded = {e.split(".")[0] for e in subscribed}  # message.channels -> message
    assert events == expanded, (events, subscribed)
    assert {"reactions:read", "channels:history", "groups:history"} <= SCOPES  # what those events need
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert MANIFEST["settings"]["socket_mode_enabled"] is True


def test_the_seed_webinar_runs_with_only_the_manifests_scopes(tmp_path: Path) -> None:
    clock = ManualClock(WEEK_BEFORE)
    schedule = tmp_path / "webinar.yaml"
    shutil.copy(SEED_WEBINAR, schedule)
    with LocalSlack(clock=clock, scopes=SCOPES) as slack:
        slack.user(MODERATOR).invite(slack.channel_id("sp-webinar-backstage"), slack.bot_user_id)
        harness = Harness(slack, clock, schedule, f"sqlite:///{tmp_path / 'bot.db'}")
        bot = harness.start_bot()
        cues = bot.webinar.session.plan()
        harness.run_until(bot, cest("14:10"))
        slack.user(MODERATOR).slash("/webinar", "next", channel="sp-webinar-backstage")
        harness.run_until(bot, cest("17:16"))
        assert not [e for e in slack.transcript.calls(ok=False) if e.error == "missing_scope"]
        harness.check_exactly_once([c for c in cues if c.at < cest("14:10")])
        bot.stop()
