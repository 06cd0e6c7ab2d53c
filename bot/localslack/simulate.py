"""Simulated users: the people in the workspace, doing what people do in Slack.

Every action is applied to the workspace and delivered to the bot before the call returns (the bot's
acknowledgement, or the retries running out, ends it), and is recorded in the transcript. Mistakes a
real Slack client would not let a user make (posting where they are not a member, clicking a button
that is not there) raise ValueError, so a test's own slip is not mistaken for the bot's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from bot.localslack.blockkit import find_element
from bot.localslack.blockstate import action_payload, view_state
from bot.localslack.delivery import Deliverer, DeliveryResult
from bot.localslack.methods.base import ApiContext
from bot.localslack.responses import ResponseError, Responses
from bot.localslack.transcript import Transcript
from bot.localslack.workspace import Channel, Ephemeral, Message, User, View


@dataclass(frozen=True)
class Backend:
    """The parts of the stand-in a simulated user acts through."""

    ctx: ApiContext
    deliverer: Deliverer
    responses: Responses
    transcript: Transcript


class SimulatedUser:
    def __init__(self, backend: Backend, user: User) -> None:
        self._b = backend
        self.user = user
        self.last_deliveries: list[DeliveryResult] = []

    @property
    def id(self) -> str:
        return self.user.id

    def __repr__(self) -> str:
        return f"SimulatedUser({self.user.name!r}, {self.user.id})"

    # -- helpers -----------------------------------------------------------------------------
    def _channel(self, ref: str) -> Channel:
        channel = self._b.ctx.ws.find_channel(ref)
        if channel is None:
            raise ValueError(f"no conversation {ref!r}")
        if self.user.id not in channel.members:
            raise ValueError(f"{self.user.name} is not a member of {channel.name or channel.id}")
        return channel

    def _message(self, channel: Channel, ts: str) -> Message:
        message = self._b.ctx.ws.message(channel.id, ts)
        if message is None:
            raise ValueError(f"no message {ts} in {channel.name or channel.id}")
        return message

    def _deliver_events(self, events: list[dict[str, Any]]) -> list[DeliveryResult]:
        factory = self._b.ctx.events
        results = [self._b.deliverer.deliver_event(factory.envelope(e)) for e in factory.subscribed(events)]
        self.last_deliveries = results
        return results

    def _record(
        self, name: str, result: DeliveryResult | None, channel: str | None = None, **detail: Any
    ) -> None:
        info: dict[str, Any] = {"user": self.user.id, **detail}
        if result is not None:
            info.update(transport=result.transport, attempts=result.attempts, effect=result.effect)
        self._b.transcript.record(
            "action",
            name,
            channel=channel,
            ok=None if result is None else result.acked,
            error=None if result is None else result.error,
            status=None if result is None else result.status,
            detail=info,
        )

    # -- messages ----------------------------------------------------------------------------
    def post(
        self,
        channel: str,
        text: str,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> str:
        """Post a message (a thread reply with `thread_ts`); returns its ts."""
        ctx = self._b.ctx
        with ctx.ws.lock:
            conversation = self._channel(channel)
            root = None
            if thread_ts is not None:
                parent = self._message(conversation, thread_ts)
                root = parent.thread_ts if parent.is_reply else parent.ts
            message = ctx.ws.add_message(
                Message(
                    channel=conversation.id,
                    ts=ctx.now_ts(),
                    user=self.user.id,
                    text=text,
                    blocks=list(blocks or []),
                    thread_ts=root,
                    client_msg_id=str(uuid.uuid4()),
                )
            )
            events = ctx.events.message_events(message)
        self._record("post", None, conversation.id, ts=message.ts, thread_ts=root, text=text)
        self._deliver_events(events)
        return message.ts

    def reply(self, channel: str, thread_ts: str, text: str) -> str:
        return self.post(channel, text, thread_ts=thread_ts)

    def dm(self, text: str) -> str:
        """Write to the bot in the DM (opening it if needed); returns the message ts."""
        im = self._b.ctx.ws.im_between(self.user.id, create=True, created=self._b.ctx.now_epoch())
        assert im is not None
        return self.post(im.id, text)

    def edit(self, channel: str, ts: str, text: str) -> None:
        ctx = self._b.ctx
        with ctx.ws.lock:
            message = self._message(self._channel(channel), ts)
            if message.user != self.user.id:
                raise ValueError("users can only edit their own messages")
            previous = ctx.ws.message_to_api(message)
            message.text = text
            message.edited = {"user": self.user.id, "ts": ctx.now_ts()}
            events = ctx.events.message_changed(message, previous)
        self._record("edit", None, message.channel, ts=ts, text=text)
        self._deliver_events(events)

    def delete(self, channel: str, ts: str) -> None:
        ctx = self._b.ctx
        with ctx.ws.lock:
            message = self._message(self._channel(channel), ts)
            if message.user != self.user.id and not self.user.is_admin:
                raise ValueError("users can only delete their own messages")
            previous = ctx.ws.message_to_api(message)
            message.deleted = True
            events = ctx.events.message_deleted(message, previous)
        self._record("delete", None, message.channel, ts=ts)
        self._deliver_events(events)

    def react(self, channel: str, ts: str, name: str = "+1") -> None:
        """Add a reaction (a vote, when the bot counts them)."""
        ctx = self._b.ctx
        with ctx.ws.lock:
            message = self._message(self._channel(channel), ts)
            users = message.reactions.setdefault(name, [])
            if self.user.id in users:
                raise ValueError(f"{self.user.name} already reacted :{name}:")
            users.append(self.user.id)
            events = ctx.events.reaction(True, self.user.id, message, name)
        self._record("react", None, message.channel, ts=ts, reaction=name)
        self._deliver_events(events)

    def unreact(self, channel: str, ts: str, name: str = "+1") -> None:
        ctx = self._b.ctx
        with ctx.ws.lock:
            message = self._message(self._channel(channel), ts)
            users = message.reactions.get(name, [])
            if self.user.id not in users:
                raise ValueError(f"{self.user.name} has no :{name}: reaction there")
            users.remove(self.user.id)
            if not users:
                del message.reactions[name]
            events = ctx.events.reaction(False, self.user.id, message, name)
        self._record("unreact", None, message.channel, ts=ts, reaction=name)
        self._deliver_events(events)

    def join(self, channel: str) -> None:
        ctx = self._b.ctx
        with ctx.ws.lock:
            conversation = ctx.ws.find_channel(channel)
            if conversation is None or conversation.is_im:
                raise ValueError(f"no channel {channel!r}")
            if self.user.id in conversation.members:
                return
            conversation.members.append(self.user.id)
            events = ctx.events.member_joined(self.user.id, conversation)
        self._record("join", None, conversation.id)
        self._deliver_events(events)

    def invite(self, channel: str, user_id: str) -> None:
        """Add someone (the bot, say) to a channel this user is in, as `/invite @someone` does."""
        ctx = self._b.ctx
        with ctx.ws.lock:
            conversation = ctx.ws.find_channel(channel)
            if conversation is None or conversation.is_im:
                raise ValueError(f"no channel {channel!r}")
            if self.user.id not in conversation.members:
                raise ValueError(f"{self.user.name} is not in {channel!r}, so cannot invite anyone to it")
            if user_id in conversation.members:
                return
            conversation.members.append(user_id)
            events = ctx.events.member_joined(user_id, conversation)
        self._record("invite", None, conversation.id)
        self._deliver_events(events)

    # -- interactivity -----------------------------------------------------------------------
    def slash(self, command: str, text: str = "", channel: str = "general") -> DeliveryResult:
        """Run a slash command; its acknowledgement is applied (ephemeral or in_channel) before returning."""
        ctx = self._b.ctx
        conversation = self._channel(channel)
        command = command if command.startswith("/") else "/" + command
        form = ctx.events.slash_command(
            self.user,
            conversation,
            command,
            text,
            ctx.interactions.issue_response_url(self.user.id, conversation.id),
            ctx.interactions.issue_trigger(self.user.id),
        )
        result = self._b.deliverer.deliver_command(form)
        if result.acked:
            try:
                result.effect = self._b.responses.command_ack(self.user, conversation.id, result.response)
            except ResponseError as error:
                result.error = error.code
        else:
            result.error = "operation_timeout" if result.transport != "none" else "dispatch_failed"
        self._record("slash_command", result, conversation.id, command=command, text=text)
        return result

    def _find_clickable(self, channel: Channel, ts: str) -> tuple[dict[str, Any], list[dict[str, Any]], bool]:
        ws = self._b.ctx.ws
        message = ws.message(channel.id, ts)
        if message is not None:
            return ws.message_to_api(message), message.blocks, False
        for ephemeral in ws.ephemerals_for(self.user.id, channel.id):
            if ephemeral.ts == ts:
                body = {
                    "type": "message",
                    "ts": ts,
                    "text": ephemeral.text,
                    "blocks": ephemeral.blocks,
                    "user": ephemeral.author,
                }
                return body, ephemeral.blocks, True
        raise ValueError(f"no message {ts} visible to {self.user.name} in {channel.name}")

    def click(self, channel: str, ts: str, action_id: str, value: Any = None) -> DeliveryResult:
        """Click a button (or choose `value` in a select) on a message or an ephemeral message."""
        ctx = self._b.ctx
        with ctx.ws.lock:
            conversation = self._channel(channel)
            body, blocks, is_ephemeral = self._find_clickable(conversation, ts)
            found = find_element(blocks, action_id)
            if found is None:
                raise ValueError(f"no element {action_id!r} on message {ts}")
            action = action_payload(found[0], found[1], value, ctx.now_ts())
            payload = ctx.events.block_actions(
                self.user,
                action,
                ctx.interactions.issue_trigger(self.user.id),
                channel=conversation,
                message=body,
                is_ephemeral=is_ephemeral,
                response_url=ctx.interactions.issue_response_url(
                    self.user.id, conversation.id, ts, body.get("thread_ts"), is_ephemeral
                ),
            )
        result = self._b.deliverer.deliver_interaction(payload)
        self._record("block_actions", result, conversation.id, action_id=action_id, ts=ts)
        return result

    def _view(self, view_id: str) -> View:
        view = self._b.ctx.ws.find_view(view_id)
        if view is None or view.user_id != self.user.id or not view.is_open:
            raise ValueError(f"{self.user.name} has no open view {view_id}")
        return view

    def click_in_view(self, view_id: str, action_id: str, value: Any = None) -> DeliveryResult:
        ctx = self._b.ctx
        with ctx.ws.lock:
            view = self._view(view_id)
            found = find_element(view.blocks, action_id)
            if found is None:
                raise ValueError(f"no element {action_id!r} in view {view_id}")
            action = action_payload(found[0], found[1], value, ctx.now_ts())
            payload = ctx.events.block_actions(
                self.user, action, ctx.interactions.issue_trigger(self.user.id), view=view
            )
        result = self._b.deliverer.deliver_interaction(payload)
        self._record("block_actions", result, None, action_id=action_id, view_id=view_id)
        return result

    def submit_view(self, view_id: str, values: dict[str, dict[str, Any]] | None = None) -> DeliveryResult:
        """Submit a modal with `values[block_id][action_id]`; the bot's `response_action` is applied."""
        ctx = self._b.ctx
        with ctx.ws.lock:
            view = self._view(view_id)
            view.state_values = view_state(view.blocks, values or {})
            payload = ctx.events.view_submission(
                self.user, view, ctx.interactions.issue_trigger(self.user.id)
            )
        result = self._b.deliverer.deliver_interaction(payload)
        if result.acked:
            result.effect = self._b.responses.view_submission_ack(self.user, view, result.response)
        self._record("view_submission", result, None, view_id=view_id, callback_id=view.callback_id)
        return result

    def close_view(self, view_id: str) -> DeliveryResult | None:
        """Close a modal with its Cancel button (`view_closed` goes to the bot only if it asked)."""
        ctx = self._b.ctx
        with ctx.ws.lock:
            view = self._view(view_id)
            stack = ctx.ws.modal_stacks.get(self.user.id, [])
            for closed in list(stack):
                ctx.ws.views[closed].is_open = False
            stack.clear()
            payload = ctx.events.view_closed(self.user, view) if view.notify_on_close else None
        result = self._b.deliverer.deliver_interaction(payload) if payload is not None else None
        self._record("view_closed", result, None, view_id=view_id)
        return result

    def shortcut(self, callback_id: str, channel: str | None = None, ts: str | None = None) -> DeliveryResult:
        """Run a message shortcut on `channel`/`ts`, or a global shortcut without them."""
        ctx = self._b.ctx
        with ctx.ws.lock:
            trigger = ctx.interactions.issue_trigger(self.user.id)
            if channel is not None and ts is not None:
                conversation = self._channel(channel)
                body = ctx.ws.message_to_api(self._message(conversation, ts))
                payload = ctx.events.shortcut(
                    self.user,
                    callback_id,
                    trigger,
                    channel=conversation,
                    message=body,
                    response_url=ctx.interactions.issue_response_url(
                        self.user.id, conversation.id, None, body.get("thread_ts") or ts
                    ),
                )
                where: str | None = conversation.id
            else:
                payload = ctx.events.shortcut(self.user, callback_id, trigger)
                where = None
        result = self._b.deliverer.deliver_interaction(payload)
        self._record("shortcut", result, where, callback_id=callback_id, ts=ts)
        return result

    def open_home(self) -> DeliveryResult:
        """Open the bot's App Home tab (`app_home_opened`)."""
        ctx = self._b.ctx
        with ctx.ws.lock:
            im = ctx.ws.im_between(self.user.id, create=True, created=ctx.now_epoch())
            assert im is not None
            home = ctx.ws.find_view(ctx.ws.home_views.get(self.user.id))
            events = ctx.events.app_home_opened(self.user.id, im, home)
        self._record("open_home", None, im.id)
        results = self._deliver_events(events)
        return (
            results[0] if results else DeliveryResult("events_api", "none", False, 0, error="not_subscribed")
        )

    # -- what this user sees -----------------------------------------------------------------
    def ephemerals(self, channel: str | None = None) -> list[Ephemeral]:
        ws = self._b.ctx.ws
        channel_id = None
        if channel is not None:
            found = ws.find_channel(channel)
            channel_id = found.id if found is not None else channel
        return ws.ephemerals_for(self.user.id, channel_id)

    def modal(self) -> View | None:
        """The modal on top of this user's stack, if one is open."""
        stack = self._b.ctx.ws.open_modals(self.user.id)
        return stack[-1] if stack else None

    def home(self) -> View | None:
        ws = self._b.ctx.ws
        return ws.find_view(ws.home_views.get(self.user.id))
