"""What a Matrix rehearsal shows and keeps: the rooms' events as they happen, read with the bot's token.

The bot's account is in every room the webinar uses and in each speaker's direct room, so a sync
of its own (beside the bot's, with the same token: Synapse serves any number) sees everything the
bot posted and everything people did there. Each event is stamped with agenda time from Synapse's
`origin_server_ts` (the rehearsal's clock turns real milliseconds into agenda time). The console
prints what the bot posts and the `!` commands people send, room by room, as the Slack rehearsal
prints the stand-in's calls; the transcript keeps every event as one JSON line, as the stand-in's does.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from bot.matrix.participant import Participant, Refused
from bot.matrix.writer import KEY_FIELD, SHORT_NAMES
from bot.rehearsal.console import ConsoleLines, noted

log = logging.getLogger(__name__)

WAIT_MS = 1_000  # a sync waits this long for news: the watch stops within about a second
SYNC_FILTER: dict[str, Any] = {
    "presence": {"not_types": ["*"]},
    "account_data": {"not_types": ["*"]},
    "room": {
        "timeline": {"limit": 500, "types": ["m.room.message", "m.reaction", "m.room.redaction"]},
        "state": {"types": ["m.room.create"]},
        "ephemeral": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
    },
}
FIRST_FILTER: dict[str, Any] = {**SYNC_FILTER, "room": {**SYNC_FILTER["room"], "timeline": {"limit": 0}}}


class RoomWatch:
    """A thread that syncs as the bot and hands each event to the console and the transcript."""

    def __init__(
        self,
        bot: Participant,
        rooms: Mapping[str, str],
        names: Mapping[str, str],
        agenda_at: Callable[[int], datetime],
        console: ConsoleLines | None = None,
        notes: Mapping[str, str] | None = None,
        transcript: Path | None = None,
    ) -> None:
        self.bot = bot
        self.rooms = dict(rooms)  # room id -> how the console names it (`#sp-webinar`)
        self.names = dict(names)  # Matrix id -> display name
        self.agenda_at = agenda_at
        self.console = console
        self.notes = dict(notes or {})
        self.transcript_path = transcript
        self.events = 0
        self._file: IO[str] | None = None
        self._since: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def start(self) -> None:
        """From now on: one sync first (no history), then the thread that follows the rooms."""
        if self.transcript_path is not None:
            self._file = self.transcript_path.open("w", encoding="utf-8")
        self._since = str(self.bot.sync(None, 0, FIRST_FILTER).get("next_batch") or "") or None
        self._thread = threading.Thread(target=self._follow, name="matrix-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """After one last sync, so what the bot posted last is shown and kept."""
        if self._stopped:
            return
        self._stopped = True
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=WAIT_MS / 1000 + 35)
        try:
            self._once(0)
        except (Refused, OSError):
            log.info("the watch's last sync failed", exc_info=True)
        if self._file is not None:
            self._file.close()
            self._file = None

    def _follow(self) -> None:
        while not self._stop.is_set():
            try:
                self._once(WAIT_MS)
            except (Refused, OSError):  # the homeserver is stopping, or hiccupped: try again
                log.info("the watch's sync failed", exc_info=True)
                self._stop.wait(0.5)

    def _once(self, wait_ms: int) -> None:
        answer = self.bot.sync(self._since, wait_ms, SYNC_FILTER)
        joined = (answer.get("rooms") or {}).get("join") or {}
        batch = [
            (room, event)
            for room, info in joined.items()
            for event in ((info.get("timeline") or {}).get("events") or [])
        ]
        for room, event in sorted(batch, key=lambda pair: int(pair[1].get("origin_server_ts") or 0)):
            self._seen(room, event)
        self._since = str(answer.get("next_batch") or self._since)

    def _seen(self, room: str, event: dict[str, Any]) -> None:
        self.events += 1
        at = self.agenda_at(int(event.get("origin_server_ts") or 0))
        if self._file is not None:
            entry = {
                "seq": self.events,
                "kind": "event",
                "name": event.get("type"),
                "agenda": at.isoformat(),
                "wall": int(event.get("origin_server_ts") or 0) / 1000,
                "channel": room,
                "where": self.where(room),
                "sender": event.get("sender"),
                "event_id": event.get("event_id"),
                "content": event.get("content") or {},
            }
            self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
            self._file.flush()
        if self.console is not None:
            self._show(room, event, at)

    def _show(self, room: str, event: dict[str, Any], at: datetime) -> None:
        content = event.get("content") or {}
        relation = content.get("m.relates_to") if isinstance(content.get("m.relates_to"), dict) else {}
        if event.get("type") != "m.room.message" or (relation or {}).get("rel_type") == "m.replace":
            return
        assert self.console is not None
        body = self._text(str(content.get("body") or ""))
        sender = str(event.get("sender") or "")
        if sender == self.bot.id:
            self.console.line(
                at, self.where(room), noted(body, str(content.get(KEY_FIELD) or ""), self.notes)
            )
        elif body.startswith("!"):
            self.console.line(at, f"@{self.names.get(sender, sender)}", f"› {body}")

    def _text(self, body: str) -> str:
        if self.console is not None and not self.console.unicode:
            for char, name in SHORT_NAMES.items():
                body = body.replace(char, f":{name}:")
            body = body.encode("ascii", "replace").decode("ascii")
        return body

    def where(self, room: str) -> str:
        """`#alias` for the webinar's rooms, `@Name (DM)` for a direct room with the bot."""
        if room not in self.rooms:
            for person, listed in self.bot.direct_rooms().items():
                for direct in listed:
                    self.rooms.setdefault(direct, f"@{self.names.get(person, person)} (DM)")
            self.rooms.setdefault(room, room)
        return self.rooms[room]
