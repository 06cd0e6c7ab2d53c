"""What Slack does with the bot's answers to interactions.

* a slash command's acknowledgement body (HTTP response or Socket Mode ack payload): an ephemeral
  message to the user, or a visible one with `response_type: in_channel`;
* a view submission's `response_action`: `errors` keeps the modal open with field errors, `update`
  replaces it, `push` stacks a new one, `clear` closes them all; no action closes the submitted view;
* a POST to a `response_url`: ephemeral by default, `in_channel`, `replace_original`, `delete_original`.
"""

from __future__ import annotations

from typing import Any

from bot.localslack.blockkit import block_errors, with_generated_ids
from bot.localslack.interactions import ResponseUrl
from bot.localslack.methods.base import ApiContext
from bot.localslack.methods.chat import MAX_TEXT
from bot.localslack.methods.views import MAX_MODAL_STACK, fill_view, new_view
from bot.localslack.workspace import Ephemeral, Message, User, View


class ResponseError(Exception):
    """The answer could not be applied; `code` is what Slack would say."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Responses:
    def __init__(self, ctx: ApiContext) -> None:
        self._ctx = ctx

    def _content(self, body: dict[str, Any]) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
        text = body.get("text")
        text = text if isinstance(text, str) else ""
        if len(text) > MAX_TEXT:
            raise ResponseError("msg_too_long")
        blocks = body.get("blocks") or []
        if blocks and block_errors(blocks):
            raise ResponseError("invalid_blocks")
        attachments = body.get("attachments") or []
        if not isinstance(attachments, list):
            raise ResponseError("invalid_attachments")
        return text, with_generated_ids(list(blocks), self._ctx.short_id), list(attachments)

    def _post(self, channel_id: str, body: dict[str, Any], thread_ts: str | None) -> Message:
        text, blocks, attachments = self._content(body)
        ctx = self._ctx
        message = ctx.ws.add_message(
            Message(
                channel=channel_id,
                ts=ctx.now_ts(),
                user=ctx.ws.bot.user_id,
                text=text,
                blocks=blocks,
                attachments=attachments,
                thread_ts=thread_ts,
                bot_id=ctx.ws.bot.bot_id,
            )
        )
        ctx.emit(ctx.events.message_events(message))
        return message

    def _ephemeral(
        self, user_id: str, channel_id: str, body: dict[str, Any], thread_ts: str | None
    ) -> Ephemeral:
        text, blocks, attachments = self._content(body)
        return self._ctx.ws.add_ephemeral(
            Ephemeral(
                channel=channel_id,
                user=user_id,
                ts=self._ctx.now_ts(),
                text=text,
                blocks=blocks,
                attachments=attachments,
                thread_ts=thread_ts,
                author=self._ctx.ws.bot.user_id,
            )
        )

    def command_ack(self, user: User, channel_id: str, body: dict[str, Any] | None) -> str | None:
        """Apply a slash command's ack body; returns the kind of message it became, if any."""
        if not body or not (body.get("text") or body.get("blocks") or body.get("attachments")):
            return None
        with self._ctx.ws.lock:
            if body.get("response_type") == "in_channel":
                self._post(channel_id, body, None)
                return "in_channel"
            self._ephemeral(user.id, channel_id, body, None)
            return "ephemeral"

    def view_submission_ack(self, user: User, view: View, body: dict[str, Any] | None) -> str:
        """Apply a view submission's ack; returns the `response_action` that took effect."""
        ws = self._ctx.ws
        action = str((body or {}).get("response_action") or "close")
        with ws.lock:
            stack = ws.modal_stacks.setdefault(user.id, [])
            if action == "errors":
                errors = (body or {}).get("errors") or {}
                view.errors = {str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {}
                return action
            spec = (body or {}).get("view")
            if action == "update" and isinstance(spec, dict):
                fill_view(self._ctx, view, {**spec, "type": view.type})
                return action
            if action == "push" and isinstance(spec, dict) and len(stack) < MAX_MODAL_STACK:
                pushed = new_view(self._ctx, user.id, {**spec, "type": "modal"}, previous=view.id)
                pushed.root_view_id = stack[0] if stack else view.id
                stack.append(pushed.id)
                return action
            if action == "clear":
                for view_id in stack:
                    ws.views[view_id].is_open = False
                stack.clear()
                return action
            view.is_open = False
            if view.id in stack:
                stack.remove(view.id)
            return "close"

    def response_url(self, url: ResponseUrl, body: dict[str, Any]) -> str:
        """Apply a POST to a response_url; returns what it did."""
        ws = self._ctx.ws
        with ws.lock:
            original = (
                ws.message(url.channel_id, url.message_ts) if url.channel_id and url.message_ts else None
            )
            if body.get("delete_original"):
                if url.is_ephemeral:
                    self._drop_ephemeral(url)
                    return "delete_original"
                if original is None:
                    raise ResponseError("message_not_found")
                previous = ws.message_to_api(original)
                original.deleted = True
                self._ctx.emit(self._ctx.events.message_deleted(original, previous))
                return "delete_original"
            if body.get("replace_original"):
                if url.is_ephemeral:
                    self._drop_ephemeral(url)
                    if url.channel_id is None:
                        raise ResponseError("channel_not_found")
                    self._ephemeral(url.user_id, url.channel_id, body, url.thread_ts)
                    return "replace_original"
                if original is None:
                    raise ResponseError("message_not_found")
                previous = ws.message_to_api(original)
                text, blocks, attachments = self._content(body)
                original.text, original.blocks, original.attachments = text, blocks, attachments
                original.edited = {"user": ws.bot.user_id, "ts": self._ctx.now_ts()}
                self._ctx.emit(self._ctx.events.message_changed(original, previous))
                return "replace_original"
            if url.channel_id is None:
                raise ResponseError("channel_not_found")
            thread_ts = body.get("thread_ts") if isinstance(body.get("thread_ts"), str) else url.thread_ts
            if body.get("response_type") == "in_channel":
                self._post(url.channel_id, body, thread_ts)
                return "in_channel"
            self._ephemeral(url.user_id, url.channel_id, body, thread_ts)
            return "ephemeral"

    def _drop_ephemeral(self, url: ResponseUrl) -> None:
        ws = self._ctx.ws
        ws.ephemerals = [e for e in ws.ephemerals if not (e.user == url.user_id and e.ts == url.message_ts)]
