"""One account on a homeserver as a person's client uses it: for a rehearsal's crowd, its moderator's
script and its console, on the rehearsal's own Synapse.

Plain client-server API calls with the standard library (the bot itself talks through matrix-nio,
bot.matrix.adapter): say something in a room, reply in a thread, send a `!` command, react and take
the reaction back, join, read a thread, and sync. A rate limit (`M_LIMIT_EXCEEDED`) is waited out
as the homeserver asks, as a client does.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

from bot.matrix.homeserver import Account
from bot.matrix.writer import emoji_char

API = "/_matrix/client/v3"
TIMEOUT = 30.0  # seconds for one request (a sync adds the time it waits for news)
RATE_LIMITED_TRIES = 20


class Refused(Exception):
    """The homeserver refused a request (other than a rate limit, which is waited out)."""

    def __init__(self, status: int, answer: dict[str, Any]) -> None:
        super().__init__(f"{status} {answer.get('errcode')}: {answer.get('error')}")
        self.status = status
        self.errcode = str(answer.get("errcode") or "")


def quoted(value: str) -> str:
    return urllib.parse.quote(value, safe="")


class Participant:
    """A person's (or the bot's) account, by its access token."""

    def __init__(self, homeserver: str, account: Account, name: str = "") -> None:
        self.homeserver = homeserver.rstrip("/")
        self.account = account
        self.name = name or account.user_id
        self._reactions: dict[tuple[str, str, str], str] = {}  # (room, message, emoji) -> reaction event
        self._lock = threading.Lock()
        self._stop = threading.Event()

    @property
    def id(self) -> str:
        return self.account.user_id

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None, timeout: float = TIMEOUT
    ) -> dict[str, Any]:
        for _ in range(RATE_LIMITED_TRIES):
            data = json.dumps(body).encode() if body is not None else None
            request = urllib.request.Request(self.homeserver + path, data=data, method=method)
            request.add_header("Authorization", f"Bearer {self.account.access_token}")
            request.add_header("Content-Type", "application/json")
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    answer = json.loads(response.read() or b"{}")
                    return answer if isinstance(answer, dict) else {}
            except urllib.error.HTTPError as exc:
                try:
                    answer = json.loads(exc.read() or b"{}")
                except ValueError:
                    answer = {}
                if exc.code == 429 and answer.get("errcode") == "M_LIMIT_EXCEEDED":
                    self._stop.wait(min(float(answer.get("retry_after_ms") or 1000) / 1000, 10.0))
                    continue
                raise Refused(exc.code, answer) from exc
        raise Refused(429, {"errcode": "M_LIMIT_EXCEEDED", "error": "still rate limited"})

    def close(self) -> None:
        """No more waiting out rate limits: a stopping rehearsal does not wait for its crowd."""
        self._stop.set()

    # -- rooms ------------------------------------------------------------------------------------

    def join(self, room: str) -> None:
        self.request("POST", f"{API}/join/{quoted(room)}", {})

    def invite(self, room: str, user: str) -> None:
        self.request("POST", f"{API}/rooms/{quoted(room)}/invite", {"user_id": user})

    def send(self, room: str, kind: str, content: dict[str, Any]) -> str:
        path = f"{API}/rooms/{quoted(room)}/send/{quoted(kind)}/{uuid.uuid4().hex}"
        return str(self.request("PUT", path, content)["event_id"])

    # -- what a person does -----------------------------------------------------------------------

    def says(self, room: str, text: str) -> str:
        return self.send(room, "m.room.message", {"msgtype": "m.text", "body": text})

    def replies(self, room: str, thread: str, text: str) -> str:
        """A reply in a thread, as clients send it (with the fallback for clients without threads)."""
        relation = {
            "rel_type": "m.thread",
            "event_id": thread,
            "is_falling_back": True,
            "m.in_reply_to": {"event_id": thread},
        }
        content = {"msgtype": "m.text", "body": text, "m.relates_to": relation}
        return self.send(room, "m.room.message", content)

    def reacts(self, room: str, message: str, emoji: str) -> str:
        relation = {"rel_type": "m.annotation", "event_id": message, "key": emoji_char(emoji)}
        event = self.send(room, "m.reaction", {"m.relates_to": relation})
        with self._lock:
            self._reactions[(room, message, emoji)] = event
        return event

    def unreacts(self, room: str, message: str, emoji: str) -> str | None:
        """Takes a reaction back (a redaction of it); None when there was none."""
        with self._lock:
            event = self._reactions.pop((room, message, emoji), None)
        if event is None:
            return None
        path = f"{API}/rooms/{quoted(room)}/redact/{quoted(event)}/{uuid.uuid4().hex}"
        return str(self.request("PUT", path, {})["event_id"])

    # -- what a person reads ----------------------------------------------------------------------

    def thread(self, room: str, root: str) -> list[str]:
        """The events in a thread (not its root), oldest first: up to the latest 100."""
        path = f"/_matrix/client/v1/rooms/{quoted(room)}/relations/{quoted(root)}/m.thread?limit=100"
        chunk = self.request("GET", path).get("chunk") or []
        return [str(event["event_id"]) for event in reversed(chunk) if event.get("type") == "m.room.message"]

    def sync(self, since: str | None, wait_ms: int, sync_filter: dict[str, Any]) -> dict[str, Any]:
        query = f"timeout={wait_ms}&filter={quoted(json.dumps(sync_filter))}"
        if since:
            query += f"&since={quoted(since)}"
        return self.request("GET", f"{API}/sync?{query}", timeout=TIMEOUT + wait_ms / 1000)

    def direct_rooms(self) -> dict[str, list[str]]:
        """This account's `m.direct`: the person of each direct room."""
        try:
            answer = self.request("GET", f"{API}/user/{quoted(self.id)}/account_data/m.direct")
        except Refused as exc:
            if exc.status == 404:
                return {}
            raise
        return {str(k): [str(r) for r in v] for k, v in answer.items() if isinstance(v, list)}
