"""Bolt listeners: each acks, turns Slack's payload into an inbound value, hands it to the inbox,
and writes the reply (a command's answer, a form's errors) into the ack.

With the app installed in several workspaces (OAuth), each payload goes to its workspace's route, and
an uninstall (`app_uninstalled`, `tokens_revoked`) is handed to Bolt's built-in listener, which deletes
the installation, and then to the runtime's `on_uninstalled`.

Nothing here decides anything: which messages are questions, who may steer, what a button does
are the core's business. Slack's own encodings are undone on the way in: text arrives as the
characters the person typed, reactions by their base name (`+1::skin-tone-3` and `thumbsup` are
`+1`), times as instants.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from slack_bolt import Ack, App, BoltContext

from bot.chat.inbound import (
    Command,
    Deleted,
    Edited,
    HomeOpened,
    Inbound,
    Posted,
    Pressed,
    Reacted,
    Reply,
    Shortcut,
    Submitted,
)
from bot.chat.port import Handle, Identity, Inbox, MessageRef
from bot.clock import Clock
from bot.slack.writer import state_of, values_of, write

log = logging.getLogger(__name__)
SORRY = "Sorry, something went wrong on my side; please try again in a moment."
NOT_HERE = "No webinar runs in this workspace yet."
REACTION_ALIASES = {"thumbsup": "+1"}
ANY = re.compile(".+")  # every action, shortcut and view: the inbox decides what they mean
F = TypeVar("F", bound=Callable[..., None])


def decoded(slack_text: str) -> str:
    """Slack's encoded text back to the characters the person typed."""
    return slack_text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def instant_of(ts: str) -> datetime:
    """When a Slack message was posted, from its `ts`."""
    return datetime.fromtimestamp(float(ts), UTC)


def base_reaction(name: str) -> str:
    base = name.split("::", 1)[0]
    return REACTION_ALIASES.get(base, base)


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


class Translator:
    """Slack payloads into inbound values (pure: no Slack calls)."""

    def __init__(self, identity: Identity, clock: Clock) -> None:
        self.bot = identity.person
        self.clock = clock

    def message(self, event: Mapping[str, Any]) -> Inbound | None:
        channel = str(event.get("channel") or "")
        subtype = event.get("subtype")
        if subtype == "message_changed":
            message = event.get("message") or {}
            ts, user = str(message.get("ts") or ""), str(message.get("user") or "")
            if not ts or message.get("bot_id") or user == self.bot:
                return None
            return Edited(
                user, MessageRef(channel, ts), decoded(str(message.get("text") or "")), self.clock.now()
            )
        if subtype == "message_deleted":
            ts = str(event.get("deleted_ts") or "")
            return Deleted(MessageRef(channel, ts), self.clock.now()) if ts else None
        if subtype not in (None, "thread_broadcast", "file_share") or event.get("bot_id"):
            return None  # joins, leaves, topics, the bot's own posts
        user, ts = str(event.get("user") or ""), str(event.get("ts") or "")
        if not user or not ts or user == self.bot:
            return None
        thread = str(event.get("thread_ts") or "")
        reply = bool(thread) and thread != ts
        return Posted(
            user,
            MessageRef(channel, ts),
            decoded(str(event.get("text") or "")),
            instant_of(ts),
            thread if reply else None,
            reply and event.get("parent_user_id") == self.bot,
        )

    def reaction(self, event: Mapping[str, Any], added: bool) -> Inbound | None:
        item = event.get("item") or {}
        user = str(event.get("user") or "")
        if item.get("type") != "message" or not user or user == self.bot:
            return None
        ref = MessageRef(str(item.get("channel") or ""), str(item.get("ts") or ""))
        return Reacted(user, ref, base_reaction(str(event.get("reaction") or "")), added, self.clock.now())

    def command(self, command: Mapping[str, Any]) -> Command:
        handle = Handle({k: str(command[k]) for k in ("trigger_id", "response_url") if command.get(k)})
        return Command(
            str(command.get("user_id") or ""),
            str(command.get("channel_id") or ""),
            str(command.get("command") or "").lstrip("/"),
            decoded(str(command.get("text") or "")).strip(),
            handle,
            self.clock.now(),
            str(command.get("trigger_id") or ""),
        )

    def action(self, body: Mapping[str, Any]) -> Pressed:
        action = (body.get("actions") or [{}])[0]
        container = body.get("container") or {}
        ref = None
        if container.get("type") == "message" and container.get("channel_id") and container.get("message_ts"):
            ref = MessageRef(str(container["channel_id"]), str(container["message_ts"]))
        handle = Handle({k: str(body[k]) for k in ("trigger_id", "response_url") if body.get(k)})
        return Pressed(
            str((body.get("user") or {}).get("id") or ""),
            str(action.get("action_id") or ""),
            str(action.get("value") or ""),
            handle,
            self.clock.now(),
            ref,
        )

    def submission(self, body: Mapping[str, Any], view: dict[str, Any]) -> Submitted:
        state, handle = state_of(view)
        return Submitted(
            str((body.get("user") or {}).get("id") or ""),
            str(view.get("callback_id") or ""),
            values_of(view),
            state,
            Handle(handle),
            self.clock.now(),
            str(view.get("id") or ""),
        )

    def shortcut(self, shortcut: Mapping[str, Any]) -> Shortcut:
        message = shortcut.get("message") or {}
        handle = Handle({k: str(shortcut[k]) for k in ("trigger_id", "response_url") if shortcut.get(k)})
        return Shortcut(
            str((shortcut.get("user") or {}).get("id") or ""),
            str(shortcut.get("callback_id") or ""),
            MessageRef(str((shortcut.get("channel") or {}).get("id") or ""), str(message.get("ts") or "")),
            decoded(str(message.get("text") or "")),
            handle,
            self.clock.now(),
        )


