"""The Slack app manifest (manifest.yaml): what the app asks Slack for, read where the code needs it.

Rehearsals and tests give the local stand-in the manifest's event subscriptions, so the bot receives
exactly the events it would in a real workspace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def manifest_path() -> Path:
    package = Path(__file__).resolve().parent
    checkout = package.parent / "manifest.yaml"
    return checkout if checkout.is_file() else package / "_manifest.yaml"


def load_manifest() -> dict[str, Any]:
    data = yaml.safe_load(manifest_path().read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def bot_events() -> frozenset[str]:
    settings = load_manifest().get("settings") or {}
    return frozenset((settings.get("event_subscriptions") or {}).get("bot_events") or [])


def bot_scopes() -> frozenset[str]:
    return frozenset(((load_manifest().get("oauth_config") or {}).get("scopes") or {}).get("bot") or [])
