"""`/webinar ...` and the control panel's buttons."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Protocol

from slack_bolt import Ack, App, Respond

from bot.slack.panel import ACTION_PREFIX

log = logging.getLogger(__name__)
SORRY = "Sorry, something went wrong on my side; the moderators' panel in backstage still works."


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list[dict[str, Any]] | None = None


class WebinarCommands(Protocol):
    def webinar_command(self, user_id: str, text: str) -> Reply:
        """The reply (ephemeral, mrkdwn) to `/webinar TEXT` from `user_id`."""
        ...


def register(app: App, commands: WebinarCommands) -> None:
    @app.command("/webinar")
    def webinar(ack: Ack, command: dict[str, Any]) -> None:
        user_id = str(command.get("user_id") or "")
        text = str(command.get("text") or "")
        try:
            reply = commands.webinar_command(user_id, text)
        except Exception:
            log.exception("/webinar %s failed", text[:80])
            reply = Reply(SORRY)
        if reply.blocks:
            ack(text=reply.text, blocks=reply.blocks)
        else:
            ack(text=reply.text)

    @app.action(re.compile(f"^{ACTION_PREFIX}"))
    def panel_button(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        actions = body.get("actions") or [{}]
        user_id = str((body.get("user") or {}).get("id") or "")
        control = str(actions[0].get("value") or "")
        try:
            reply = commands.webinar_command(user_id, control)
        except Exception:
            log.exception("panel button %s failed", control[:40])
            reply = Reply(SORRY)
        respond(text=reply.text, response_type="ephemeral", replace_original=False)
