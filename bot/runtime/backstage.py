"""What the bot tells the moderators in backstage: that it runs, what it could not find, what came too
late, what a change made moot, what an edit of the schedule changed. One voice, through the sender."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from bot.chat.markup import compose
from bot.chat.message import Inlines, Message, Text, lines
from bot.chat.port import PostMessage
from bot.chat.sender import Priority, Sender
from bot.people.directory import Directory
from bot.timeline.cue import Cue

LISTED = 15


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


class Backstage:
    def __init__(self, directory: Directory, sender: Sender) -> None:
        self.directory = directory
        self.sender = sender

    def say(self, text: Inlines, priority: Priority = Priority.REPLY) -> None:
        self.sender.send(PostMessage(self.directory.channel("backstage"), Message(text)), priority)

    def running(self, title: str, cues: int, unresolved: Sequence[str]) -> None:
        head = compose(
            ":robot_face: webinar-bot is running *{title}*: {cues} planned. "
            "`/webinar help` lists the controls.",
            title=title,
            cues=plural(cues, "cue"),
        )
        if not unresolved:
            self.say(head)
            return
        intro = compose(
            "Some people or channels could not be resolved in {platform}:",
            platform=self.directory.chat.platform,
        )
        self.say(lines(head, intro, *((Text(f"• {line}"),) for line in unresolved)))

    def missed(self, cues: Sequence[Cue], tz: tzinfo) -> None:
        """Cues found too late while the bot was not running (grammar for one and for many)."""
        listed = [
            (Text(f"• {c.at.astimezone(tz):%H:%M:%S} {c.kind.value} to {c.audience}"),) for c in cues[:LISTED]
        ]
        more = [(Text(f"… and {len(cues) - LISTED} more"),)] if len(cues) > LISTED else []
        one = len(cues) == 1
        head = compose(
            ":warning: {count} came too late to be useful and {verb} not posted "
            "(the bot was not running when {pronoun} due):",
            count=plural(len(cues), "cue"),
            verb="was" if one else "were",
            pronoun="it was" if one else "they were",
        )
        self.say(lines(head, *listed, *more))
