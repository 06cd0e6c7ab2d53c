"""`/webinar ...` and the control panel's buttons."""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol

from slack_bolt import Ack, App, Respond

from bot.slack.panel import ACTION_PREFIX

log = logging.getLogger(__name__)
SORRY = "Sorry, something went wrong on my side; the moderators' panel in backstage still works."


class WebinarCommands(Protocol):
    def webinar_command(self, user_id: str, text: str) -> str:
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
            reply = SORRY
        ack(text=reply)

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
            reply = SORRY
        respond(text=reply, response_type="ephemeral", replace_original=False)