@dataclass(frozen=True)
class Route:
    """Where one workspace's payloads go: its inbox, and a translator that knows its bot user."""

    inbox: Inbox
    translate: Translator


# The route for a request's workspace (Bolt's context: team_id, bot_user_id), None where nothing runs.
Routes = Callable[[BoltContext], Route | None]
# Told the team id of a workspace that uninstalled the app or revoked its bot token.
Farewell = Callable[[str], None]


def register(app: App, inbox: Inbox, translate: Translator, on_uninstalled: Farewell | None = None) -> None:
    """One workspace: every payload goes to `inbox`."""
    route = Route(inbox, translate)
    register_routed(app, lambda _context: route, on_uninstalled)


def register_routed(app: App, routes: Routes, on_uninstalled: Farewell | None = None) -> None:
    """Every workspace the app is installed in: each payload goes to its workspace's route."""

    def deliver(context: BoltContext, make: Callable[[Translator], Inbound | None]) -> Reply | None:
        route = routes(context)
        if route is None:
            log.info("ignored a payload from workspace %s, where no webinar runs", context.team_id)
            return None
        event = make(route.translate)
        return route.inbox.receive(event) if event is not None else None

    @app.event("message")
    @_guard("a message event")
    def message(event: dict[str, Any], context: BoltContext) -> None:
        deliver(context, lambda t: t.message(event))

    @app.event("reaction_added")
    @_guard("a reaction")
    def reaction_added(event: dict[str, Any], context: BoltContext) -> None:
        deliver(context, lambda t: t.reaction(event, added=True))

    @app.event("reaction_removed")
    @_guard("a reaction removal")
    def reaction_removed(event: dict[str, Any], context: BoltContext) -> None:
        deliver(context, lambda t: t.reaction(event, added=False))

    @app.event("app_home_opened")
    @_guard("the App Home")
    def home(event: dict[str, Any], context: BoltContext) -> None:
        user = str(event.get("user") or "")
        if user and event.get("tab", "home") == "home":
            deliver(context, lambda t: HomeOpened(user, t.clock.now()))

    @app.event("app_uninstalled")
    @_guard("an uninstall")
    def app_uninstalled(context: BoltContext) -> None:
        # Bolt's documented built-in listener deletes the workspace's installation (OAuth mode).
        if app.installation_store is not None:
            app.default_app_uninstalled_event_listener()(context=context)
        if on_uninstalled is not None and context.team_id:
            on_uninstalled(context.team_id)

    @app.event("tokens_revoked")
    @_guard("a token revocation")
    def tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
        if app.installation_store is not None:
            app.default_tokens_revoked_event_listener()(event=event, context=context)
        if on_uninstalled is not None and context.team_id and (event.get("tokens") or {}).get("bot"):
            on_uninstalled(context.team_id)

    @app.command("/webinar")
    @app.command("/ask")
    def command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        if routes(context) is None:
            ack(text=NOT_HERE)
            return
        try:
            reply = deliver(context, lambda t: t.command(command))
        except Exception:
            log.exception("a %s command failed", str(command.get("command"))[:20])
            ack(text=SORRY)
            return
        if reply is not None and reply.message is not None:
            ack(**write(reply.message).args())
        else:
            ack()

    @app.action(ANY)
    def action(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        try:
            deliver(context, lambda t: t.action(body))
        except Exception:
            log.exception("a button failed")

    @app.shortcut(ANY)
    def shortcut(ack: Ack, shortcut: dict[str, Any], context: BoltContext) -> None:
        ack()
        try:
            deliver(context, lambda t: t.shortcut(shortcut))
        except Exception:
            log.exception("a message shortcut failed")

    @app.view(ANY)
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        try:
            reply = deliver(context, lambda t: t.submission(body, view))
        except Exception:
            log.exception("a form failed")
            first = next(iter(values_of(view)), "")
            ack(response_action="errors", errors={first: SORRY} if first else {})
            return
        if reply is not None and reply.errors:
            ack(response_action="errors", errors=dict(reply.errors))
        else:
            ack()
