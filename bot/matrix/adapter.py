"""The Matrix adapter: the chat port written with matrix-nio, against any homeserver (Synapse here).

It decides nothing about the webinar. It writes neutral messages as `body` + HTML (bot.matrix.writer),
speaker messages into direct rooms (`m.direct`), thread replies as `m.thread` relations, edits as
`m.replace`, deletions as redactions, reactions as `m.annotation`s, files to the media repository
then as an `m.file`. Exactly once: a keyed post's transaction id is derived from its key (a cue id),
so a resend is the same event for the homeserver (it de-duplicates `PUT /send/{type}/{txnId}` per
access token), and the key rides in the content (`org.webinar_bot.key`), so `find_post` finds an
earlier attempt in the room's history after a restart. `M_LIMIT_EXCEEDED` becomes a `ChatError` with
`retry_after` (the sender waits it out on the injected clock).

Coming in, a sync loop turns room events into inbound values (bot.matrix.events) and hands them,
in order, to the inbox on a thread of their own; a command's reply goes to the person's direct room
(Matrix has no message only one person in a room sees). After each batch the sync position
(`next_batch`) is stored, so a restart resumes where the bot stopped: nothing missed, nothing seen
twice. On the very first start there is no position, and the backlog is not processed.

Buttons are numbered actions (bot.matrix.writer): a keycap reaction on the message, or a reply to
it with the number, is a `Pressed` with the action and value the button would have carried, for
the message it sat on (bot.matrix.events). Which action a number means is read from the message's
content, as the bot last wrote it: kept in memory as the bot posts and edits, read back from the
homeserver (the latest edit included) after a restart. The presser's keycap is taken back where
the bot may redact it, so the same number can be pressed again.

Matrix has no modals: a form is a short exchange in the person's direct room with the bot
(bot.matrix.exchange). Their messages there answer it, one field at a time, and are neither
questions nor commands meanwhile; the last answer hands the inbox a `Submitted`, as a modal
would, and problems the core finds are asked again. There is no home tab: `publish_home` answers
with a permanent `ChatError` that says so, which the sender reports like any refused write.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import mimetypes
import queue
import threading
import urllib.parse
import uuid
from collections import OrderedDict
from collections.abc import Collection, Coroutine, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from aiohttp import ClientError
from nio import (
    AsyncClient,
    AsyncClientConfig,
    DirectRoomsResponse,
    ErrorResponse,
    JoinedRoomsResponse,
    ProfileGetResponse,
    RoomCreateResponse,
    RoomGetEventResponse,
    RoomGetStateEventResponse,
    RoomGetStateResponse,
    RoomMessagesResponse,
    RoomPreset,
    RoomResolveAliasResponse,
    RoomSendResponse,
    SyncResponse,
    UploadResponse,
    WhoamiResponse,
)
from nio.api import MessageDirection

from bot.chat.inbound import Command, Inbound, Posted, Pressed, Submitted
from bot.chat.message import Message, lines
from bot.chat.port import (
    ChatError,
    Conversation,
    DeleteMessage,
    Handle,
    Identity,
    Inbox,
    Lane,
    MessageRef,
    OpenForm,
    Person,
    PostMessage,
    PublishHome,
    React,
    UpdateMessage,
    Upload,
    Whisper,
    Write,
)
from bot.clock import Clock
from bot.i18n.catalogs import Catalogs
from bot.i18n.words import Words
from bot.matrix import exchange as forms
from bot.matrix.events import Reaction, ReactionMemory, Translator, without_fallback
from bot.matrix.loop import LoopClosed, LoopThread
from bot.matrix.writer import (
    KEY_FIELD,
    Action,
    actions_of,
    content,
    emoji_char,
    in_thread,
    reaction,
    replacement,
)
from bot.store.seen_reactions import SeenReaction, SeenReactionStore
from bot.store.sync_position import SyncPositionStore

log = logging.getLogger(__name__)
T = TypeVar("T")

REQUEST_TIMEOUT = 30.0
WRITE_GRACE = 10.0  # seconds writes still work after close(): a stopping webinar flushes within 5
POLL_MS = 10_000  # a sync waits this long for news before it answers empty
HISTORY_PAGES = 5  # pages of 100 events looked through for an earlier attempt of a keyed post
TIMELINE_TYPES = ["m.room.message", "m.reaction", "m.room.redaction", "m.room.member"]
SYNC_FILTER = {
    "presence": {"not_types": ["*"]},
    "account_data": {"not_types": ["*"]},
    "room": {
        "timeline": {"limit": 100, "types": TIMELINE_TYPES},
        "state": {"lazy_load_members": True, "types": ["m.room.create"]},
        "ephemeral": {"not_types": ["*"]},
        "account_data": {"not_types": ["*"]},
    },
}
FIRST_SYNC_FILTER = {
    "presence": {"not_types": ["*"]},
    "account_data": {"not_types": ["*"]},
    "room": {
        "timeline": {"limit": 0},
        "state": {"types": ["m.room.create"]},
        "ephemeral": {"not_types": ["*"]},
    },
}
HINTS = {
    "M_FORBIDDEN": "the homeserver refused: the bot lacks the right to do this in that room",
    "M_UNKNOWN_TOKEN": "the access token was refused: check MATRIX_ACCESS_TOKEN",
    "M_NOT_FOUND": "no such room, event or user",
    "M_TOO_LARGE": "the message is too large",
}
TRANSPORT_ERRORS = (ClientError, asyncio.TimeoutError, TimeoutError, OSError)
MODERATOR_LEVEL = 50  # Matrix's own word for a room's moderators
OLD_ROOM_VERSIONS = {str(n) for n in range(1, 12)}  # creators listed in power levels like anyone
REMEMBERED = 50_000  # own event ids and handled event ids kept in memory
REMEMBERED_ACTIONS = 10_000  # messages whose numbered actions are kept in memory


def chat_error(response: ErrorResponse) -> ChatError:
    """What a homeserver's refusal means for whoever wants to try again."""
    code = str(response.status_code or "M_UNKNOWN")
    if code == "M_LIMIT_EXCEEDED":
        return ChatError(code, retry_after=max((response.retry_after_ms or 1000) / 1000, 0.05))
    status = getattr(getattr(response, "transport_response", None), "status", 0) or 0
    if int(status) >= 500:
        return ChatError(f"the homeserver answered {status}", ambiguous=True)
    return ChatError(code, hint=HINTS.get(code, str(response.message or "")[:200]))


