"""Every method the stand-in serves, checked against Slack's published Web API spec (../shared/slack/).

The spec is Slack's OpenAPI 2.0 file of 2020: methods added since (the v2 upload flow, Socket Mode's
apps.connections.open) are absent from it and allow-listed in `catalog.NEWER_THAN_SPEC`.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.localslack import LocalSlack
from bot.localslack.catalog import METHODS, NEWER_THAN_SPEC
from bot.localslack.webapi import WebApi
from localslack.helpers import SHARED_SLACK

SPEC_FILE = SHARED_SLACK / "slack_web_openapi_v2.json"
pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not SPEC_FILE.exists(), reason=f"Slack's Web API spec is not at {SPEC_FILE}"),
]

# Granular bot scopes and the older names the 2020 spec uses for them.
SCOPE_ALIASES = {"chat:write": {"chat:write:bot", "chat:write:user"}, "channels:join": {"channels:write"}}


@cache
def spec_paths(path: Path = SPEC_FILE) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8"))["paths"])


def operation(method: str) -> dict[str, Any]:
    (op,) = spec_paths()["/" + method].values()
    return dict(op)


def required_args(method: str) -> list[str]:
    return [
        p["name"]
        for p in operation(method).get("parameters", [])
        if p.get("required") and p["name"] != "token"
    ]


SERVED_IN_SPEC = [m for m in WebApi.served_methods() if m not in NEWER_THAN_SPEC]


def test_every_served_method_exists_in_the_spec_or_is_allow_listed_as_newer() -> None:
    served = set(WebApi.served_methods())
    assert served == set(METHODS)
    missing = {m for m in served if "/" + m not in spec_paths()}
    assert missing == set(NEWER_THAN_SPEC)


def test_the_allow_list_names_only_methods_the_spec_really_lacks() -> None:
    assert not {m for m in NEWER_THAN_SPEC if "/" + m in spec_paths()}


@pytest.mark.parametrize("method", SERVED_IN_SPEC)
def test_the_stand_in_requires_every_argument_the_spec_requires(method: str) -> None:
    assert set(required_args(method)) <= set(METHODS[method].required)


@pytest.mark.parametrize("method", SERVED_IN_SPEC)
def test_our_scopes_agree_with_the_spec(method: str) -> None:
    security = operation(method).get("security") or [{}]
    spec_scopes = {s for entry in security for s in entry.get("slackAuth", [])} - {"none"}
    ours = set(METHODS[method].scopes)
    if not spec_scopes:
        assert not ours
        return
    normalized = set().union(*(SCOPE_ALIASES.get(s, {s}) for s in ours))
    assert normalized & spec_scopes, f"{method}: ours {ours}, spec {spec_scopes}"


@pytest.mark.parametrize("method", SERVED_IN_SPEC)
def test_calling_without_a_required_argument_fails_cleanly(slack: LocalSlack, method: str) -> None:
    client = WebClient(token=slack.bot_token, base_url=slack.api_url, retry_handlers=[])
    dummy = {name: "x" for name in required_args(method)}
    for name in required_args(method):
        args = {k: v for k, v in dummy.items() if k != name}
        response = _call(client, method, args)
        assert response["ok"] is False
        assert response["error"] not in ("unknown_method", "fatal_error")


def _call(client: WebClient, method: str, args: dict[str, str]) -> dict[str, Any]:
    try:
        return dict(client.api_call(method, params=args).data)  # type: ignore[arg-type]
    except SlackApiError as error:
        return dict(error.response.data)
