"""The Slack adapter: the chat port written with slack_sdk and slack_bolt.

It decides nothing about the webinar. It writes neutral messages as mrkdwn and Block Kit, makes
keyed posts findable (the key rides in message metadata, and a lost answer is reconciled with the
channel's history), looks people and channels up, and turns Bolt's payloads into inbound values
(bot.slack.listeners). Slack's failures become `ChatError`s that say whether to retry.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.chat.port import (
    ChatError,
    Conversation,
    DeleteMessage,
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
from bot.health import Health
from bot.slack.app import HttpReceiver, Receiver, SocketReceiver, build_app, healthy
from bot.slack.client import ClientSource, FixedClients
from bot.slack.writer import home_view, modal, write

if TYPE_CHECKING:  # OAuth mode only: slack-sdk's SQLAlchemy stores are loaded when it is used
    from bot.slack.installations import Installations

log = logging.getLogger(__name__)

METADATA_EVENT = "webinar_bot_post"
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
HINTS = {
    "channel_not_found": "the channel does not exist (or the bot cannot see it)",
    "not_in_channel": "the bot is not a member of the channel",
    "is_archived": "the channel is archived",
    "msg_too_long": "the message is too long",
    "invalid_blocks": "the message's blocks are invalid",
    "invalid_auth": "the bot token was refused",
    "missing_scope": "the app lacks a scope: see manifest.yaml",
}
# Slack's published minimums (posting: about 1 per second per channel with short bursts; Tier 3: 50+
# per minute; Tier 4: 100+ per minute), each kept a little inside, with a short burst.
POST_RATE, POST_BURST = 1.0, 4.0
METHOD_LANES = {
    "chat.update": Lane("method:chat.update", 0.8, 8.0),
    "chat.delete": Lane("method:chat.delete", 0.8, 8.0),
    "reactions": Lane("method:reactions", 0.8, 8.0),
    "chat.postEphemeral": Lane("method:chat.postEphemeral", 1.5, 20.0),
    "views.publish": Lane("method:views.publish", 1.5, 20.0),
}


def error_code(exc: SlackApiError) -> str:
    data = exc.response.data if isinstance(exc.response.data, dict) else {}
    return str(data.get("error") or f"http_{getattr(exc.response, 'status_code', 0)}")


def _retry_after(exc: SlackApiError) -> float:
    headers = getattr(exc.response, "headers", {}) or {}
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(float(raw), 0.0)
            except (TypeError, ValueError):
                break
    return 1.0


def chat_error(exc: Exception) -> ChatError:
    """What a Slack failure means for whoever wants to try again."""
    if isinstance(exc, SlackApiError):
        status = int(getattr(exc.response, "status_code", 200) or 200)
        code = error_code(exc)
        if status == 429 or code == "ratelimited":
            return ChatError(code, retry_after=_retry_after(exc))
        if status >= 500:
            return ChatError(f"Slack answered {status}", ambiguous=True)
        return ChatError(code, hint=HINTS.get(code, ""))
    return ChatError(exc.__class__.__name__, ambiguous=True)


NETWORK_ERRORS = (URLError, OSError, TimeoutError)


CHANNELS_FRESH = 60.0  # seconds a listing of the workspace's channels is used for
PEOPLE_FRESH = 60.0  # seconds a walk of the workspace's people is used for


def _conversation(channels: list[dict[str, Any]], wanted: str) -> Conversation | None:
    for channel in channels:
        if str(channel.get("id")) == wanted or str(channel.get("name", "")).lower() == wanted.lower():
            return Conversation(
                str(channel["id"]),
                str(channel.get("name") or wanted),
                bool(channel.get("is_private")),
                bool(channel.get("is_member")),
            )
    return None


class SlackChat:
    """One Slack workspace, through its bot token (from the environment, or its installation)."""

    platform = "Slack"

    def __init__(
        self,
        token: str,
        api_url: str,
        clock: Clock,
        *,
        signing_secret: str = "",
        app_token: str = "",
        http_port: int | None = None,
        http_host: str = "0.0.0.0",
        health: Callable[[], Health] = healthy,
        clients: ClientSource | None = None,
    ) -> None:
        """`health`: what `/healthz` answers in HTTP mode (the runtime's check: database, leases).
        `clients`: where each call's WebClient comes from (default: `token`'s, made once)."""
        self.clock = clock
        self._clients = clients or FixedClients(token, api_url, clock)
        self.signing_secret = signing_secret
        self.app_token = app_token
        self.http_port = http_port
        self.http_host = http_host
        self.health = health
        self.receiver: Receiver | None = None
        self._identity: Identity | None = None
        self._lock = threading.Lock()
        self._dms: dict[str, str] = {}
        self._people: dict[str, Person] = {}
        self._links: dict[MessageRef, str] = {}
        self._channel_list: tuple[float, list[dict[str, Any]]] | None = None
        self._member_list: tuple[float, list[dict[str, Any]]] | None = None

    @classmethod
    def for_team(cls, installations: Installations, team_id: str, clock: Clock) -> SlackChat:
        """OAuth mode: the workspace `team_id`, each call with its current token from the installations.

        It only writes and looks up; the one Bolt app of `bot.slack.oauth` receives for every workspace.
        """
        return cls("", installations.api_url, clock, clients=installations.clients(team_id))

    @property
    def client(self) -> WebClient:
        """For reads and idempotent calls: retries connection errors and 5xx."""
        return self._clients.client()

    @property
    def posts(self) -> WebClient:
        """For posts: retries only 429s (see bot.slack.client)."""
        return self._clients.client(for_posts=True)

    # -- who and where ----------------------------------------------------------------------------

    def identity(self) -> Identity:
        if self._identity is None:
            try:
                data = self.client.auth_test().data
            except SlackApiError as exc:
                raise ChatError(
                    f"Slack refused the bot token ({error_code(exc)}): check SLACK_BOT_TOKEN"
                ) from exc
            except NETWORK_ERRORS as exc:
                raise ChatError(f"cannot reach Slack ({exc.__class__.__name__})", transient=True) from exc
            assert isinstance(data, dict)
            self._identity = Identity(
                str(data.get("user_id", "")),
                str(data.get("user", "")),
                str(data.get("team_id", "")),
                str(data.get("team", "")),
            )
        return self._identity

    def _channels(self, fresh: bool = False) -> list[dict[str, Any]]:
        """Every channel the bot can see; one listing serves `CHANNELS_FRESH` seconds, so a process
        that starts a hundred webinars lists the workspace's channels once, not three hundred times
        (conversations.list is Tier 2: 20 calls a minute)."""
        now = self.clock.monotonic()
        with self._lock:
            cached = self._channel_list
        if cached is not None and not fresh and now - cached[0] < CHANNELS_FRESH:
            return cached[1]
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.client.conversations_list(
                types="public_channel,private_channel", exclude_archived=True, limit=200, cursor=cursor
            ).data
            assert isinstance(page, dict)
            found.extend(page.get("channels", []))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                with self._lock:
                    self._channel_list = (now, found)
                return found

    def find_conversation(self, name: str) -> Conversation | None:
        wanted = name.strip().lstrip("#")
        try:
            found = _conversation(self._channels(), wanted)
            if found is None or (found.private and not found.member):  # new since, or invited since
                found = _conversation(self._channels(fresh=True), wanted)
        except SlackApiError as exc:
            raise ChatError(f"cannot list channels ({error_code(exc)})") from exc
        return found

    def join(self, conversation: str) -> None:
        try:
            self.client.conversations_join(channel=conversation)
        except SlackApiError as exc:
            raise chat_error(exc) from exc
        with self._lock:
            for channel in self._channel_list[1] if self._channel_list is not None else []:
                if channel.get("id") == conversation:
                    channel["is_member"] = True

    def _person(self, user: dict[str, Any]) -> Person:
        profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
        assert isinstance(profile, dict)
        name = next(
            (
                str(v)
                for v in (
                    profile.get("real_name"),
                    user.get("real_name"),
                    profile.get("display_name"),
                    user.get("name"),
                )
                if v
            ),
            str(user.get("id", "")),
        )
        return Person(
            str(user.get("id", "")),
            name,
            str(user.get("locale") or "") or None,
            str(user.get("tz") or "") or None,
            not user.get("deleted"),
        )

    def find_person(self, ref: str) -> Person | None:
        ref = ref.strip().lstrip("@")
        cached = self._people.get(ref) or (self._people.get(ref.lower()) if EMAIL.match(ref) else None)
        if cached is not None:
            return cached
        by_id = bool(USER_ID.match(ref))
        try:
            if by_id:
                data = self.client.users_info(user=ref, include_locale=True).data
            elif EMAIL.match(ref):
                data = self.client.users_lookupByEmail(email=ref).data
            else:
                return None
        except SlackApiError as exc:
            if error_code(exc) in ("user_not_found", "users_not_found"):
                return None
            raise chat_error(exc) from exc
        except NETWORK_ERRORS as exc:
            raise ChatError(exc.__class__.__name__, transient=True) from exc
        assert isinstance(data, dict)
        person = self._person(dict(data.get("user") or {}))
        with self._lock:
            self._people[ref] = person
            if by_id:  # users.lookupByEmail has no locale: a look-up by id later asks users.info for it
                self._people[person.id] = person
        return person

    def find_people(self, emails: Collection[str]) -> dict[str, Person]:
        """users.list, page by page (Tier 2, 200 people a page): a list of 2,000 registrants costs a few
        calls instead of 2,000 users.lookupByEmail (Tier 3, 50 a minute). One walk of the directory
        serves `PEOPLE_FRESH` seconds, so the webinars a process starts share it."""
        wanted = {e.strip().lower() for e in emails if e}
        if not wanted:
            return {}
        found: dict[str, Person] = {}
        for member in self._members():
            email = str(((member.get("profile") or {}).get("email")) or "").lower()
            if email in wanted and not member.get("deleted") and not member.get("is_bot"):
                found[email] = self._person(dict(member))
        with self._lock:
            for email, person in found.items():
                self._people[person.id] = person
                self._people[email] = person  # find_person(email) finds it without asking
        return found

    def _members(self) -> list[dict[str, Any]]:
        now = self.clock.monotonic()
        with self._lock:
            cached = self._member_list
        if cached is not None and now - cached[0] < PEOPLE_FRESH:
            return cached[1]
        members: list[dict[str, Any]] = []
        cursor = None
        while True:
            try:
                page = self.client.users_list(limit=200, cursor=cursor, include_locale=True).data
            except SlackApiError as exc:
                raise chat_error(exc) from exc
            except NETWORK_ERRORS as exc:
                raise ChatError(exc.__class__.__name__, transient=True) from exc
            assert isinstance(page, dict)
            members.extend(page.get("members", []))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                with self._lock:
                    self._member_list = (now, members)
                return members

    def group_members(self, ref: str) -> list[str] | None:
        if not GROUP_ID.match(ref.strip()):
            return None
        try:
            data = self.client.usergroups_users_list(usergroup=ref.strip()).data
        except SlackApiError as exc:
            raise ChatError(f"user group lookup failed ({error_code(exc)})") from exc
        assert isinstance(data, dict)
        return [str(u) for u in data.get("users", [])]

    def direct_conversation(self, person: str) -> str:
        """The person's direct conversation with the bot: its id once known, else the person's own id,
        which chat.postMessage accepts (it posts into the app's DM). Two thousand registrants then
        cost no conversations.open, a Tier 3 method (50 a minute)."""
        with self._lock:
            return self._dms.get(person, person)

    def _open_direct(self, person: str) -> str:
        try:
            data = self.client.conversations_open(users=person).data
        except SlackApiError as exc:
            raise chat_error(exc) from exc
        assert isinstance(data, dict)
        channel = str((data.get("channel") or {}).get("id"))
        with self._lock:
            self._dms[person] = channel
        return channel

    def post_key(self, ref: MessageRef) -> str | None:
        try:
            data = self.client.conversations_replies(
                channel=ref.conversation, ts=ref.id, limit=1, include_all_metadata=True
            ).data
        except (SlackApiError, *NETWORK_ERRORS):
            return None
        assert isinstance(data, dict)
        messages = data.get("messages") or []
        if not messages:
            return None
        payload = (messages[0].get("metadata") or {}).get("event_payload") or {}
        key = payload.get("key")
        return str(key) if key else None

    def link_to(self, ref: MessageRef) -> str | None:
        if ref not in self._links:
            try:
                data = self.client.chat_getPermalink(channel=ref.conversation, message_ts=ref.id).data
            except (SlackApiError, *NETWORK_ERRORS):
                return None
            assert isinstance(data, dict)
            self._links[ref] = str(data.get("permalink", ""))
        return self._links[ref] or None

    # -- writes -----------------------------------------------------------------------------------

    def _call(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self.posts.api_call(method, json=args)
        except SlackApiError as exc:
            raise chat_error(exc) from exc
        except NETWORK_ERRORS as exc:
            raise ChatError(f"{method}: {exc.__class__.__name__}", ambiguous=True) from exc
        return response.data if isinstance(response.data, dict) else {}

    def post(self, write_: PostMessage, key: str | None = None) -> MessageRef:
        args: dict[str, Any] = {
            "channel": write_.conversation,
            **write(write_.message).args(),
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if write_.thread:
            args["thread_ts"] = write_.thread
        if key is not None:
            args["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": key}}
        try:
            data = self._call("chat.postMessage", args)
        except ChatError as exc:
            if exc.reason != "not_in_channel":
                raise
            self.join(write_.conversation)  # a public channel the bot left: join it and post again
            data = self._call("chat.postMessage", args)
        channel = str(data.get("channel") or write_.conversation)
        if USER_ID.match(write_.conversation) and channel != write_.conversation:
            with self._lock:
                self._dms[write_.conversation] = channel  # a direct message's own id, learnt for free
        return MessageRef(channel, str(data.get("ts") or ""))

    def find_post(self, write_: PostMessage, key: str) -> MessageRef | None:
        conversation = write_.conversation
        if USER_ID.match(conversation):  # a direct message sent to the person's id: its conversation
            conversation = self._dms.get(conversation) or self._open_direct(conversation)
            write_ = PostMessage(conversation, write_.message, write_.thread)
        try:
            if write_.thread:
                response = self.client.conversations_replies(
                    channel=write_.conversation, ts=write_.thread, limit=200, include_all_metadata=True
                )
            else:
                response = self.client.conversations_history(
                    channel=write_.conversation, limit=100, include_all_metadata=True
                )
        except (SlackApiError, *NETWORK_ERRORS) as exc:
            raise ChatError(
                f"cannot read the history of {write_.conversation} ({exc.__class__.__name__})", transient=True
            ) from exc
        data = response.data if isinstance(response.data, dict) else {}
        for message in data.get("messages", []):
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("key") == key:
                return MessageRef(write_.conversation, str(message.get("ts")))
        return None

    def update(self, write_: UpdateMessage) -> None:
        args = {"channel": write_.ref.conversation, "ts": write_.ref.id, **write(write_.message).args()}
        self._call("chat.update", args)

    def delete(self, write_: DeleteMessage) -> None:
        try:
            self._call("chat.delete", {"channel": write_.ref.conversation, "ts": write_.ref.id})
        except ChatError as exc:
            if exc.reason != "message_not_found":
                raise

    def react(self, write_: React) -> None:
        method = "reactions.add" if write_.add else "reactions.remove"
        args = {"channel": write_.ref.conversation, "timestamp": write_.ref.id, "name": write_.emoji}
        try:
            self._call(method, args)
        except ChatError as exc:
            if exc.reason not in ("already_reacted", "no_reaction"):
                raise

    def whisper(self, write_: Whisper) -> None:
        message = write(write_.message)
        url = (write_.handle.data.get("response_url") if write_.handle else "") or ""
        if url.startswith("http"):
            try:
                response = WebhookClient(url).send(
                    text=message.text,
                    blocks=message.blocks,
                    response_type="ephemeral",
                    replace_original=False,
                )
                if response.status_code == 200:
                    return
            except Exception:  # an expired or unreachable response_url: say it another way
                log.debug("response_url failed", exc_info=True)
            log.info("response_url refused the reply; whispering another way")
        if write_.conversation:
            self._call(
                "chat.postEphemeral",
                {"channel": write_.conversation, "user": write_.person, **message.args()},
            )
        else:
            self._call("chat.postMessage", {"channel": write_.person, **message.args()})

    def upload(self, write_: Upload) -> None:
        try:
            self.posts.files_upload_v2(
                channel=write_.conversation,
                content=write_.content,
                filename=write_.filename,
                title=write_.title,
                initial_comment=write_.comment,
            )
        except SlackApiError as exc:
            raise chat_error(exc) from exc
        except NETWORK_ERRORS as exc:
            raise ChatError(exc.__class__.__name__, transient=True) from exc

    def open_form(self, write_: OpenForm) -> None:
        trigger = write_.handle.data.get("trigger_id", "")
        self._call("views.open", {"trigger_id": trigger, "view": modal(write_.form, write_.handle.data)})

    def publish_home(self, write_: PublishHome) -> None:
        self._call("views.publish", {"user_id": write_.person, "view": home_view(write_.view)})

    def lane(self, write_: Write) -> Lane | None:
        match write_:
            case PostMessage():
                return Lane(f"post:{write_.conversation}", POST_RATE, POST_BURST, shared_with_cues=True)
            case UpdateMessage():
                return METHOD_LANES["chat.update"]
            case DeleteMessage():
                return METHOD_LANES["chat.delete"]
            case React():
                return METHOD_LANES["reactions"]
            case Whisper():
                return METHOD_LANES["chat.postEphemeral"]
            case PublishHome():
                return METHOD_LANES["views.publish"]
        return None

    # -- receiving --------------------------------------------------------------------------------

    def listen(self, inbox: Inbox, on_uninstalled: Callable[[str], None] | None = None) -> None:
        app = build_app(self.client, self.signing_secret, inbox, self.identity(), self.clock, on_uninstalled)
        if self.http_port is not None:
            self.receiver = HttpReceiver(
                app,
                self.http_port,
                self.http_host,
                signing_secret=self.signing_secret,
                clock=self.clock,
                health=self.health,
            )
        elif self.app_token:
            self.receiver = SocketReceiver(app, self.app_token)
        if self.receiver is not None:
            self.receiver.start()

    def close(self) -> None:
        if self.receiver is not None:
            self.receiver.stop()
            self.receiver = None