def transaction_id(key: str, room: str, thread: str | None) -> str:
    """The same keyed post always has the same transaction id: a resend is the same event."""
    digest = hashlib.sha256(f"{key}\x00{room}\x00{thread or ''}".encode()).hexdigest()
    return f"webinar-{digest[:40]}"


@dataclass
class _Batch:
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    invites: list[str] = field(default_factory=list)
    position: str = ""


class _Recent:
    """A bounded set of recent ids (own posts, handled events)."""

    def __init__(self, size: int = REMEMBERED) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def add(self, item: str) -> None:
        with self._lock:
            self._ids[item] = None
            while len(self._ids) > self._size:
                self._ids.popitem(last=False)

    def __contains__(self, item: object) -> bool:
        with self._lock:
            return item in self._ids


class StoredReactions:
    """The reactions the bot saw, in the store: a vote taken back after a restart is still known."""

    def __init__(self, store: SeenReactionStore) -> None:
        self.store = store

    def put(self, event_id: str, reaction: Reaction) -> None:
        ref = reaction.ref
        self.store.put(event_id, SeenReaction(ref.conversation, ref.id, reaction.person, reaction.emoji))

    def pop(self, event_id: str) -> Reaction | None:
        seen = self.store.pop(event_id)
        return None if seen is None else Reaction(seen.person, MessageRef(seen.room, seen.target), seen.emoji)


