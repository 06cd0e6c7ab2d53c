"""The Web API method handlers, one module per method family."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bot.localslack.methods import apps, chat, conversations, files, misc, reactions, users, views
from bot.localslack.methods.base import Handler


def handlers() -> Mapping[str, Handler]:
    """Every served method's handler, by method name."""
    merged: dict[str, Handler] = {}
    for family in (misc, apps, chat, conversations, users, reactions, views, files):
        merged.update(family.HANDLERS)
    return MappingProxyType(merged)
