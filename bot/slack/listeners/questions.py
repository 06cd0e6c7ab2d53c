"""Questions: messages and replies in the questions channel, votes, `/ask`, the modal, the message
shortcut, the digest's buttons and the App Home. Each listener stores first, then acknowledges."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.slack.questions import ANSWERED, ASK_CALLBACK, HIDE, PIN, SHORTCUT_CALLBACK, SHOW_ALL, QuestionsEdge

log = logging.getLogger(__name__)
SORRY = "Sorry, I could not take that question just now; please try again in a moment."


class Moderators(Protocol):
    def is_moderator(self, user_id: str) -> bool: ...


F = TypeVar("F", bound=Callable[..., None])


def _guard(what: str) -> Callable[[F], F]:
    """Log a listener's failure instead of letting Bolt answer Slack with an error."""

    def wrap(function: F) -> F:
        @functools.wraps(function)  # Bolt reads the signature to know which arguments to pass
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except Exception:
                log.exception("%s failed", what)
                return None

        return guarded  # type: ignore[return-value]

    return wrap


def register(app: App, edge: QuestionsEdge, moderators: Moderators) -> None:
    @app.event("message")
    @_guard("a message event")
    def message(event: dict[str, Any]) -> None:
        edge.on_message(event)

    @app.event("reaction_added")
    @_guard("a reaction")
    def reaction_added(event: dict[str, Any]) -> None:
        edge.on_reaction(event, added=True)

    @app.event("reaction_removed")
    @_guard("a reaction removal")
    def reaction_removed(event: dict[str, Any]) -> None:
        edge.on_reaction(event, added=False)

    @app.event("app_home_opened")
    @_guard("the App Home")
    def home(event: dict[str, Any]) -> None:
        user = str(event.get("user") or "")
        if user and event.get("tab", "home") == "home":
            if moderators.is_moderator(user):
                edge.home_viewers.add(user)
            edge.publish_home(user)

    @app.command("/ask")
    def ask(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        text = str(command.get("text") or "").strip()
        user = str(command.get("user_id") or "")
        if text:
            try:
                reply = edge.ask(
                    user, text, str(command.get("trigger_id") or command.get("command_ts") or text)
                )
            except Exception:
                log.exception("/ask failed")
                reply = SORRY
            ack(text=reply)
            return
        ack()
        metadata = {
            "response_url": command.get("response_url"),
            "source": "modal",
            "key": f"{user}:{command.get('trigger_id')}",
        }
        _open(client, str(command.get("trigger_id") or ""), edge.modal("", metadata))

    @app.shortcut(SHORTCUT_CALLBACK)
    def shortcut(ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        message_payload = shortcut.get("message") or {}
        channel = str((shortcut.get("channel") or {}).get("id") or "")
        ts = str(message_payload.get("ts") or "")
        user = str((shortcut.get("user") or {}).get("id") or "")
        metadata = {
            "response_url": shortcut.get("response_url"),
            "source": "shortcut",
            "origin": [channel, ts],
            "key": f"shortcut:{user}:{channel}:{ts}",
        }
        text = str(message_payload.get("text") or "")
        _open(client, str(shortcut.get("trigger_id") or ""), edge.modal(text, metadata))

    @app.view(ASK_CALLBACK)
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = str((body.get("user") or {}).get("id") or "")
        try:
            errors = edge.submit(user, view)
        except Exception:
            log.exception("a question modal failed")
            errors = {"question": SORRY}
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()

    @app.action(re.compile(f"^({ANSWERED}|{HIDE}|{PIN})$"))
    def moderate(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        user = str((body.get("user") or {}).get("id") or "")
        action = (body.get("actions") or [{}])[0]
        if not moderators.is_moderator(user):
            respond(
                text="Sorry, only the webinar's moderators can moderate questions.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        try:
            reply = edge.moderate(
                str(action.get("action_id")),
                str(action.get("value") or ""),
                user,
                body.get("container") or {},
            )
        except Exception:
            log.exception("moderating a question failed")
            reply = "Sorry, that did not work; try again."
        edge.refresh_homes()
        if reply:
            respond(text=reply, response_type="ephemeral", replace_original=False)

    @app.action(SHOW_ALL)
    def show_all(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        session_key = str(((body.get("actions") or [{}])[0]).get("value") or "")
        title = edge.titles().get(session_key, "Questions")
        blocks = edge.digest_blocks(session_key, f"*{title}*", limit=None)
        view = {
            "type": "modal",
            "title": {"type": "plain_text", "text": "All questions"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": blocks[:100],
        }
        _open(client, str(body.get("trigger_id") or ""), view)


def _open(client: WebClient, trigger_id: str, view: dict[str, Any]) -> None:
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except Exception:
        log.exception("could not open a modal")
