"""What the bot tells the moderators in backstage: that it runs, what it could not find, what came too
late, what a change made moot, what an edit of the schedule changed. One voice, through the sender."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import tzinfo

from bot.chat.markup import compose
from bot.chat.message import Inlines, Message, Text, lines
from bot.chat.port import PostMessage
from bot.chat.sender import Priority, Sender
from bot.i18n.localized import Phrase
from bot.i18n.words import Words
from bot.people.directory import Directory
from bot.timeline.cue import Cue

LISTED = 15


class Backstage:
    """What the bot tells the moderators in backstage, in the webinar's language."""

    def __init__(self, directory: Directory, sender: Sender, words: Callable[[], Words]) -> None:
        self.directory = directory
        self.sender = sender
        self.words = words

    def say(self, text: Inlines, priority: Priority = Priority.REPLY) -> None:
        self.sender.send(PostMessage(self.directory.channel("backstage"), Message(text)), priority)

    def running(self, title: str, cues: int, unresolved: Sequence[Phrase]) -> None:
        w = self.words()
        head = compose(
            w.plural(
                ":robot_face: webinar-bot is running *{title}*: {cues} cue planned. "
                "`/webinar help` lists the controls.",
                ":robot_face: webinar-bot is running *{title}*: {cues} cues planned. "
                "`/webinar help` lists the controls.",
                cues,
            ),
            title=title,
            cues=w.number(cues),
        )
        if not unresolved:
            self.say(head)
            return
        intro = compose(
            w("Some people or channels could not be resolved in {platform}:"),
            platform=self.directory.chat.platform,
        )
        self.say(lines(head, intro, *((Text("• "), *line.inlines(w)) for line in unresolved)))

    def missed(self, cues: Sequence[Cue], tz: tzinfo) -> None:
        """Cues found too late while the bot was not running (grammar for one and for many)."""
        w = self.words()
        listed = [
            (Text(f"• {c.at.astimezone(tz):%H:%M:%S} {c.kind.value} → {c.audience}"),) for c in cues[:LISTED]
        ]
        more = [(Text(w("… and {n} more").format(n=len(cues) - LISTED)),)] if len(cues) > LISTED else []
        head = compose(
            w.plural(
                ":warning: {count} cue came too late to be useful and was not posted "
                "(the bot was not running when it was due):",
                ":warning: {count} cues came too late to be useful and were not posted "
                "(the bot was not running when they were due):",
                len(cues),
            ),
            count=str(len(cues)),
        )
        self.say(lines(head, *listed, *more))
