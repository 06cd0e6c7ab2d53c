"""Matrix room events into inbound values (pure: no homeserver calls).

A message is a `Posted` (in a thread when it carries an `m.thread` relation), an edit (`m.replace`)
an `Edited`, a redaction a `Deleted` or, when it takes back a reaction the bot saw, a `Reacted` with
`added=False`; an `m.annotation` is a `Reacted` by its short name (`👍` is `+1`). A message that
starts with `!webinar` or `!ask` is that command, not a question. A press of one of the bot's
numbered actions is a `Pressed`, the same value a button gives on any platform: a keycap reaction
(`2️⃣`) on a message of the bot's that has a second action, or a reply to it that says just a number
(`12`); any other keycap or number is what it would have been (a reaction, a message). Text
arrives as the person typed it: the reply fallback (`> <@someone> ...` lines) a client puts in front
of a rich reply is removed. Times are the bot's clock, as on every platform.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from bot.chat.inbound import Command, Deleted, Edited, Inbound, Posted, Pressed, Reacted
from bot.chat.refs import Handle, MessageRef
from bot.matrix.writer import Action, emoji_name, keycap_number

COMMANDS = ("webinar", "ask")
REMEMBERED_REACTIONS = 100_000  # reaction event ids kept to read their redaction as a vote taken back
PRESS_BY_REPLY = re.compile(r"#?(\d{1,2})")  # a reply that says only a number presses that action
Actions = Callable[[str, str], tuple[Action, ...]]  # (room, event id) -> that bot message's actions


@dataclass(frozen=True)
class Reaction:
    person: str
    ref: MessageRef
    emoji: str


def without_fallback(body: str, content: Mapping[str, Any]) -> str:
    """A rich reply's body without the quoted lines (`> <@someone> ...`) a client put in front of it."""
    relates = content.get("m.relates_to")
    if not isinstance(relates, Mapping) or "m.in_reply_to" not in relates or not body.startswith("> <"):
        return body
    lines = body.split("\n")
    while lines and lines[0].startswith(">"):
        lines.pop(0)
    if lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines)


def command_of(text: str) -> tuple[str, str] | None:
    """`!webinar next` → ("webinar", "next"); None for anything else."""
    if not text.startswith("!"):
        return None
    head, _, rest = text[1:].partition(" ")
    name = head.strip().lower()
    return (name, rest.strip()) if name in COMMANDS else None


class ReactionMemory(Protocol):
    """Reactions seen, by their own event id (a redaction names nothing else)."""

    def put(self, event_id: str, reaction: Reaction) -> None: ...

    def pop(self, event_id: str) -> Reaction | None: ...


class RecentReactions:
    """The reactions seen by this process (the adapter keeps them in the store, across restarts)."""

    def __init__(self, size: int = REMEMBERED_REACTIONS) -> None:
        self._seen: OrderedDict[str, Reaction] = OrderedDict()
        self._size = size

    def put(self, event_id: str, reaction: Reaction) -> None:
        self._seen[event_id] = reaction
        while len(self._seen) > self._size:
            self._seen.popitem(last=False)

    def pop(self, event_id: str) -> Reaction | None:
        return self._seen.pop(event_id, None)


class Translator:
    """One account's view of room events; remembers reactions so their redaction can be read."""

    def __init__(
        self,
        bot: str,
        clock_now: Callable[[], datetime],
        is_bots: Callable[[str, str], bool],
        reactions: ReactionMemory | None = None,
        actions: Actions | None = None,
    ) -> None:
        self.bot = bot
        self.now = clock_now
        self.is_bots = is_bots  # (room, event id) -> whether that event is one of the bot's own
        self._reactions = reactions if reactions is not None else RecentReactions()
        self.actions = actions

    def _press(self, room: str, sender: str, event_id: str, target: str, number: int) -> Pressed | None:
        """The `number`th action of the bot's message `target`, pressed; None when it has no such one."""
        if self.actions is None or not target or number < 1:
            return None
        found = self.actions(room, target)
        if number > len(found):
            return None
        action = found[number - 1]
        handle = Handle({"room": room, "event": event_id})
        return Pressed(sender, action.action, action.value, handle, self.now(), MessageRef(room, target))

    def event(self, room: str, event: Mapping[str, Any]) -> Inbound | None:
        sender = str(event.get("sender") or "")
        event_id = str(event.get("event_id") or "")
        kind = event.get("type")
        content = event.get("content")
        if not isinstance(content, Mapping) or not sender or not event_id or sender == self.bot:
            return None
        if kind == "m.room.message":
            return self._message(room, sender, event_id, content)
        if kind == "m.reaction":
            return self._reaction(room, sender, event_id, content)
        if kind == "m.room.redaction":
            redacts = str(content.get("redacts") or event.get("redacts") or "")
            if not redacts:
                return None
            taken = self._reactions.pop(redacts)
            if taken is not None:
                return Reacted(taken.person, taken.ref, taken.emoji, False, self.now())
            return Deleted(MessageRef(room, redacts), self.now())
        return None

    def _message(self, room: str, sender: str, event_id: str, content: Mapping[str, Any]) -> Inbound | None:
        relates = content.get("m.relates_to") if isinstance(content.get("m.relates_to"), Mapping) else {}
        assert isinstance(relates, Mapping)
        if relates.get("rel_type") == "m.replace":
            new = content.get("m.new_content")
            target = str(relates.get("event_id") or "")
            if not isinstance(new, Mapping) or not target:
                return None
            return Edited(sender, MessageRef(room, target), str(new.get("body") or ""), self.now())
        if content.get("msgtype") not in ("m.text", "m.emote", "m.notice"):
            return None
        text = without_fallback(str(content.get("body") or ""), content)
        replied = relates.get("m.in_reply_to")
        number = PRESS_BY_REPLY.fullmatch(text.strip())
        if isinstance(replied, Mapping) and number is not None and relates.get("rel_type") != "m.thread":
            pressed = self._press(room, sender, event_id, str(replied.get("event_id") or ""), int(number[1]))
            if pressed is not None:
                return pressed
        command = command_of(text)
        if command is not None:
            name, rest = command
            handle = Handle({"room": room, "event": event_id})
            return Command(sender, room, name, rest, handle, self.now(), event_id)
        thread = str(relates.get("event_id") or "") if relates.get("rel_type") == "m.thread" else ""
        return Posted(
            sender,
            MessageRef(room, event_id),
            text,
            self.now(),
            thread or None,
            bool(thread) and self.is_bots(room, thread),
        )

    def _reaction(self, room: str, sender: str, event_id: str, content: Mapping[str, Any]) -> Inbound | None:
        relates = content.get("m.relates_to")
        if not isinstance(relates, Mapping) or relates.get("rel_type") != "m.annotation":
            return None
        target, key = str(relates.get("event_id") or ""), str(relates.get("key") or "")
        if not target or not key:
            return None
        number = keycap_number(key)
        if number is not None:
            pressed = self._press(room, sender, event_id, target, number)
            if pressed is not None:
                return replace(pressed, handle=Handle({**pressed.handle.data, "reaction": event_id}))
        reaction = Reaction(sender, MessageRef(room, target), emoji_name(key))
        self._reactions.put(event_id, reaction)
        return Reacted(reaction.person, reaction.ref, reaction.emoji, True, self.now())
