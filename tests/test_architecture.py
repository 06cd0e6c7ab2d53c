"""The house's rules, read from the code's imports: one chat port between the core and any platform."""

from __future__ import annotations

import ast
from pathlib import Path

from support import ROOT

BOT = ROOT / "bot"
PLATFORM_LIBRARIES = ("slack_sdk", "slack_bolt")
CORE = (
    "bot.agenda",
    "bot.timeline",
    "bot.runtime",
    "bot.questions",
    "bot.people",
    "bot.messages",
    "bot.store",
)


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def modules(folder: Path) -> dict[str, set[str]]:
    return {str(p.relative_to(ROOT)): imports(p) for p in folder.rglob("*.py")}


def test_only_the_slack_adapter_and_the_stand_in_import_slack_libraries() -> None:
    offenders = {
        name: sorted(i for i in found if i.split(".")[0] in PLATFORM_LIBRARIES)
        for name, found in modules(BOT).items()
        if not name.startswith(("bot/slack/", "bot/localslack/"))
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_slack_adapter_decides_nothing_about_the_webinar() -> None:
    """It knows the port, the clock and its own modules: nothing of the agenda, plan, runtime or questions."""
    offenders = {
        name: sorted(i for i in found if i.startswith(CORE)) for name, found in modules(BOT / "slack").items()
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_core_and_the_port_never_import_a_platform_adapter() -> None:
    folders = [BOT / "chat", *(BOT / c.split(".")[1] for c in CORE)]
    offenders = {
        name: sorted(i for i in found if i.startswith(("bot.slack", "bot.localslack")))
        for folder in folders
        for name, found in modules(folder).items()
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_the_matrix_adapter_imports_the_matrix_client() -> None:
    offenders = {
        name: sorted(i for i in found if i.split(".")[0] == "nio")
        for name, found in modules(BOT).items()
        if not name.startswith("bot/matrix/")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_matrix_adapter_knows_the_port_alone_and_nothing_of_slack() -> None:
    """Written against the chat port alone: no Slack module, nothing of the webinar; of the store, only
    where it keeps its sync position and the reactions it saw."""
    allowed = ("bot.store.sync_position", "bot.store.seen_reactions", "bot.store.db", "bot.store.tables")
    offenders = {
        name: sorted(
            i
            for i in found
            if i.startswith(("bot.slack", "bot.localslack")) or (i.startswith(CORE) and i not in allowed)
        )
        for name, found in modules(BOT / "matrix").items()
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_core_and_the_port_never_import_the_matrix_adapter() -> None:
    folders = [BOT / "chat", *(BOT / c.split(".")[1] for c in CORE)]
    offenders = {
        name: sorted(i for i in found if i.startswith("bot.matrix"))
        for folder in folders
        for name, found in modules(folder).items()
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_serve_runs_many_webinars_on_any_platform_and_imports_none() -> None:
    """The fleet, the router and the tagging are the same on Slack and Matrix: the composition root
    (bot/launch.py) picks the adapter."""
    offenders = {
        name: sorted(i for i in found if i.startswith(("bot.slack", "bot.localslack", "bot.matrix")))
        for name, found in modules(BOT / "serve").items()
    }
    assert {k: v for k, v in offenders.items() if v} == {}
