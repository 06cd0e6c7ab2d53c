"""Where a message is, and how to answer one interaction: the two references the port hands around."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class MessageRef:
    """Where a message is: its conversation and its id there (Slack's `ts`, Matrix's event id)."""

    conversation: str
    id: str


@dataclass(frozen=True)
class Handle:
    """What an adapter needs to answer one interaction (a trigger id, a response URL); opaque here."""

    data: Mapping[str, str] = field(default_factory=dict)
