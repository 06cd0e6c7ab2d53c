"""A claimed cue becomes a Slack message: its channel (or the speaker's DM), its text, its outcome.

A speaker the bot could not find in Slack is cued in backstage by name instead, so the moderators can
pass the message on. When Slack confirms the post, the outbox marks the cue sent with Slack's `ts`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from bot.agenda.model import Agenda
from bot.clock import Clock
from bot.messages.cues import render_cue
from bot.messages.mrkdwn import escape
from bot.messages.render import Message, Renderer
from bot.slack.directory import Directory, Resolution
from bot.slack.sender import Post, Priority, Result, SlackSender
from bot.store.outbox import Outbox
from bot.timeline.cue import Cue, audience_speaker

log = logging.getLogger(__name__)

PostedHook = Callable[[Cue, str, str], None]  # (cue, channel id, ts)
ContextHook = Callable[[Cue], Mapping[str, Any]]  # extra template context, filled at send time
MessageHook = Callable[[Cue, Message], Message]  # a message rebuilt at send time (Block Kit buttons)


def with_user_ids(value: Any, speakers: Mapping[str, str]) -> Any:
    """A copy of a cue context where every speaker record carries its Slack `user_id` (for mentions)."""
    if isinstance(value, Mapping):
        copy = {k: with_user_ids(v, speakers) for k, v in value.items()}
        key = copy.get("key")
        if "name" in copy and isinstance(key, str) and key in speakers and "user_id" not in copy:
            copy["user_id"] = speakers[key]
        return copy
    if isinstance(value, list):
        return [with_user_ids(v, speakers) for v in value]
    return value


class CueDelivery:
    def __init__(
        self,
        agenda: Callable[[], Agenda],
        renderer: Callable[[], Renderer],
        resolution: Callable[[], Resolution],
        directory: Directory,
        sender: SlackSender,
        outbox: Outbox,
        clock: Clock,
    ) -> None:
        self._agenda = agenda
        self._renderer = renderer
        self._resolution = resolution
        self.directory = directory
        self.sender = sender
        self.outbox = outbox
        self.clock = clock
        self.posted_hooks: list[PostedHook] = []
        self.context_hooks: dict[str, ContextHook] = {}  # by template name
        self.message_hooks: dict[str, MessageHook] = {}  # by template name

    def destination(self, cue: Cue) -> tuple[str, str | None]:
        """(channel id, name of the speaker it was meant for when they could not be reached)."""
        resolution = self._resolution()
        speaker = audience_speaker(cue.audience)
        if speaker is not None:
            user_id = resolution.speakers.get(speaker)
            if user_id:
                return self.directory.dm_channel(user_id), None
            return resolution.channels["backstage"], self._agenda().speaker_name(speaker)
        return resolution.channels[cue.audience], None

    def deliver(self, cue: Cue, reconcile_first: bool = False) -> None:
        try:
            channel, fallback_for = self.destination(cue)
        except Exception as exc:  # a DM that cannot be opened, a channel that vanished
            log.error("no destination for cue %s: %s", cue.id, exc)
            self.outbox.mark_failed(cue.id, self.clock.now(), f"no destination: {exc}")
            return
        resolution = self._resolution()
        extra: dict[str, Any] = {"channel_ids": dict(resolution.channels)}
        hook = self.context_hooks.get(cue.template)
        if hook is not None:
            extra.update(hook(cue))
        context_cue = Cue(
            cue.id,
            cue.at,
            cue.kind,
            cue.audience,
            cue.template,
            cue.subject,
            with_user_ids(dict(cue.context), resolution.speakers),
        )
        message = render_cue(self._renderer(), context_cue, extra)
        message_hook = self.message_hooks.get(cue.template)
        if message_hook is not None:
            message = message_hook(cue, message)
        text, blocks = message.text, message.blocks
        if fallback_for is not None:
            text = f"_For {escape(fallback_for)}, who could not be reached in Slack:_ {text}"
            blocks = None
        args: dict[str, Any] = {
            "channel": channel,
            "text": text,
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if blocks:
            args["blocks"] = blocks
        self.sender.submit(
            Post(
                "chat.postMessage",
                args,
                Priority.CUE,
                key=cue.id,
                on_done=lambda result: self._done(cue, result),
                reconcile_first=reconcile_first,
            )
        )

    def _done(self, cue: Cue, result: Result) -> None:
        now = self.clock.now()
        if result.ok and result.ts and result.channel:
            self.outbox.mark_sent(cue.id, result.channel, result.ts, now)
            for hook in self.posted_hooks:
                hook(cue, result.channel, result.ts)
        else:
            self.outbox.mark_failed(cue.id, now, result.error or "failed")
