"""People on a test homeserver: what a Matrix client does for a person, synchronously, for the tests.

Each request is the client-server API as any client sends it; a rate limit (`M_LIMIT_EXCEEDED`) is
waited out as the homeserver asks (people keep Synapse's shipped limits).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

from bot.matrix.homeserver import Account
from bot.matrix.writer import emoji_char

API = "/_matrix/client/v3"


def q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


class MatrixRefused(Exception):
    def __init__(self, status: int, answer: dict[str, Any]) -> None:
        super().__init__(f"{status} {answer.get('errcode')}: {answer.get('error')}")
        self.status = status
        self.answer = answer


@dataclass
class MatrixUser:
    url: str
    account: Account
    reactions: dict[tuple[str, str, str], str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.account.user_id

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        for _ in range(30):
            data = json.dumps(body).encode() if body is not None else None
            request = urllib.request.Request(self.url + path, data=data, method=method)
            request.add_header("Authorization", f"Bearer {self.account.access_token}")
            request.add_header("Content-Type", "application/json")
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    answer = json.loads(response.read() or b"{}")
                    return answer if isinstance(answer, dict) else {}
            except urllib.error.HTTPError as exc:
                answer = json.loads(exc.read() or b"{}")
                if exc.code == 429 and answer.get("errcode") == "M_LIMIT_EXCEEDED":
                    time.sleep(min(float(answer.get("retry_after_ms") or 1000) / 1000, 10.0))
                    continue
                raise MatrixRefused(exc.code, answer) from exc
        raise MatrixRefused(429, {"errcode": "M_LIMIT_EXCEEDED", "error": "still rate limited"})

    # -- rooms ------------------------------------------------------------------------------------

    def create_room(self, alias: str, public: bool, invite: list[str] | None = None) -> str:
        answer = self.request(
            "POST",
            f"{API}/createRoom",
            {
                "preset": "public_chat" if public else "private_chat",
                "room_alias_name": alias,
                "name": alias,
                "invite": invite or [],
                "visibility": "private",
            },
        )
        return str(answer["room_id"])

    def join(self, room: str) -> None:
        self.request("POST", f"{API}/join/{q(room)}", {})

    def invite(self, room: str, user: str) -> None:
        self.request("POST", f"{API}/rooms/{q(room)}/invite", {"user_id": user})

    def send(self, room: str, kind: str, content: dict[str, Any]) -> str:
        answer = self.request("PUT", f"{API}/rooms/{q(room)}/send/{q(kind)}/{uuid.uuid4().hex}", content)
        return str(answer["event_id"])

    # -- what a person does ---------------------------------------------------------------------------

    def says(self, room: str, text: str) -> str:
        return self.send(room, "m.room.message", {"msgtype": "m.text", "body": text})

    def replies(self, room: str, thread: str, text: str) -> str:
        relation = {
            "rel_type": "m.thread",
            "event_id": thread,
            "is_falling_back": True,
            "m.in_reply_to": {"event_id": thread},
        }
        return self.send(
            room, "m.room.message", {"msgtype": "m.text", "body": text, "m.relates_to": relation}
        )

    def edits(self, room: str, message: str, text: str) -> str:
        return self.send(
            room,
            "m.room.message",
            {
                "msgtype": "m.text",
                "body": f"* {text}",
                "m.new_content": {"msgtype": "m.text", "body": text},
                "m.relates_to": {"rel_type": "m.replace", "event_id": message},
            },
        )

    def redacts(self, room: str, event: str) -> str:
        answer = self.request("PUT", f"{API}/rooms/{q(room)}/redact/{q(event)}/{uuid.uuid4().hex}", {})
        return str(answer["event_id"])

    def reacts(self, room: str, message: str, emoji: str = "+1") -> str:
        """A reaction by short name (`+1`) or as the emoji itself (`2️⃣`)."""
        key = emoji_char(emoji) if emoji.isascii() else emoji
        relation = {"rel_type": "m.annotation", "event_id": message, "key": key}
        event = self.send(room, "m.reaction", {"m.relates_to": relation})
        self.reactions[(room, message, emoji)] = event
        return event

    def unreacts(self, room: str, message: str, emoji: str = "+1") -> str:
        return self.redacts(room, self.reactions.pop((room, message, emoji)))

    # -- what a person (or the bot, with its token) reads ---------------------------------------------

    def events(self, room: str, sender: str | None = None, limit: int = 5000) -> list[dict[str, Any]]:
        """A room's events, oldest first (from `sender` only, when given)."""
        found: list[dict[str, Any]] = []
        start = ""
        flt = json.dumps({"senders": [sender]} if sender else {})
        while len(found) < limit:
            query = f"dir=b&limit=500&filter={q(flt)}" + (f"&from={q(start)}" if start else "")
            page = self.request("GET", f"{API}/rooms/{q(room)}/messages?{query}")
            chunk = page.get("chunk") or []
            found += chunk
            start = str(page.get("end") or "")
            if not chunk or not start:
                break
        return list(reversed(found))

    def direct_rooms(self) -> dict[str, list[str]]:
        try:
            answer = self.request("GET", f"{API}/user/{q(self.id)}/account_data/m.direct")
        except MatrixRefused as exc:
            if exc.status == 404:
                return {}
            raise
        return {str(k): [str(r) for r in v] for k, v in answer.items()}
