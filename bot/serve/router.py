"""Which webinar an inbound value belongs to, when one process runs several on one chat platform.

In order, the first that answers:

1. a tag the webinar wrote itself: a button's value, a form's hidden state (`bot.serve.tagged`);
2. `/webinar KEY ...`: a command that names the webinar (the key is taken off the text);
3. the conversation: the webinar whose announcements, questions or backstage it is;
4. where two or more webinars share that conversation, or it is nobody's (a direct message):
   a bare `/webinar` asks which (naming the keys); anything else goes to the webinar running now,
   else the nearest in time.

A webinar taken off (its file removed, its lease gone to another replica) is forgotten at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.chat.inbound import (
    Command,
    Deleted,
    Edited,
    HomeOpened,
    Inbound,
    Posted,
    Pressed,
    Reacted,
    Reply,
    Shortcut,
    Submitted,
)
from bot.chat.markup import compose
from bot.chat.message import Code, Message, Text
from bot.chat.port import Inbox
from bot.clock import Clock
from bot.i18n.words import Words
from bot.serve.tagged import FORM_STATE_KEY, untag

log = logging.getLogger(__name__)

COMMAND = "webinar"


@dataclass(frozen=True)
class Route:
    """One webinar as the router sees it."""

    key: str
    inbox: Inbox
    conversations: frozenset[str]
    window: Callable[[], tuple[datetime, datetime]]  # where it stands in time (start, end), now
    words: Callable[[str], Words]  # a person's words, for the router's own replies
    workspace: str = ""  # the team id of its workspace (OAuth mode); "" with one workspace


def distance(window: tuple[datetime, datetime], now: datetime) -> timedelta:
    start, end = window
    if start <= now <= end:
        return timedelta(0)
    return start - now if now < start else now - end


class Router:
    """The one `Inbox` a shared platform delivers to; it hands each value to one webinar's inbox."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()

    def add(self, route: Route) -> None:
        with self._lock:
            self._routes[route.key] = route

    def remove(self, key: str) -> None:
        with self._lock:
            self._routes.pop(key, None)

    def webinar_keys(self) -> list[str]:
        with self._lock:
            return sorted(self._routes)

    def for_workspace(self, team: str) -> Inbox | None:
        """The inbox of one workspace (OAuth mode): only its own webinars can be chosen, whatever a
        payload claims (a forged tag, another workspace's channel id); None where none runs."""
        with self._lock:
            if not any(r.workspace == team for r in self._routes.values()):
                return None
        return _WorkspaceInbox(self, team)

    def receive(self, event: Inbound, workspace: str | None = None) -> Reply | None:
        """`workspace`: the team the platform says the event came from (None: one workspace)."""
        with self._lock:
            routes = {k: r for k, r in self._routes.items() if workspace is None or r.workspace == workspace}
        if not routes:
            return None
        route, event_for_it = self._choose(routes, event)
        if route is None:
            return self._ask_which(routes, event)
        return route.inbox.receive(event_for_it)

    # -- choosing ---------------------------------------------------------------------------------

    def _choose(self, routes: dict[str, Route], event: Inbound) -> tuple[Route | None, Inbound]:
        match event:
            case Pressed():
                owner, value = untag(event.value)
                if owner in routes:
                    return routes[owner], replace(event, value=value)
            case Submitted():
                owner = event.state.get(FORM_STATE_KEY)
                if owner in routes:
                    state = {k: v for k, v in event.state.items() if k != FORM_STATE_KEY}
                    return routes[owner], replace(event, state=state)
            case Command():
                first, _, rest = event.text.strip().partition(" ")
                if event.name == COMMAND and first in routes:
                    return routes[first], replace(event, text=rest.strip())
        candidates = self._by_conversation(routes, event)
        if len(candidates) == 1:
            return candidates[0], event
        if isinstance(event, Command) and event.name == COMMAND and len(routes) > 1:
            return None, event  # ambiguous: ask which
        pool = candidates or list(routes.values())
        return self._nearest(pool), event

    def _by_conversation(self, routes: dict[str, Route], event: Inbound) -> list[Route]:
        conversation = conversation_of(event)
        if conversation is None:
            return []
        return [r for r in routes.values() if conversation in r.conversations]

    def _nearest(self, pool: list[Route]) -> Route:
        now = self.clock.now()
        return min(pool, key=lambda r: (distance(r.window(), now), r.window()[0], r.key))

    def _ask_which(self, routes: dict[str, Route], event: Inbound) -> Reply:
        assert isinstance(event, Command)
        candidates = self._by_conversation(routes, event) or list(routes.values())
        w = self._nearest(candidates).words(event.person)
        keys: tuple[Text | Code, ...] = ()
        for n, route in enumerate(sorted(candidates, key=lambda r: r.key)):
            keys += ((Text(", "),) if n else ()) + (Code(route.key),)
        first = sorted(r.key for r in candidates)[0]
        example = Code(f"/webinar {first} {event.text.strip() or 'status'}")
        return Reply(
            Message(
                compose(
                    w(
                        "Several webinars run here: which one? Name it first, for example {example}. "
                        "The webinars: {keys}."
                    ),
                    example=example,
                    keys=keys,
                )
            )
        )


class _WorkspaceInbox:
    def __init__(self, router: Router, team: str) -> None:
        self.router = router
        self.team = team

    def receive(self, event: Inbound) -> Reply | None:
        return self.router.receive(event, workspace=self.team)


def conversation_of(event: Inbound) -> str | None:
    match event:
        case Posted() | Edited() | Deleted() | Reacted():
            return event.ref.conversation
        case Command():
            return event.conversation
        case Pressed():
            return event.ref.conversation if event.ref is not None else None
        case Shortcut():
            return event.ref.conversation
        case Submitted() | HomeOpened():
            return None
    return None
