"""The contract suite's driver for Slack: the local stand-in, through the real slack_bolt and slack_sdk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from e2e.harness import Harness

from bot.clock import ManualClock
from bot.launch import RunningBot
from bot.localslack.simulate import SimulatedUser
from bot.localslack.workspace import Message
from bot.slack.mrkdwn import to_plain
from contract.platform import Person, Seen


def _buttons(message: Message) -> tuple[str, ...]:
    found: list[str] = []
    for block in message.blocks or []:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id"):
                found.append(str(element["action_id"]))
    return tuple(found)


@dataclass
class SlackPerson:
    key: str
    user: SimulatedUser
    platform: SlackPlatform

    @property
    def id(self) -> str:
        return self.user.id

    def says(self, room: str, text: str) -> str:
        return self.user.post(room, text)

    def replies(self, room: str, thread: str, text: str) -> str:
        return self.user.reply(room, thread, text)

    def edits(self, room: str, message: str, text: str) -> None:
        self.user.edit(room, message, text)

    def deletes(self, room: str, message: str) -> None:
        self.user.delete(room, message)

    def reacts(self, room: str, message: str, emoji: str = "+1") -> None:
        self.user.react(room, message, emoji)

    def unreacts(self, room: str, message: str, emoji: str = "+1") -> None:
        self.user.unreact(room, message, emoji)

    def command(self, room: str, name: str, text: str) -> str:
        result = self.user.slash(f"/{name}", text, channel=room)
        assert result.acked
        replies = self.user.ephemerals()
        return self.platform.plain(replies[-1].text) if replies else ""

    def presses(self, room: str, message: str, action: str) -> None:
        assert self.user.click(room, message, action).acked

    def private(self) -> list[str]:
        return [self.platform.plain(e.text) for e in self.user.ephemerals()]


class SlackPlatform:
    name = "slack"

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.clock: ManualClock = harness.clock

    def plain(self, text: str) -> str:
        names = {u.id: u.real_name for u in self.harness.slack.workspace.humans()}
        for person, name in names.items():
            text = text.replace(f"<@{person}>", f"@{name}")
        return to_plain(text)

    def start_bot(self) -> RunningBot:
        return self.harness.start_bot()

    def crash(self, bot: RunningBot) -> RunningBot:
        bot.crash()
        return self.harness.start_bot()

    def person(self, key: str) -> Person:
        return SlackPerson(key, self.harness.slack.user(key), self)

    def room(self, audience: str) -> str:
        return self.harness.channel({"announcements": "sp-webinar"}.get(audience, f"sp-webinar-{audience}"))

    def _seen(self, message: Message) -> Seen:
        payload = (message.metadata or {}).get("event_payload") or {}
        key = payload.get("key")
        thread = message.thread_ts if message.thread_ts not in (None, message.ts) else None
        return Seen(
            message.ts, self.plain(message.text), thread, str(key) if key else None, _buttons(message)
        )

    def seen(self, room: str) -> list[Seen]:
        return [self._seen(m) for m in self.harness.posts(room)]

    def direct(self, person: Person) -> list[Seen]:
        ims = [
            c.id for c in self.harness.slack.workspace.channels.values() if c.is_im and c.im_user == person.id
        ]
        return [self._seen(m) for channel in ims for m in self.harness.posts(channel)]

    def receipts(self) -> dict[str, list[datetime]]:
        return self.harness.receipts()

    def run_until(self, bot: RunningBot, until: datetime) -> None:
        self.harness.run_until(bot, until)