class MatrixChat:
    """One Matrix account (the bot's), through one access token."""

    platform = "Matrix"

    def __init__(
        self,
        homeserver: str,
        user_id: str,
        clock: Clock,
        *,
        access_token: str = "",
        password: str = "",
        device_id: str = "",
        positions: SyncPositionStore | None = None,
        lane: Lane | None = None,
        poll_ms: int = POLL_MS,
    ) -> None:
        self.clock = clock
        self.homeserver = homeserver.rstrip("/")
        self.user_id = user_id
        self.server_name = user_id.split(":", 1)[1] if ":" in user_id else ""
        self.positions = positions
        self.poll_ms = poll_ms
        self._lane = lane
        self._password = password
        self._loop = LoopThread("matrix-client")
        config = AsyncClientConfig(max_limit_exceeded=0, max_timeouts=0, request_timeout=REQUEST_TIMEOUT)
        self.client = self._loop.run(self._make_client(user_id, device_id, config), REQUEST_TIMEOUT)
        if access_token:
            self.client.access_token = access_token
            self.client.user_id = user_id
        self._identity: Identity | None = None
        self._lock = threading.Lock()
        self._dm_lock = threading.Lock()
        self._dms: dict[str, str] = {}
        self._people: dict[str, Person] = {}
        self._reactions: dict[tuple[str, str, str], str] = {}
        self._own = _Recent()
        self._handled = _Recent()
        self._actions: OrderedDict[tuple[str, str], tuple[Action, ...]] = OrderedDict()
        self._no_redact: set[str] = set()  # rooms where the bot may not take a presser's keycap back
        self._exchanges = forms.Exchanges()
        self._catalogs: Catalogs | None = None
        self._queue: queue.Queue[_Batch | None] = queue.Queue()
        self._stopping = threading.Event()
        self._sync: Any = None
        self._dispatcher: threading.Thread | None = None
        self.position: str | None = None

    async def _make_client(self, user_id: str, device_id: str, config: AsyncClientConfig) -> AsyncClient:
        return AsyncClient(self.homeserver, user_id, device_id=device_id or None, config=config)

    # -- calls ----------------------------------------------------------------------------------------

    def _call(self, coroutine: Coroutine[Any, Any, T], write: bool = False) -> T:
        """A client call on the loop thread; a transport failure is a ChatError (ambiguous for a write)."""
        try:
            return self._loop.run(coroutine, REQUEST_TIMEOUT + 5)
        except LoopClosed as exc:
            raise ChatError("the Matrix client is closed", transient=True) from exc
        except TRANSPORT_ERRORS as exc:
            reason = f"cannot reach the homeserver ({exc.__class__.__name__})"
            raise ChatError(reason, ambiguous=write, transient=True) from exc

    def _ok(self, response: Any, expected: type[T]) -> T:
        if isinstance(response, expected):
            return response
        if isinstance(response, ErrorResponse):
            raise chat_error(response)
        raise ChatError(f"unexpected answer ({response.__class__.__name__})", transient=True)

    # -- who and where ----------------------------------------------------------------------------

    def _login(self) -> None:
        if self.client.access_token or not self._password:
            return
        answer = self._call(self.client.login(self._password, device_name="webinar-bot"))
        if isinstance(answer, ErrorResponse):
            raise ChatError(f"Matrix refused the password ({answer.status_code}): check MATRIX_PASSWORD")

    def identity(self) -> Identity:
        if self._identity is None:
            self._login()
            answer = self._call(self.client.whoami())
            if isinstance(answer, ErrorResponse):
                raise ChatError(
                    f"Matrix refused the bot's access token ({answer.status_code}): check MATRIX_ACCESS_TOKEN"
                )
            me = self._ok(answer, WhoamiResponse)
            self.user_id = me.user_id
            self.server_name = me.user_id.split(":", 1)[1]
            person = self.find_person(me.user_id)
            self._identity = Identity(
                me.user_id, person.name if person else me.user_id, self.server_name, self.server_name
            )
        return self._identity

    def _joined(self) -> set[str]:
        return set(self._ok(self._call(self.client.joined_rooms()), JoinedRoomsResponse).rooms)

    def find_conversation(self, name: str) -> Conversation | None:
        """A room by id (`!…`), by alias (`#sp-webinar:example.org`) or by a bare alias name, which is
        looked for on the bot's own homeserver."""
        wanted = name.strip()
        if not wanted:
            return None
        if wanted.startswith("!"):
            room = wanted
        else:
            alias = wanted if wanted.startswith("#") and ":" in wanted else f"#{wanted.lstrip('#')}:"
            if alias.endswith(":"):
                alias += self.server_name
            answer = self._call(self.client.room_resolve_alias(alias))
            if isinstance(answer, ErrorResponse) and answer.status_code == "M_NOT_FOUND":
                return None
            room = self._ok(answer, RoomResolveAliasResponse).room_id
        member = room in self._joined()
        private = False
        if member:
            rules = self._call(self.client.room_get_state_event(room, "m.room.join_rules"))
            if isinstance(rules, RoomGetStateEventResponse):
                private = rules.content.get("join_rule") != "public"
        return Conversation(room, wanted.lstrip("#").split(":", 1)[0], private, member)

    def join(self, conversation: str) -> None:
        answer = self._call(self.client.join(conversation), write=True)
        if isinstance(answer, ErrorResponse):
            raise chat_error(answer)

    def find_person(self, ref: str) -> Person | None:
        """A person by Matrix id (`@astor:example.org`); a bot cannot look people up by e-mail on
        Matrix (that needs an identity server), so an e-mail finds no one."""
        ref = ref.strip()
        if not (ref.startswith("@") and ":" in ref):
            return None
        with self._lock:
            if ref in self._people:
                return self._people[ref]
        answer = self._call(self.client.get_profile(ref))
        if isinstance(answer, ErrorResponse) and answer.status_code in ("M_NOT_FOUND", "M_FORBIDDEN"):
            return None
        profile = self._ok(answer, ProfileGetResponse)
        person = Person(ref, profile.displayname or ref.split(":", 1)[0].lstrip("@"))
        with self._lock:
            self._people[ref] = person
        return person

    def find_people(self, emails: Collection[str]) -> dict[str, Person]:
        return {}  # no directory by e-mail on Matrix for a bot (see find_person)

    def group_members(self, ref: str) -> list[str] | None:
        """Matrix has no user groups; a room stands for its moderators: the members with a power
        level of 50 or more (`moderators: ["#sp-webinar-backstage:example.org"]`)."""
        wanted = ref.strip()
        if not wanted.startswith(("#", "!")) or ":" not in wanted:
            return None
        found = self.find_conversation(wanted)
        if found is None:
            raise ChatError(f"no room {wanted}")
        answer = self._call(self.client.room_get_state(found.id))
        events = self._ok(answer, RoomGetStateResponse).events
        state = {str(e.get("type")): e for e in events if isinstance(e, dict) and e.get("state_key") == ""}
        users = (state.get("m.room.power_levels") or {}).get("content", {}).get("users") or {}
        moderators = {
            str(u) for u, level in users.items() if isinstance(level, int) and level >= MODERATOR_LEVEL
        }
        create = state.get("m.room.create") or {}
        if str(create.get("content", {}).get("room_version", "1")) not in OLD_ROOM_VERSIONS:
            # From room version 12 on, a room's creators outrank every power level and are not listed.
            moderators.add(str(create.get("sender")))
            moderators.update(str(u) for u in create.get("content", {}).get("additional_creators") or [])
        return sorted(moderators)

    def direct_conversation(self, person: str) -> str:
        """The direct room with a person: one listed in the bot's `m.direct` that the bot is in, or
        a new one (invited as direct, and added to `m.direct`)."""
        with self._dm_lock:
            known = self._dms.get(person)
            if known:
                return known
            direct = self._direct_rooms()
            joined = self._joined()
            room = next((r for r in direct.get(person, []) if r in joined), None)
            if room is None:
                created = self._call(
                    self.client.room_create(
                        is_direct=True, invite=[person], preset=RoomPreset.trusted_private_chat
                    ),
                    write=True,
                )
                room = self._ok(created, RoomCreateResponse).room_id
                direct[person] = [room, *direct.get(person, [])]
                self._put_direct(direct)
            self._dms[person] = room
            return room

    def _direct_rooms(self) -> dict[str, list[str]]:
        answer = self._call(self.client.list_direct_rooms())
        if isinstance(answer, DirectRoomsResponse):
            return {k: list(v) for k, v in answer.rooms.items()}
        if isinstance(answer, ErrorResponse) and answer.status_code == "M_NOT_FOUND":
            return {}
        raise chat_error(answer) if isinstance(answer, ErrorResponse) else ChatError("m.direct unreadable")

    def _put_direct(self, direct: Mapping[str, list[str]]) -> None:
        """The bot's `m.direct` account data (matrix-nio reads it but has no call to write it)."""
        path = f"/_matrix/client/v3/user/{urllib.parse.quote(self.user_id)}/account_data/m.direct"
        headers = {"Authorization": f"Bearer {self.client.access_token}", "Content-Type": "application/json"}

        async def put() -> int:
            response = await self.client.send("PUT", path, json.dumps(direct), headers)
            status = int(response.status)
            response.release()
            return status

        status = self._call(put(), write=True)
        if status >= 400:
            log.warning("could not record the direct room in m.direct (HTTP %s)", status)

    def post_key(self, ref: MessageRef) -> str | None:
        try:
            answer = self._call(self.client.room_get_event(ref.conversation, ref.id))
        except ChatError:
            return None
        if not isinstance(answer, RoomGetEventResponse):
            return None
        source = answer.event.source
        if source.get("sender") != self.user_id:
            return None
        key = (source.get("content") or {}).get(KEY_FIELD)
        return str(key) if key else None

    def link_to(self, ref: MessageRef) -> str | None:
        return f"https://matrix.to/#/{urllib.parse.quote(ref.conversation)}/{urllib.parse.quote(ref.id)}"

    # -- writes -----------------------------------------------------------------------------------

    def _room(self, conversation: str) -> str:
        return self.direct_conversation(conversation) if conversation.startswith("@") else conversation

    def _send(self, room: str, kind: str, body: dict[str, Any], txn: str | None = None) -> str:
        answer = self._call(
            self.client.room_send(room, kind, body, tx_id=txn or uuid.uuid4().hex), write=True
        )
        event = str(self._ok(answer, RoomSendResponse).event_id)
        self._own.add(event)
        if kind == "m.room.message":
            relates = body.get("m.relates_to") or {}
            if relates.get("rel_type") == "m.replace" and isinstance(body.get("m.new_content"), dict):
                self._remember_actions(room, str(relates.get("event_id")), actions_of(body["m.new_content"]))
            elif actions_of(body):
                self._remember_actions(room, event, actions_of(body))
        return event

    # -- the numbered actions (buttons) ------------------------------------------------------------

    def _remember_actions(self, room: str, event: str, actions: tuple[Action, ...]) -> None:
        with self._lock:
            self._actions[(room, event)] = actions
            self._actions.move_to_end((room, event))
            while len(self._actions) > REMEMBERED_ACTIONS:
                self._actions.popitem(last=False)

    def actions(self, room: str, event: str) -> tuple[Action, ...]:
        """The numbered actions of the bot's message `event`, as the bot last wrote them: from memory,
        else (after a restart) from the homeserver, its latest edit included; none for anyone else's."""
        with self._lock:
            known = self._actions.get((room, event))
        if known is not None:
            return known
        try:
            answer = self._call(self.client.room_get_event(room, event))
        except ChatError:
            return ()  # unknown now: not remembered, asked again at the next press
        if not isinstance(answer, RoomGetEventResponse):
            return ()
        source = answer.event.source
        written = source.get("content") or {}
        if source.get("sender") != self.user_id:
            found: tuple[Action, ...] = ()
        else:
            found = actions_of(self._latest_edit(room, source) or written)
        self._remember_actions(room, event, found)
        return found

    def _latest_edit(self, room: str, source: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The content of the latest edit of an event, as the homeserver aggregates it (the whole
        edit event, or only its id on older homeservers); None when it was never edited."""
        relations = (source.get("unsigned") or {}).get("m.relations") or {}
        edit = relations.get("m.replace") if isinstance(relations, Mapping) else None
        if not isinstance(edit, Mapping):
            return None
        if not isinstance(edit.get("content"), Mapping) and edit.get("event_id"):
            answer = self._call(self.client.room_get_event(room, str(edit["event_id"])))
            edit = answer.event.source if isinstance(answer, RoomGetEventResponse) else {}
        new = (edit.get("content") or {}).get("m.new_content")
        return new if isinstance(new, Mapping) and edit.get("sender") in (self.user_id, None) else None

    def _take_back(self, room: str, reaction_event: str) -> None:
        """Redact the keycap a person pressed with, where the bot may (their direct room, a room
        where it moderates): the same number can then be pressed again. Elsewhere it stays."""
        if room in self._no_redact:
            return
        try:
            answer = self._call(self.client.room_redact(room, reaction_event), write=True)
        except ChatError:
            return
        if isinstance(answer, ErrorResponse) and answer.status_code == "M_FORBIDDEN":
            with self._lock:
                if len(self._no_redact) < REMEMBERED_ACTIONS:
                    self._no_redact.add(room)

    def post(self, write_: PostMessage, key: str | None = None) -> MessageRef:
        room = self._room(write_.conversation)
        body = content(write_.message)
        if key is not None:
            body[KEY_FIELD] = key
        if write_.thread:
            body = in_thread(body, write_.thread)
        txn = transaction_id(key, room, write_.thread) if key is not None else None
        return MessageRef(room, self._send(room, "m.room.message", body, txn))

    def _history(self, room: str, types: list[str]) -> list[dict[str, Any]]:
        """The bot's own recent events of these types in a room, newest first (a few pages)."""
        found: list[dict[str, Any]] = []
        start: str | None = None
        for _ in range(HISTORY_PAGES):
            answer = self._call(
                self.client.room_messages(
                    room,
                    start=start,
                    direction=MessageDirection.back,
                    limit=100,
                    message_filter={"senders": [self.user_id], "types": types},
                )
            )
            page = self._ok(answer, RoomMessagesResponse)
            found += [event.source for event in page.chunk]
            if not page.end or not page.chunk:
                break
            start = page.end
        return found

    def find_post(self, write_: PostMessage, key: str) -> MessageRef | None:
        room = self._room(write_.conversation)
        try:
            events = self._history(room, ["m.room.message"])
        except ChatError as exc:
            raise ChatError(f"cannot read the history of {room} ({exc.reason})", transient=True) from exc
        for event in events:
            if (event.get("content") or {}).get(KEY_FIELD) == key:
                return MessageRef(room, str(event.get("event_id")))
        return None

    def update(self, write_: UpdateMessage) -> None:
        self._send(write_.ref.conversation, "m.room.message", replacement(write_.ref.id, write_.message))

    def delete(self, write_: DeleteMessage) -> None:
        answer = self._call(self.client.room_redact(write_.ref.conversation, write_.ref.id), write=True)
        if isinstance(answer, ErrorResponse) and answer.status_code != "M_NOT_FOUND":
            raise chat_error(answer)

    def react(self, write_: React) -> None:
        ref, wanted = write_.ref, (write_.ref.conversation, write_.ref.id, write_.emoji)
        if write_.add:
            try:
                self._reactions[wanted] = self._send(
                    ref.conversation, "m.reaction", reaction(ref.id, write_.emoji)
                )
            except ChatError as exc:
                if exc.reason != "M_DUPLICATE_ANNOTATION":
                    raise
            return
        event = self._reactions.pop(wanted, None)
        if event is None:
            key = emoji_char(write_.emoji)
            for source in self._history(ref.conversation, ["m.reaction"]):
                relates = (source.get("content") or {}).get("m.relates_to") or {}
                if relates.get("event_id") == ref.id and relates.get("key") == key:
                    event = str(source.get("event_id"))
                    break
        if event is not None:
            self.delete(DeleteMessage(MessageRef(ref.conversation, event)))

    def whisper(self, write_: Whisper) -> None:
        """Only this person sees it: Matrix has no such message in a room, so it goes to their
        direct room with the bot, as a notice."""
        room = self.direct_conversation(write_.person)
        self._send(room, "m.room.message", content(write_.message, "m.notice"))

    def upload(self, write_: Upload) -> None:
        data = write_.content.encode()
        kind = mimetypes.guess_type(write_.filename)[0] or "text/plain"
        answer, _ = self._call(
            self.client.upload(
                io.BytesIO(data), content_type=kind, filename=write_.filename, filesize=len(data)
            ),
            write=True,
        )
        uri = self._ok(answer, UploadResponse).content_uri
        caption = "\n".join(part for part in (write_.title, write_.comment) if part) or write_.filename
        self._send(
            write_.conversation,
            "m.room.message",
            {
                "msgtype": "m.file",
                "body": caption,
                "filename": write_.filename,
                "url": uri,
                "info": {"mimetype": kind, "size": len(data)},
                "m.mentions": {},
            },
        )

    def open_form(self, write_: OpenForm) -> None:
        """A short exchange in the person's direct room: the form's title, intro and first question
        (a form without fields is shown, and that is all). It replaces an unfinished one."""
        form, person = write_.form, write_.person
        room = self.direct_conversation(person)
        now = self.clock.now()
        w = self._words(form.language)
        step = forms.begin(form, person, room, now, w)
        say = list(step.say)
        unfinished = self._exchanges.replaces(person, now)
        if unfinished is not None and unfinished.form != form and say:
            note = forms.replaced_note(unfinished, w)
            say[0] = say[0].with_text(lines(note.text, say[0].text))
        for message in say:
            self._send(room, "m.room.message", content(message, "m.notice"))
        if step.exchange is not None:
            self._exchanges.put(step.exchange)
        elif unfinished is not None:
            self._exchanges.close(person)

    def _words(self, language: str) -> Words:
        if self._catalogs is None:
            self._catalogs = Catalogs()
        return self._catalogs.words(language or "en")

    def publish_home(self, write_: PublishHome) -> None:
        raise ChatError("Matrix has no home view", hint="use !webinar status")

    def lane(self, write_: Write) -> Lane | None:
        """Synapse limits messages per account, not per room: one lane for every event the bot sends,
        when one is configured (an operator usually exempts the bot's account instead)."""
        if isinstance(write_, PublishHome):
            return None
        return self._lane

    # -- receiving --------------------------------------------------------------------------------

    def _is_bots(self, room: str, event: str) -> bool:
        """Whether an event is one of the bot's own: posted by this process, or (after a restart)
        as the homeserver says."""
        if event in self._own:
            return True
        try:
            answer = self._call(self.client.room_get_event(room, event))
        except ChatError:
            return False
        if isinstance(answer, RoomGetEventResponse) and answer.event.source.get("sender") == self.user_id:
            self._own.add(event)
            return True
        return False

    def handled(self, event_id: str) -> bool:
        """Whether an event has been handed to the inbox (and answered): how a rehearsal or a test
        knows the bot has seen what a person just did."""
        return event_id in self._handled

    def listen(self, inbox: Inbox) -> None:
        """Start receiving. On a first start (no stored position) one sync is made now, before this
        returns, and its backlog is not processed: everything after it is, in order."""
        identity = self.identity()
        memory: ReactionMemory | None = None
        if self.positions is not None:
            memory = StoredReactions(SeenReactionStore(self.positions.engine, identity.person))
        translate = Translator(identity.person, self.clock.now, self._is_bots, memory, self.actions)
        since = self.positions.load(self.user_id) if self.positions is not None else None
        if since is None:
            first = self._ok(
                self._call(self.client.sync(timeout=0, sync_filter=FIRST_SYNC_FILTER)), SyncResponse
            )
            since = first.next_batch
            self._queue.put(_Batch(invites=list(first.rooms.invite), position=since))
        self._dispatcher = threading.Thread(
            target=self._dispatch, args=(inbox, translate), name="matrix-inbox", daemon=True
        )
        self._dispatcher.start()
        self._sync = self._loop.spawn(self._sync_loop(since))

    async def _sync_loop(self, since: str) -> None:
        delay = 0.5
        while not self._stopping.is_set():
            try:
                answer = await self.client.sync(timeout=self.poll_ms, sync_filter=SYNC_FILTER, since=since)
            except TRANSPORT_ERRORS:
                log.info("the sync dropped; resuming from the last position", exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            except Exception:  # a bug or an answer the client cannot read: say so, keep listening
                log.exception("a sync failed; trying again from the last position")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            if not isinstance(answer, SyncResponse):
                wait = getattr(answer, "retry_after_ms", None)
                await asyncio.sleep((wait / 1000) if wait else delay)
                delay = min(delay * 2, 30.0)
                continue
            delay = 0.5
            batch = _Batch(invites=list(answer.rooms.invite), position=answer.next_batch)
            for room, info in answer.rooms.join.items():
                events = [event.source for event in info.timeline.events]
                joined = self._joined_at(events)
                if joined is not None:
                    events = events[joined + 1 :]  # a room the bot just joined: its past is not news
                elif info.timeline.limited and info.timeline.prev_batch:
                    batch.events += await self._gap(room, info.timeline.prev_batch, since)
                batch.events += [(room, event) for event in events]
            self._queue.put(batch)
            since = answer.next_batch

    def _joined_at(self, events: list[dict[str, Any]]) -> int | None:
        """Where in a timeline the bot itself joined the room, if it did."""
        for index in range(len(events) - 1, -1, -1):
            event = events[index]
            if (
                event.get("type") == "m.room.member"
                and event.get("state_key") == self.user_id
                and (event.get("content") or {}).get("membership") == "join"
                and ((event.get("unsigned") or {}).get("prev_content") or {}).get("membership") != "join"
            ):
                return index
        return None

    async def _gap(self, room: str, start: str, since: str) -> list[tuple[str, dict[str, Any]]]:
        """Events a limited timeline left out (the bot was away a while), oldest first."""
        missed: list[dict[str, Any]] = []
        for _ in range(HISTORY_PAGES * 2):
            page = await self.client.room_messages(
                room, start=start, end=since, limit=100, message_filter={"types": TIMELINE_TYPES}
            )
            if not isinstance(page, RoomMessagesResponse) or not page.chunk:
                break
            missed += [event.source for event in page.chunk]
            if not page.end:
                break
            start = page.end
        return [(room, source) for source in reversed(missed)]

    def _dispatch(self, inbox: Inbox, translate: Translator) -> None:
        while True:
            batch = self._queue.get()
            if batch is None:
                return
            for room in batch.invites:
                try:
                    self.join(room)
                except ChatError as exc:
                    log.info("could not accept an invitation to %s (%s)", room, exc.reason)
            for room, event in batch.events:
                if self._stopping.is_set():
                    return  # the position stays before this batch: a restart hands it over again
                self._deliver(inbox, translate, room, event)
            if self.positions is not None and batch.position:
                self.positions.save(self.user_id, batch.position, self.clock.now())
            self.position = batch.position

    def _deliver(self, inbox: Inbox, translate: Translator, room: str, event: dict[str, Any]) -> None:
        event_id = str(event.get("event_id") or "")
        try:
            if self._answers_form(inbox, room, event):
                return
            value = translate.event(room, event)
            if value is not None:
                reply = inbox.receive(value)
                if reply is not None and reply.message is not None:
                    self._answer(value, reply.message)
                if isinstance(value, Pressed) and value.handle.data.get("reaction"):
                    self._take_back(room, value.handle.data["reaction"])
        except Exception:
            log.exception("an event from %s failed", room)
        finally:
            self._handled.add(event_id)

    # -- forms: the exchange ------------------------------------------------------------------------

    def _answers_form(self, inbox: Inbox, room: str, event: Mapping[str, Any]) -> bool:
        """Whether this event is a person's answer to the form the bot is asking them in this room
        (handled here: it is not a question or a command as well)."""
        written = event.get("content")
        sender = str(event.get("sender") or "")
        if (
            event.get("type") != "m.room.message"
            or not isinstance(written, Mapping)
            or sender == self.user_id
        ):
            return False
        relates = written.get("m.relates_to")
        if isinstance(relates, Mapping) and relates.get("rel_type") == "m.replace":
            return False  # an edit of an answer already given changes nothing
        if written.get("msgtype") not in ("m.text", "m.emote", "m.notice"):
            return False
        now = self.clock.now()
        waiting, expired = self._exchanges.waiting(sender, room, now)
        if expired is not None:
            self._notice(room, forms.expired_note(expired, self._words(expired.form.language)))
        if waiting is None:
            return False
        text = without_fallback(str(written.get("body") or ""), written)
        w = self._words(waiting.form.language)
        step = forms.answer(waiting, text, now, w)
        self._step(inbox, waiting, step, str(event.get("event_id") or ""), now, w)
        return True

    def _step(
        self, inbox: Inbox, exchange: forms.Exchange, step: forms.Step, event_id: str, now: datetime, w: Words
    ) -> None:
        """Say what a step says; when the form is complete, hand it in, and ask again what the core
        found wrong with it."""
        self._exchanges.moved(exchange, step.exchange)
        for message in step.say:
            self._notice(exchange.room, message)
        if step.submitted is None:
            return
        form = exchange.form
        handle = Handle({"room": exchange.room, "event": event_id})
        submitted = Submitted(
            exchange.person, form.name, step.submitted, dict(form.state), handle, now, event_id
        )
        reply = inbox.receive(submitted)
        if reply is None:
            return
        if reply.errors:
            complete = replace(exchange, answers=step.submitted)
            again = forms.reopen(complete, reply.errors, now, w)
            if again.exchange is not None and self._exchanges.replaces(exchange.person, now) is None:
                self._exchanges.put(again.exchange)  # unless a new form was opened meanwhile
            for message in again.say:
                self._notice(exchange.room, message)
        if reply.message is not None:
            self._notice(exchange.room, reply.message)

    def _notice(self, room: str, message: Message) -> None:
        """A notice for one person in their direct room; a rate limit is waited out."""
        for _ in range(5):
            try:
                self._send(room, "m.room.message", content(message, "m.notice"))
                return
            except ChatError as exc:
                if exc.retry_after is None:
                    log.warning("could not write to %s (%s)", room, exc.reason)
                    return
                self.clock.sleep(exc.retry_after)

    def _answer(self, value: Inbound, message: Message) -> None:
        """A reply for one person: in their direct room (a notice); a rate limit is waited out."""
        person = value.person if isinstance(value, Command | Posted) else getattr(value, "person", "")
        if not person:
            return
        try:
            room = self.direct_conversation(person)
        except ChatError as exc:
            log.warning("could not answer %s (%s)", person, exc.reason)
            return
        self._notice(room, message)

    def close(self) -> None:
        """Stop receiving now; writes still go out for a short while (the webinar flushes its last
        ones after this), then the client lets go of its connections and its loop stops."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        if self._sync is not None:
            self._sync.cancel()
        self._queue.put(None)
        if self._dispatcher is not None and self._dispatcher is not threading.current_thread():
            self._dispatcher.join(timeout=10)
        if self._loop.running:
            self._loop.spawn(self._release(WRITE_GRACE))

    async def _release(self, after: float) -> None:
        await asyncio.sleep(after)
        try:
            await self.client.close()
        finally:
            self._loop.stop_soon()
